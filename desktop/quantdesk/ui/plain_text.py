"""Untrusted text (model names, digests, errors, GGUF metadata, answers) shown as itself.

Qt guesses whether a string is rich text (``Qt.mightBeRichText``) in labels, tool tips and
message boxes, and rich text can load resources: ``<img src=http://…>`` makes Qt fetch, and
``<img src=/dev/zero>`` makes it read until memory runs out. So every label and message box
that can show such text is set to plain text where it is built (``plain``, ``plain_label``,
``message_box``, ``ask``). A tool tip has no text format of its own: one that can quote
outside text is escaped (``core.inert.inert_html``) and marked as rich text (``tip``,
``set_tip``), which shows the escaped text as itself. Item views are plain already when they
paint a cell; their models escape the tool tips they return. Text of our own (button labels,
hints) needs none of this.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from quantdesk.core.inert import inert, inert_html

_RICH = "<qt>"


def tip(text: object) -> str:
    """A tool tip that shows ``text`` literally, line breaks kept, and loads nothing."""
    if text is None or text == "":
        return ""
    return _RICH + inert_html(text).replace("\n", "<br>") + "</qt>"


def notification(text: object) -> str:
    """A desktop notification's title or body: freedesktop notification servers may read the
    body as markup (``<b>``, ``<a>``, ``<img>``), so outside text is escaped for them."""
    return inert_html(text) if text is not None else ""


def tip_or_none(text: object) -> str | None:
    """``tip`` for a model's ``ToolTipRole`` (None, not "", when there is nothing to show)."""
    return tip(text) or None


def set_tip(widget: QWidget, text: object) -> None:
    widget.setToolTip(tip(text))


def plain(label: QLabel) -> QLabel:
    """``label`` set to show its text as plain text from now on."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    plain(label)
    label.setText(inert(text))
    return label


def message_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str,
                text: str) -> QMessageBox:
    """A message box whose text (which may quote a daemon) is plain text; not shown yet."""
    box = QMessageBox(icon, title, "", QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(inert(text))
    return box


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """``QMessageBox.question`` with ``text`` shown as plain text: True for Yes."""
    box = message_box(parent, QMessageBox.Icon.Question, title, text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes
