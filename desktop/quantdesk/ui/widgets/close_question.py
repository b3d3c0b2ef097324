"""What closing the window does: keep running in the tray or quit. Asked on the first close
and remembered in the window settings (File > "Keep running in the tray when closed" changes
it later)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from quantdesk.ui.window_state import window_settings

CLOSE_KEY = "close/action"  # "tray" or "quit"; absent until the first close asked
QUESTION = ("Keep QuantDesk running in the tray when you close the window? Loaded models stay "
            "loaded either way. You can change this in the File menu; File > Quit always quits.")


def remembered_close_choice() -> str | None:
    choice = str(window_settings().value(CLOSE_KEY, ""))
    return choice if choice in ("tray", "quit") else None


def remember_close_choice(choice: str) -> None:
    st = window_settings()
    st.setValue(CLOSE_KEY, choice)
    st.sync()


def ask_close_choice(parent: QWidget | None) -> str:
    box = QMessageBox(QMessageBox.Icon.Question, "Close QuantDesk", QUESTION, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    keep = box.addButton("Keep running in the tray", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit QuantDesk", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(keep)
    box.setObjectName("closeQuestion")
    box.exec()
    return "tray" if box.clickedButton() is keep else "quit"
