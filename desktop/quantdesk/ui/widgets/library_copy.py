"""The copy / alias dialog: a new name for an installed model, checked as it is typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.ollama import is_valid_model_name, same_model


class CopyDialog(QDialog):
    def __init__(self, source: str, installed: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Copy {source}")
        self.setAccessibleName("Copy model dialog")
        self._source = source
        self._installed = installed
        intro = QLabel(
            f"A new name for <b>{source}</b>. Copying writes only a new manifest: it takes "
            "no extra disk space. An existing model with that name is replaced.", self)
        intro.setWordWrap(True)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName("New model name")
        self.edit.setPlaceholderText("e.g. my-assistant:latest")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.edit.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._check("")

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
