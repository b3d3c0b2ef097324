"""The copy / alias dialog: a new name for an installed model, checked as it is typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.ollama import is_valid_model_name, same_model
from quantdesk.ui.plain_text import plain_label


class CopyDialog(QDialog):
    def __init__(self, source: str, installed: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Copy {source}")
        self.setAccessibleName("Copy model dialog")
        self._source = source
        self._installed = installed
        intro = plain_label(
            f"A new name for {source}. Copying writes only a new manifest: it takes "
            "no extra disk space. An existing model with that name is replaced.", self)
        intro.setWordWrap(True)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName("New model name")
        self.edit.setPlaceholderText("e.g. my-assistant:latest")
        self.hint = plain_label("", self)  # quotes the name typed
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Name check")
        # Room for two lines up front, so a message appearing never squeezes the intro.
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        # The button says what it does; "OK" leaves the user guessing.
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Copy")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.edit.textChanged.connect(self._check)
        name_row = QFormLayout()
        name_label = QLabel("&New name:", self)
        name_label.setBuddy(self.edit)
        name_row.addRow(name_label, self.edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(name_row)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._check("")
        # Wide enough that the intro and a long model name read on a line or two; a narrow
        # dialog wrapped the intro into a column that the name field then overlapped.
        self.setMinimumWidth(460)
        self.edit.setFocus()

    def _check(self, text: str) -> None:
        name = text.strip()
        problem = ""
        if not name:
            problem = "Type a name."
        elif not is_valid_model_name(name):
            problem = "Not a valid name: use letters, digits, '-', '_', '.' and one ':tag'."
        elif same_model(name, self._source):
            problem = "That is the model's own name."
        replaces = bool(name) and not problem and any(
            same_model(name, n) for n in self._installed)
        self.hint.setText(problem or (f"{name} exists and will be replaced." if replaces else ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def name(self) -> str:
        return self.edit.text().strip()

    @staticmethod
    def ask(source: str, installed: list[str], parent: QWidget | None = None) -> str | None:
        """The new name, or None when cancelled (tests replace this one function)."""
        dialog = CopyDialog(source, installed, parent)
        return dialog.name() if dialog.exec() == QDialog.DialogCode.Accepted else None
