"""The history store: one SQLite file of comparisons, observed loads, pulls and chats.

``HistoryStore(path=None)`` opens (and migrates) the file at ``default_path()``;
``store.comparisons``, ``store.loads`` and ``store.chats`` hold the operations. Every call
blocks briefly: async callers wrap them in ``asyncio.to_thread``. Safe to share between threads.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from quantdesk.core.paths import data_dir
from quantdesk.core.store.chats import ChatNotFound, ChatStore, ChatSummary
from quantdesk.core.store.database import SCHEMA_VERSION, Database, StoreError, default_path
from quantdesk.core.store.history import ComparisonStore, ComparisonSummary, NotInHistory
from quantdesk.core.store.loads import LoadStore, ObservedLoad, PullRecord


class HistoryStore:
    def __init__(self, path: str | Path | None = None) -> None:
        self.db = Database(path)
        self.comparisons = ComparisonStore(self.db)
        self.loads = LoadStore(self.db)
        self.chats = ChatStore(self.db)

    @property
    def path(self) -> Path:
        return self.db.path

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
