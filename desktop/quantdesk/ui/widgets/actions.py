"""Keyboard shortcuts and labelled buttons, built the same way on every page."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

from quantdesk.ui.plain_text import tip
from quantdesk.ui.resources import icon


def add_shortcut(widget: QWidget, text: str, keys: QKeySequence | QKeySequence.StandardKey,
                 slot: Callable[[], object]) -> None:
    """A named shortcut that works only while focus is inside ``widget``, so pages in one
    window can reuse the same keys."""
    action = QAction(text, widget)
    action.setShortcut(keys)
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    widget.addAction(action)


def labelled_button(parent: QWidget, text: str, icon_name: str | None,
                    accessible: str) -> QPushButton:
    """A button whose screen-reader name and tooltip both say what it does."""
    b = QPushButton(icon(icon_name), text, parent) if icon_name else QPushButton(text, parent)
    b.setAccessibleName(accessible)
    b.setToolTip(tip(accessible))  # may name a model
    return b
