"""Untrusted text (model names, digests, errors, GGUF metadata, answers) shown as itself.

Qt guesses whether a string is rich text (``Qt.mightBeRichText``) in labels, tool tips and
message boxes, and rich text can load resources: ``<img src=http://…>`` makes Qt fetch, and
``<img src=/dev/zero>`` makes it read until memory runs out. Labels and message boxes that
show such text are set to plain text; tool tips cannot be, so a tip is escaped
(``core.inert.inert_html``) and marked as rich text, which shows the escaped text as itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

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
