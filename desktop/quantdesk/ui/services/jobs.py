"""Running one coroutine as a job that ends in exactly one of finished / failed / cancelled.

Signals of GUI-thread QObjects may be emitted from the I/O thread: Qt queues them to the
receivers' thread. A job never dies silently: unexpected exceptions become ``failed`` with a
message, and cancellation (the user pressed Stop) is its own outcome, never an error dialog.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from quantdesk.core.errors import QuantDeskError
from quantdesk.ui.io_thread import IoThread

log = logging.getLogger(__name__)


class Jobs(QObject):
    """Keeps the running jobs of one service by id.

    Signals:
        finished(str, object): job id, the coroutine's result
        failed(str, str): job id, a message a user can act on
        cancelled(str): job id
    """

    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str)

    def __init__(self, io: IoThread, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._io = io
        self._jobs: dict[str, concurrent.futures.Future[Any]] = {}

    def start(
        self,
        job_id: str,
        coro_factory: Callable[[], Coroutine[Any, Any, Any]],
    ) -> None:
        """Start a job; a job with the same id still running is cancelled first."""
        self.cancel(job_id)
        # Finished futures are dropped here, on the GUI thread, so the dict has one writer.
        for done_id in [k for k, f in self._jobs.items() if f.done()]:
            del self._jobs[done_id]
        try:
            self._jobs[job_id] = self._io.submit(self._pump(job_id, coro_factory))
        except RuntimeError:
            # The app is shutting down and the I/O thread is gone: there is no one to report
            # to, and nothing left to do.
            log.debug("job %s dropped: the I/O thread is stopped", job_id)

    async def _pump(self, job_id: str, factory: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        try:
            result = await factory()
        except asyncio.CancelledError:
            self.cancelled.emit(job_id)
            raise
        except QuantDeskError as exc:
            self.failed.emit(job_id, str(exc))
        except Exception as exc:  # a task must never die silently
            log.exception("job %s failed unexpectedly", job_id)
            self.failed.emit(job_id, f"Unexpected error: {exc}")
        else:
            self.finished.emit(job_id, result)

    def running(self, job_id: str) -> bool:
        fut = self._jobs.get(job_id)
        return fut is not None and not fut.done()

    def cancel(self, job_id: str) -> bool:
        fut = self._jobs.pop(job_id, None)
        if fut is None or fut.done():
            return False
        fut.cancel()
        return True

    def cancel_all(self) -> None:
        for job_id in list(self._jobs):
            self.cancel(job_id)
