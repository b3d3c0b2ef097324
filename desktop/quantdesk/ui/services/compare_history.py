"""The stored comparisons for the Compare page: list, reopen, delete, export.

Every store call blocks briefly (SQLite, file writes), so each runs through
``asyncio.to_thread`` on the I/O loop and answers with a signal.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from quantdesk.core.compare.export import export_to_file
from quantdesk.core.compare.results import ComparisonResult
from quantdesk.core.store import ComparisonSummary
from quantdesk.ui.io_thread import IoThread
from quantdesk.ui.services.bridge import Bridge
from quantdesk.ui.services.compare_store import StoreHolder
from quantdesk.ui.services.jobs import Jobs


class CompareHistory(QObject):
    """Signals:
    listed(list): ComparisonSummary items, newest first
    opened(object): a stored ComparisonResult
    deleted(str): the id removed
    exported(str): the path written
    failed(str): a message a user can act on
    notice(str): something the user must know about the history file (a damaged file was
        moved aside and a new one started)
    """

    listed = Signal(list)
    opened = Signal(object)
    deleted = Signal(str)
    exported = Signal(str)
    failed = Signal(str)
    notice = Signal(str)

    def __init__(self, io: IoThread, bridge: Bridge, store: StoreHolder,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._jobs = Jobs(io, bridge, on_finished=self._on_finished,
                          on_failed=lambda _job, msg: self.failed.emit(msg))
        self.summaries: list[ComparisonSummary] = []

    def refresh(self) -> None:
        store = self._store

        def read() -> list[ComparisonSummary]:
            return store.get().comparisons.summaries()

        self._jobs.start("list", lambda: asyncio.to_thread(read))

    def open(self, comparison_id: str) -> None:
        store = self._store

        def read() -> ComparisonResult:
            return store.get().comparisons.get(comparison_id)

        self._jobs.start("open", lambda: asyncio.to_thread(read))

    def delete(self, comparison_id: str) -> None:
        store = self._store

        def remove() -> str:
            store.get().comparisons.delete(comparison_id)
            return comparison_id

        self._jobs.start(f"delete:{comparison_id}", lambda: asyncio.to_thread(remove))

    def export(self, comparison_id: str, path: Path) -> None:
        """Write the stored comparison to ``path`` (JSON, CSV or Markdown by its extension)."""
        store = self._store

        def write() -> Path:
            return export_to_file(store.get().comparisons.get(comparison_id), path)

        self._jobs.start(f"export:{comparison_id}", lambda: asyncio.to_thread(write))

    def _on_finished(self, job: str, value: object) -> None:
        if note := self._store.take_note():
            self.notice.emit(note)
        if job == "list":
            self.summaries = list(value)  # type: ignore[call-overload]
            self.listed.emit(self.summaries)
        elif job == "open":
            self.opened.emit(value)
        elif job.startswith("delete:"):
            self.deleted.emit(str(value))
            self.refresh()
        elif job.startswith("export:"):
            self.exported.emit(str(value))

    def shutdown(self) -> None:
        self._jobs.cancel_all()
