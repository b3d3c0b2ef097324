"""The Library's context menu for a model: where it leads (Chat, Variants, Compare) and what
can be done to it (load, copy its name, delete, show its folder for a daemon on this machine).

The pages it leads to are reached through the main window's ``open_chat`` / ``open_variants``
/ ``open_compare``; an entry whose page is not there is shown disabled, not hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QWidget

from quantdesk.core.pulls.disk import is_local, models_dir


def _nothing() -> None:
    return None


def _window_opener(page: QWidget, method: str, page_key: str) -> Callable[[str], object] | None:
    window = page.window()
    opener = getattr(window, method, None)
    pages: dict[str, Any] = getattr(window, "pages", {})
    return opener if callable(opener) and page_key in pages else None


class ModelMenu(QMenu):
    def __init__(self, page: Any, name: str, selected: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent or page)
        self.setAccessibleName(f"Actions for {name}")
        self.name = name
        self._page = page
        self.entries: dict[str, QAction] = {}
        self._slots: dict[str, Callable[[], object]] = {}
        # One connection for the menu, none per action (see TrayMenu for why).
        self.triggered.connect(self._on_triggered)
        self._lead("Chat with it", "open_chat", "chat")
        self._lead("Variants and fit", "open_variants", "variants")
        self._lead("Compare its variants", "open_compare", "compare")
        self.addSeparator()
        running = page._services.loaded.state.running(name) is not None
        self._add("Unload" if running else "Load",
                  page.unload_selected if running else page.load_selected)
        self._add("Details", page.show_details)
        self._add("Copy name", page.copy_name)
        self._add("Copy to a new name…", page.copy_selected)
        local = is_local(page._services.host)
        show = self._add("Show in folder", self.show_in_folder)
        show.setEnabled(local)
        if not local:
            show.setToolTip("The daemon runs on another machine: its files are not here.")
        self.addSeparator()
        n = len(selected)
        self._add(f"Delete {n} models…" if n > 1 else "Delete…", page.delete_selected)
        self.setToolTipsVisible(True)

    def _add(self, text: str, slot: Callable[[], object]) -> QAction:
        action = self.addAction(text)
        self.entries[text] = action
        self._slots[text] = slot
        return action

    def _on_triggered(self, action: QAction) -> None:
        slot = self._slots.get(action.text())
        if slot is not None:
            slot()

    def _lead(self, text: str, method: str, page_key: str) -> None:
        opener = _window_opener(self._page, method, page_key)
        action = self._add(text, partial(opener, self.name) if opener else _nothing)
        action.setEnabled(opener is not None)

    @staticmethod
    def folder() -> Path:
        return models_dir()

    def show_in_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder())))
