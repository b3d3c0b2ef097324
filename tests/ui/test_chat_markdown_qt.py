"""Qt itself as the oracle: a text document that records every resource it is asked to load
gets the rendered Markdown of hostile answers, is laid out and painted, and loads nothing."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QPainter, QTextDocument

from quantdesk.core.chat.markdown import render_markdown

HOSTILE = """# Look at this ![cat](https://example.com/cat.png)

<img src="local.png"> <img src="https://example.com/x.png">
<style>p { background: url(bg.png) }</style>
<link rel="stylesheet" href="style.css">
<table background="tile.png"><tr><td>x</td></tr></table>

[relative](page.html) [file](file:///etc/hosts) [qrc](qrc:/icons/app.svg)
[web](https://example.com/page) <https://example.com/auto>

```html
<img src="in-code.png">
```

| a | b |
|---|---|
| ![x](y.png) | <img src=z.png> |
"""


class RecordingDocument(QTextDocument):
    def __init__(self) -> None:
        super().__init__()
        self.requested: list[str] = []

    def loadResource(self, kind: int, name: QUrl) -> object:  # noqa: N802
        self.requested.append(name.toString())
        return None


def lay_out_and_paint(html: str) -> RecordingDocument:
    doc = RecordingDocument()
    doc.setHtml(html)
    doc.setTextWidth(640)
    image = QImage(640, 2000, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    doc.drawContents(painter)
    painter.end()
    return doc


def test_the_probe_sees_a_resource_load(qapp):
    # Control: raw HTML with an image does make Qt ask for it, so silence below means safe.
    doc = lay_out_and_paint('<p>x <img src="probe.png"></p>')
    assert any("probe.png" in r for r in doc.requested)


def test_rendered_markdown_makes_qt_load_nothing(qapp):
    out = render_markdown(HOSTILE)
    doc = lay_out_and_paint(out.html)
    assert doc.requested == []
    shown = doc.toPlainText()
    assert "[image: cat]" in shown and '<img src="in-code.png">' in shown
    assert "relative (page.html)" in shown and "file (file:///etc/hosts)" in shown
    assert len(out.code_blocks) == 1


def test_links_and_copy_anchors_reach_qt_as_written(qapp):
    out = render_markdown("[web](https://example.com/page)\n\n```\ncode\n```")
    doc = lay_out_and_paint(out.html)
    anchors = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isAnchor():
                anchors.append(fmt.anchorHref())
            it += 1
        block = block.next()
    assert anchors == ["https://example.com/page", "#copy-0"]
    assert doc.requested == []
