"""The row above the conversation: which model the next message goes to, Regenerate,
"Regenerate with…" another variant, and the switch for the chat's settings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)


class ChatToolbar(QWidget):
    """Signals:
        variant_chosen(str): the user picked the model for the next message
        regenerate_requested(str): answer the last message again ("" for the same model)
    """

    variant_chosen = Signal(str)
    regenerate_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picker = QComboBox(self)
        self.picker.setAccessibleName("Model for the next message")
        self.picker.setToolTip("The model the next message goes to; the chat so far goes "
                               "with it")
        self.picker.setMinimumContentsLength(12)
        self.picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.activated.connect(lambda _i: self.variant_chosen.emit(self.current))
        self.regen_button = QPushButton("Regenerate", self)
        self.regen_button.setToolTip("Answer the last message again with the same model")
        self.regen_button.clicked.connect(lambda: self.regenerate_requested.emit(""))
        self.regen_with = QToolButton(self)
        self.regen_with.setText("Regenerate with…")
        self.regen_with.setToolTip("Answer the last message again with another variant, shown "
                                   "beside the first answer")
        self.regen_with.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.regen_menu = QMenu(self.regen_with)
        self.regen_with.setMenu(self.regen_menu)
        self.settings_button = QPushButton("Chat settings", self)
        self.settings_button.setCheckable(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Model", self))
        row.addWidget(self.picker, 1)
        for w in (self.regen_button, self.regen_with, self.settings_button):
            row.addWidget(w)

    @property
    def current(self) -> str:
        return self.picker.currentText().strip()

    def show_variant(self, name: str) -> None:
        if name and self.picker.findText(name) < 0:
            self.picker.addItem(name)
        if name:
            self.picker.setCurrentText(name)

    def set_models(self, names: Sequence[str], current: str) -> None:
        self.picker.clear()
        self.picker.addItems(list(names))
        self.show_variant(current)
        self.regen_menu.clear()
        for name in names:
            self.regen_menu.addAction(name, lambda n=name: self.regenerate_requested.emit(n))

    def set_can_regenerate(self, can: bool) -> None:
        self.regen_button.setEnabled(can)
        self.regen_with.setEnabled(can)
