"""Help: the shortcut sheet (F1, Ctrl+/) and About.

The sheet is generated from the actions registered on the window and on each page, so it
lists exactly the keys that work and cannot go stale when a shortcut is added or changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quantdesk import __version__

OLLAMA_SITE = "https://ollama.com"
OLLAMA_LIBRARY = "https://ollama.com/library"


@dataclass(frozen=True, slots=True)
class Shortcut:
    group: str  # "Everywhere" or the page's title
    text: str  # what it does
    keys: str  # as the platform writes them: "Ctrl+K, F1"


def action_shortcuts(group: str, actions: Iterable[QAction]) -> list[Shortcut]:
    out: list[Shortcut] = []
    seen: set[tuple[str, str]] = set()
    for action in actions:
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                         for k in action.shortcuts() if not k.isEmpty())
        text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        text = text.rstrip("…").strip()
        if keys and text and (text, keys) not in seen:
            seen.add((text, keys))
            out.append(Shortcut(group, text, keys))
    return out


def page_shortcuts(title: str, page: QWidget) -> list[Shortcut]:
    """Every action with keys on ``page`` or inside it (``add_shortcut`` parents them there)."""
    return action_shortcuts(title, [*page.actions(), *page.findChildren(QAction)])


class ShortcutSheet(QDialog):
    def __init__(self, shortcuts: Sequence[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.resize(520, 520)
        self.shortcuts = list(shortcuts)
        note = QLabel("Page keys work while that page is shown; Ctrl+1… moves into the page.",
                      self)
        note.setObjectName("pageHint")
        note.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Shortcuts")
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for s in self.shortcuts:
            parent_item = groups.get(s.group)
            if parent_item is None:
                parent_item = QTreeWidgetItem(self.tree, [s.group])
                font = parent_item.font(0)
                font.setBold(True)
                parent_item.setFont(0, font)
                groups[s.group] = parent_item
            QTreeWidgetItem(parent_item, [s.text, s.keys])
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)


def about_text(ollama_version: str, host: str, connected: bool) -> str:
    daemon = (f"Ollama {ollama_version} at {host}" if connected and ollama_version
              else f"Ollama at {host}: not connected")
    return "\n".join((
        f"QuantDesk {__version__}",
        "Find, fit, pull, run and compare the quantized variants of local models.",
        "",
        daemon,
        f"Qt for Python {pyside_version}",
        "",
        f"Ollama: {OLLAMA_SITE}",
        f"Model library: {OLLAMA_LIBRARY}",
    ))


def about_box(text: str, parent: QWidget | None = None) -> QMessageBox:
    """Plain text only: nothing the daemon reports can turn into markup or a live link."""
    box = QMessageBox(parent)
    box.setWindowTitle("About QuantDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setAccessibleName("About QuantDesk")
    return box
