"""The history file the Compare page reads and the runner writes, opened on first use.

Opening is file I/O (and maybe a schema migration), so it happens on the I/O loop through
``asyncio.to_thread``, never on the GUI thread, and only when the page first needs it: a
window that never shows the Compare page never touches the history file.
"""

from __future__ import annotations

import threading
from pathlib import Path

from quantdesk.core.store import HistoryStore


class StoreHolder:
    def __init__(self, path: Path | None = None) -> None:
        self._path = path  # None: the default history file (QUANTDESK_DATA_DIR etc.)
        self._lock = threading.Lock()
        self._store: HistoryStore | None = None
        self._note = ""  # the damaged file moved aside on opening, until told to the user

    @property
    def path(self) -> Path | None:
        return self._path

    def use_path(self, path: Path) -> None:
        """Switch to another file (the screenshot demo keeps its runs out of the real
        history); the old one is closed."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
            self._path = path

    def get(self) -> HistoryStore:
        """The open store; blocking: call it through ``asyncio.to_thread``."""
        with self._lock:
            if self._store is None:
                self._store = HistoryStore(self._path)
                self._note = self._store.recovery_note()
            return self._store

    def take_note(self) -> str:
        """HistoryStore.recovery_note() of the file opened, once (then "")."""
        with self._lock:
            note, self._note = self._note, ""
            return note

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
