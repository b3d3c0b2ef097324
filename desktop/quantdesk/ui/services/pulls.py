"""The app's download queue: core's :class:`PullQueue` on the GUI thread, its attempts on the
I/O loop, its snapshots as Qt signals.

Progress lines arrive about every 60 ms per pull and much faster from a fast mirror, so the
I/O thread never posts per line: a :class:`Throttle` keeps each attempt's newest figures and
delivers them at most 20 times a second. Outcomes cross the bridge at once, after a flush of
that attempt's figures so the bar shows its last value before "done".

The comparison pulls a missing variant through this same queue (:meth:`puller`), so its pull
shows in Downloads, gets the disk check and waits its turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from quantdesk.core.ollama import PullProgress
from quantdesk.core.pulls import (
    LayerState,
    PullFailed,
    PullFigures,
    PullQueue,
    PullState,
)
from quantdesk.core.pulls.queue import Work
from quantdesk.ui.services.jobs import Jobs
from quantdesk.ui.services.throttle import Throttle, latest

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

FLUSH_MS = 50  # 20 Hz: smooth bars without repainting per daemon line

__all__ = ["FLUSH_MS", "LayerState", "PullState", "PullsService"]


class _BridgedRunner:
    """Runs each attempt on the I/O loop; reports back on the GUI thread."""

    def __init__(self, services: Services, owner: QObject) -> None:
        self._queue: PullQueue | None = None
        self._figures: Throttle[str, PullFigures, PullFigures] = Throttle(
            services.bridge, FLUSH_MS, self._on_figures, latest, owner)
        self.jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                         on_failed=self._on_failed, on_cancelled=self._on_cancelled)

    def start(self, job: str, work: Work, queue: PullQueue) -> None:
        self._queue = queue
        put = self._figures.put
        self.jobs.start(job, lambda: work(lambda figures: put(job, figures)))

    def cancel(self, job: str) -> bool:
        return self.jobs.cancel(job)

    def _on_figures(self, job: str, figures: PullFigures) -> None:
        if self._queue is not None:
            self._queue.progress(job, figures)

    def _on_finished(self, job: str, _result: object) -> None:
        self._figures.flush(job)
        if self._queue is not None:
            self._queue.finished(job)

    def _on_failed(self, job: str, message: str) -> None:
        self._figures.flush(job)
        if self._queue is not None:
            self._queue.failed(job, message)

    def _on_cancelled(self, job: str) -> None:
        self._figures.flush(job)
        if self._queue is not None:
            self._queue.cancelled(job)


class PullsService(QObject):
    """Signals:
    added(str): a model entered the queue (or re-entered it for a retry)
    changed(str, object): model, its new PullState (coalesced to at most 20 per second)
    finished(str): model pulled completely
    failed(str, str): model, a message a user can act on
    cancelled(str): model; the user stopped it (never an error)
    removed(str): the row was cleared from the list
    """

    added = Signal(str)
    changed = Signal(str, object)
    finished = Signal(str)
    failed = Signal(str, str)
    cancelled = Signal(str)
    removed = Signal(str)

    def __init__(self, services: Services, *, max_active: int = 1, disk_check: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = _BridgedRunner(services, self)
        self.queue = PullQueue(self._runner, services.client, max_active=max_active,
                               disk_check=disk_check, on_change=self._on_change,
                               on_end=self._on_end, on_removed=self.removed.emit)
        # Progress listeners of comparisons waiting on a pull, by model (GUI thread).
        self._watchers: dict[str, list[Callable[[PullState], None]]] = {}

    # -- queries ----------------------------------------------------------------------------
    def states(self) -> list[PullState]:
        return self.queue.states()

    def state(self, name: str) -> PullState | None:
        return self.queue.state(name)

    def has_active(self) -> bool:
        """True while something is queued or downloading (the window asks before closing)."""
        return self.queue.has_active()

    def active_names(self) -> list[str]:
        return self.queue.active_names()

    # -- actions ----------------------------------------------------------------------------
    def pull(self, name: str, expected_bytes: int = 0) -> None:
        """Queue a pull; a model already queued or downloading is left alone."""
        self.queue.pull(name, expected_bytes)

    def retry(self, name: str) -> None:
        self.queue.retry(name)

    def cancel(self, name: str) -> None:
        self.queue.cancel(name)

    def remove(self, name: str) -> None:
        self.queue.remove(name)

    def cancel_all(self) -> None:
        self.queue.cancel_all()

    def shutdown(self) -> None:
        self._runner.jobs.cancel_all()

    def puller(self) -> Callable[[str, Callable[[PullProgress], None]], Any]:
        """For a job on the I/O loop: ``await pull(name, on_progress)`` through this queue
        (raises PullFailed unless the pull ends done; cancelling it cancels the pull)."""
        post = self._services.bridge.post

        async def pull(name: str, on_progress: Callable[[PullProgress], None]) -> None:
            loop = asyncio.get_running_loop()
            done: asyncio.Future[PullState] = loop.create_future()

            def resolve(state: PullState) -> None:
                if not done.done():
                    done.set_result(state)

            def watch(state: PullState) -> None:  # GUI thread
                if state.phase in ("pulling", "done") and state.total > 0:
                    loop.call_soon_threadsafe(on_progress, state.as_progress())

            def enqueue() -> None:  # GUI thread
                self._watchers.setdefault(name, []).append(watch)
                self.queue.pull(name, when_done=lambda s: loop.call_soon_threadsafe(resolve, s))

            post(enqueue)
            try:
                state = await done
            except asyncio.CancelledError:
                post(self.queue.cancel, name)
                raise
            if state.phase != "done":
                raise PullFailed(state)

        return pull

    # -- queue callbacks (GUI thread) --------------------------------------------------------
    def _on_change(self, state: PullState) -> None:
        if state.phase == "queued":
            self.added.emit(state.name)
        self.changed.emit(state.name, state)
        for watch in self._watchers.get(state.name, ()):
            watch(state)

    def _on_end(self, state: PullState) -> None:
        self._watchers.pop(state.name, None)
        if state.phase == "done":
            self._services.installed.refresh()  # every page's list shows the new model
            self.finished.emit(state.name)
        elif state.phase == "failed":
            self.failed.emit(state.name, state.message)
        else:
            self.cancelled.emit(state.name)

