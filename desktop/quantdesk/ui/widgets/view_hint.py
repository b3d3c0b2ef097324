"""An empty list's hint shown inside the list, over its empty rows: appearing and going, it
moves nothing on the page (a line above the table pushed the rows down under the pointer)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel

MARGIN = 8


class ViewHint(QObject):
    """Keeps ``label`` across the top of ``view``'s viewport as the view is resized."""

    def __init__(self, label: QLabel, view: QAbstractScrollArea) -> None:
        super().__init__(label)
        self.label = label
        self.viewport = view.viewport()
        label.setParent(self.viewport)
        label.setWordWrap(True)
        # The whole viewport, text at the top: a longer text needs no new geometry.
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Clicks and the context menu go to the list beneath.
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.viewport.installEventFilter(self)
        label.installEventFilter(self)
        self.place()

    def place(self) -> None:
        self.label.setGeometry(self.viewport.rect().adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if (watched is self.viewport and kind == QEvent.Type.Resize) or (
                watched is self.label and kind == QEvent.Type.Show):
            self.place()
        return False


def hint_in_view(label: QLabel, view: QAbstractScrollArea) -> QLabel:
    """``label`` shown over the top of ``view``'s rows from now on; returns it."""
    ViewHint(label, view)
    return label
