"""Running one coroutine as a job that ends in exactly one of finished / failed / cancelled.

The coroutine runs on the I/O loop; its outcome reaches the owner's callbacks on the GUI
thread through the :class:`Bridge` (never a Qt signal from the I/O thread). A job never
dies silently: unexpected exceptions become ``failed`` with a message, and cancellation
(the user pressed Stop) is its own outcome, never an error dialog. An outcome of a job that
was replaced by a newer one under the same id is dropped, so a late answer to an old query
never overwrites the new one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from quantdesk.core.errors import QuantDeskError
from quantdesk.ui.io_thread import IoThread
from quantdesk.ui.services.bridge import Bridge

log = logging.getLogger(__name__)

OnFinished = Callable[[str, Any], None]
OnFailed = Callable[[str, str], None]
OnCancelled = Callable[[str], None]


def _ignore(*_args: object) -> None:
    return None


class Jobs:
    """Keeps the running jobs of one service by id (GUI thread only)."""

    def __init__(
        self,
        io: IoThread,
        bridge: Bridge,
        *,
        on_finished: OnFinished = _ignore,
        on_failed: OnFailed = _ignore,
        on_cancelled: OnCancelled = _ignore,
    ) -> None:
        self._io = io
        self._bridge = bridge
        self._on_finished = on_finished
        self._on_failed = on_failed
        self._on_cancelled = on_cancelled
        self._jobs: dict[str, concurrent.futures.Future[Any]] = {}
        self._generation: dict[str, int] = {}

    def start(
        self,
        job_id: str,
        coro_factory: Callable[[], Coroutine[Any, Any, Any]],
    ) -> None:
        """Start a job; a job with the same id still running is cancelled first."""
        self.cancel(job_id)
        for done_id in [k for k, f in self._jobs.items() if f.done()]:
            del self._jobs[done_id]
        generation = self._generation.get(job_id, 0) + 1
        self._generation[job_id] = generation
        try:
            self._jobs[job_id] = self._io.submit(self._pump(job_id, generation, coro_factory))
        except RuntimeError:
            # The app is shutting down and the I/O thread is gone: there is no one to report
            # to, and nothing left to do.
            log.debug("job %s dropped: the I/O thread is stopped", job_id)

    async def _pump(self, job_id: str, generation: int,
                    factory: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        post = self._bridge.post
        try:
            result = await factory()
        except asyncio.CancelledError:
            post(self._deliver, job_id, generation, self._on_cancelled, ())
            raise
        except QuantDeskError as exc:
            post(self._deliver, job_id, generation, self._on_failed, (str(exc),))
        except Exception as exc:  # a task must never die silently
            log.exception("job %s failed unexpectedly", job_id)
            post(self._deliver, job_id, generation, self._on_failed,
                 (f"Unexpected error: {exc}",))
        else:
            post(self._deliver, job_id, generation, self._on_finished, (result,))

    def _deliver(self, job_id: str, generation: int, callback: Callable[..., None],
                 args: tuple[Any, ...]) -> None:
        if self._generation.get(job_id) == generation:
            callback(job_id, *args)

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
