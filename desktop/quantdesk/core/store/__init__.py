"""The history store: one SQLite file of comparisons, observed loads, pulls and chats.

``HistoryStore(path=None)`` opens (and migrates) the file at ``default_path()``;
``store.comparisons``, ``store.loads`` and ``store.chats`` hold the operations. Every call
blocks briefly: async callers wrap them in ``asyncio.to_thread``. Safe to share between threads.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

from quantdesk.core.paths import data_dir
from quantdesk.core.store.chats import ChatNotFound, ChatStore, ChatSummary
from quantdesk.core.store.database import SCHEMA_VERSION, Database, StoreError, default_path
from quantdesk.core.store.history import ComparisonStore, ComparisonSummary, NotInHistory
from quantdesk.core.store.loads import LoadStore, ObservedLoad, PullRecord


class HistoryStore:
    """``recovered_from``: where a damaged file was moved before this one was started (None
    normally); ``abandoned``: ids of comparisons whose process had ended mid-run, marked
    abandoned on opening."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout_s: float = 10.0) -> None:
        self.db = Database(path, busy_timeout_s=busy_timeout_s)
        self.comparisons = ComparisonStore(self.db)
        self.loads = LoadStore(self.db)
        self.chats = ChatStore(self.db)
        self.abandoned: list[str] = []
        with contextlib.suppress(StoreError):  # a read-only or busy file still opens
            self.abandoned = self.comparisons.abandon_stale()

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def recovered_from(self) -> Path | None:
        return self.db.recovered_from

    def recovery_note(self) -> str:
        """A sentence for the user when a damaged file was moved aside, else ''."""
        if self.recovered_from is None:
            return ""
        return (f"The history file {self.path} was damaged; it was moved to "
                f"{self.recovered_from} and a new history was started.")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


__all__ = [
    "SCHEMA_VERSION",
    "ChatNotFound",
    "ChatStore",
    "ChatSummary",
    "ComparisonStore",
    "ComparisonSummary",
    "Database",
    "HistoryStore",
    "LoadStore",
    "NotInHistory",
    "ObservedLoad",
    "PullRecord",
    "StoreError",
    "data_dir",
    "default_path",
]
