"""Untrusted text (model names, digests, errors, GGUF metadata, answers) shown as itself.

Qt guesses whether a string is rich text (``Qt.mightBeRichText``) in labels, tool tips and
message boxes, and rich text can load resources: ``<img src=http://…>`` makes Qt fetch, and
``<img src=/dev/zero>`` makes it read until memory runs out. Labels and message boxes that
show such text are set to plain text; tool tips cannot be, so a tip is escaped
(``core.inert.inert_html``) and marked as rich text, which shows the escaped text as itself.
``TextGuard`` (installed once by ``Services.create``) makes both the default everywhere, for
widgets built later too.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QMessageBox,
    QToolTip,
    QWidget,
)

from quantdesk.core.inert import inert, inert_html


def tip(text: object) -> str:
    """A tool tip that shows ``text`` literally, line breaks kept, and loads nothing."""
    if text is None or text == "":
        return ""
    return "<qt>" + inert_html(text).replace("\n", "<br>") + "</qt>"


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
    box = QMessageBox(icon, title, inert(text), QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


class TextGuard(QObject):
    """Plain text by default, application-wide: every QLabel still on automatic detection
    becomes plain text as it is first polished (a label meant for rich text sets RichText
    itself and escapes what it quotes), and every tool tip, a widget's own or an item
    view's cell or header, is shown escaped (``tip``) unless it already is."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if isinstance(watched, QLabel) and watched.textFormat() == Qt.TextFormat.AutoText:
                watched.setTextFormat(Qt.TextFormat.PlainText)
            return False
        if kind != QEvent.Type.ToolTip or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QHelpEvent)
        text, rect = _tip_at(watched, event.pos())
        if text is None:
            return False  # not ours to answer (nothing to show, or already escaped)
        if text:
            QToolTip.showText(event.globalPos(), tip(text), watched, rect)
        else:
            QToolTip.hideText()
            event.ignore()
        return True


def _tip_at(widget: QWidget, pos: QPoint) -> tuple[str | None, QRect]:
    """The raw tool tip ``widget`` would show at ``pos`` ("" for none), or None when it is
    already escaped or there is nothing to guard."""
    owner = widget.parent()
    if isinstance(owner, QHeaderView) and widget is owner.viewport():
        section = owner.logicalIndexAt(pos)
        model = owner.model()
        value = (model.headerData(section, owner.orientation(), Qt.ItemDataRole.ToolTipRole)
                 if model is not None and section >= 0 else None)
        return _raw(value), QRect()
    if isinstance(owner, QAbstractItemView) and widget is owner.viewport():
        index = owner.indexAt(pos)
        value = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
        return _raw(value), owner.visualRect(index)
    text = widget.toolTip()
    return (_raw(text) if text else None), QRect()


def _raw(value: object) -> str | None:
    if value is None or value == "":
        return ""
    text = str(value)
    return None if text.startswith("<qt>") else text


def install_text_guard() -> None:
    """Install the guard on the running application once (every later call is a no-op)."""
    app = QApplication.instance()
    if app is None or getattr(app, "_quantdesk_text_guard", None) is not None:
        return
    guard = TextGuard(app)
    app.installEventFilter(guard)
    app._quantdesk_text_guard = guard  # type: ignore[attr-defined]  # kept alive with the app
