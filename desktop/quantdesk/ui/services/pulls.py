"""The download queue: pulls run on the I/O loop, one (or a few) at a time, in order.

Progress lines arrive about every 60 ms per pull and much faster from a fast mirror, so the
I/O thread never emits per line: it writes the newest figures into a per-attempt record under
a lock, and a GUI timer (20 Hz, running only while a pull is active) turns what changed into
one ``changed`` signal per pull. Cancelling closes the stream, which makes the daemon stop;
the daemon keeps the partial blobs, so :meth:`PullsService.retry` resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QObject, QTimer, Signal

from quantdesk.core.ollama import OllamaClient, PullProgress
from quantdesk.ui.services.jobs import Jobs
from quantdesk.ui.services.pulls_disk import (
    DiskCheck,
    DiskSpaceShort,
    free_space,
    is_local,
    models_dir,
    require_space,
)

if TYPE_CHECKING:
    from quantdesk.ui.services.registry import Services

Phase = Literal["queued", "pulling", "done", "failed", "cancelled"]
FLUSH_MS = 50  # 20 Hz: smooth bars without repainting per daemon line


@dataclass(frozen=True, slots=True)
class LayerState:
    digest: str
    completed: int
    total: int

    @property
    def done(self) -> bool:
        return self.total > 0 and self.completed >= self.total

    @property
    def short(self) -> str:
        return self.digest.removeprefix("sha256:")[:12]


@dataclass(frozen=True, slots=True)
class PullState:
    name: str
    phase: Phase
    status: str = ""  # the daemon's own words ("pulling 0a8c26691023", "verifying ...")
    completed: int = 0
    total: int = 0
    speed: float = 0.0  # bytes per second
    eta_s: float | None = None
    layers: tuple[LayerState, ...] = ()
    message: str = ""  # why it failed, in words a user can act on
    expected_bytes: int = 0  # the size announced before the pull (0: unknown)
    attempt: int = 1

    @property
    def active(self) -> bool:
        return self.phase in ("queued", "pulling")

    @property
    def fraction(self) -> float:
        if self.phase == "done":
            return 1.0
        total = max(self.total, self.expected_bytes)
        return min(1.0, self.completed / total) if total > 0 else 0.0


class _Live:
    """What the I/O thread knows about one attempt; read by the GUI under the service lock."""

    def __init__(self) -> None:
        self.progress: PullProgress | None = None
        self.layers: dict[str, LayerState] = {}
        self.dirty = False


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

    def __init__(
        self,
        services: Services,
        *,
        max_active: int = 1,
        disk_check: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._max_active = max(1, max_active)
        self._disk_check = disk_check
        self._jobs = Jobs(services.io, self)
        self._jobs.finished.connect(self._on_finished)
        self._jobs.failed.connect(self._on_failed)
        self._jobs.cancelled.connect(self._on_cancelled)
        self._lock = threading.Lock()
        self._states: dict[str, PullState] = {}  # insertion order = queue order
        self._live: dict[str, _Live] = {}
        self._flush = QTimer(self)
        self._flush.setInterval(FLUSH_MS)
        self._flush.timeout.connect(self._flush_now)

    # -- queries ----------------------------------------------------------------------------

    def states(self) -> list[PullState]:
        return list(self._states.values())

    def state(self, name: str) -> PullState | None:
        return self._states.get(name)

    def has_active(self) -> bool:
        """True while something is queued or downloading (the window asks before closing)."""
        return any(s.active for s in self._states.values())

    def active_names(self) -> list[str]:
        return [s.name for s in self._states.values() if s.active]

    # -- actions ----------------------------------------------------------------------------

    def pull(self, name: str, expected_bytes: int = 0) -> None:
        """Queue a pull; a model already queued or downloading is left alone."""
        name = name.strip()
        old = self._states.get(name)
        if old is not None and old.active:
            return
        attempt = old.attempt + 1 if old is not None else 1
        expected = expected_bytes or (old.expected_bytes if old else 0)
        if old is not None:
            del self._states[name]  # a retry moves to the end of the queue
        self._states[name] = PullState(name, "queued", "waiting", expected_bytes=expected,
                                       attempt=attempt)
        self.added.emit(name)
        self.changed.emit(name, self._states[name])
        self._start_next()

    def retry(self, name: str) -> None:
        """Pull again; the daemon resumes from the partial download it kept."""
        state = self._states.get(name)
        if state is not None and not state.active:
            self.pull(name, state.expected_bytes)

    def cancel(self, name: str) -> None:
        state = self._states.get(name)
        if state is None or not state.active:
            return
        if state.phase == "queued":
            self._set(dataclasses.replace(state, phase="cancelled", status="cancelled"))
            self.cancelled.emit(name)
            return
        self._jobs.cancel(self._job_id(state))

    def remove(self, name: str) -> None:
        """Forget a finished, failed or cancelled row."""
        state = self._states.get(name)
        if state is not None and not state.active:
            del self._states[name]
            self.removed.emit(name)

    def cancel_all(self) -> None:
        for name in self.active_names():
            self.cancel(name)

    def shutdown(self) -> None:
        self._flush.stop()
        self._jobs.cancel_all()

    # -- running ----------------------------------------------------------------------------

    @staticmethod
    def _job_id(state: PullState) -> str:
        # The attempt number keeps a late "cancelled" of an old attempt off the new one.
        return f"{state.name}\n{state.attempt}"

    def _start_next(self) -> None:
        running = sum(1 for s in self._states.values() if s.phase == "pulling")
        for state in list(self._states.values()):
            if running >= self._max_active:
                break
            if state.phase != "queued":
                continue
            live = _Live()
            with self._lock:
                self._live[state.name] = live
            self._set(dataclasses.replace(state, phase="pulling", status="starting"))
            client = self._services.client()
            local = self._disk_check and is_local(client.host)
            self._jobs.start(
                self._job_id(state),
                lambda c=client, n=state.name, e=state.expected_bytes, lv=live, lo=local: (
                    self._run(c, n, e, lv, lo)),
            )
            running += 1
        if running and not self._flush.isActive():
            self._flush.start()

    async def _run(
        self, client: OllamaClient, name: str, expected: int, live: _Live, local: bool
    ) -> None:
        check: DiskCheck | None = None
        if local:
            check = await asyncio.to_thread(free_space, models_dir())
            require_space(name, expected, check)
        async with contextlib.aclosing(client.pull(name)) as stream:
            async for progress in stream:
                self._record(live, progress)
                # Sizes of later layers appear only as they start: re-check as they do.
                remaining = progress.total - progress.completed
                if check is not None and remaining > check.free:
                    raise DiskSpaceShort(name, remaining, check.free, check.where)

    def _record(self, live: _Live, progress: PullProgress) -> None:
        """Runs on the I/O thread: keep the newest figures, emit nothing."""
        with self._lock:
            live.progress = progress
            if progress.digest and progress.layer_total > 0:
                live.layers[progress.digest] = LayerState(
                    progress.digest, progress.layer_completed, progress.layer_total)
            live.dirty = True

    def _flush_now(self) -> None:
        for name, state in list(self._states.items()):
            if state.phase != "pulling":
                continue
            with self._lock:
                live = self._live.get(name)
                if live is None or not live.dirty:
                    continue
                live.dirty = False
                p, layers = live.progress, tuple(live.layers.values())
            if p is not None:
                self._set(dataclasses.replace(
                    state, status=p.status, completed=p.completed, total=p.total,
                    speed=p.speed, eta_s=p.eta_s, layers=layers))
        if not any(s.phase == "pulling" for s in self._states.values()):
            self._flush.stop()

    def _set(self, state: PullState) -> None:
        self._states[state.name] = state
        self.changed.emit(state.name, state)

    def _current(self, job_id: str) -> PullState | None:
        name, _, attempt = job_id.rpartition("\n")
        state = self._states.get(name)
        if state is None or str(state.attempt) != attempt or state.phase != "pulling":
            return None
        return state

    def _end(self, job_id: str, phase: Phase, status: str, message: str = "") -> str | None:
        state = self._current(job_id)
        if state is None:
            return None
        self._flush_now()  # show the last figures before the outcome
        state = self._states[state.name]
        with self._lock:
            self._live.pop(state.name, None)
        if phase == "done":
            state = dataclasses.replace(state, completed=max(state.total, state.completed),
                                        eta_s=0.0, speed=0.0)
        self._set(dataclasses.replace(state, phase=phase, status=status, message=message))
        self._start_next()
        return state.name

    def _on_finished(self, job_id: str, _result: object) -> None:
        if (name := self._end(job_id, "done", "success")) is not None:
            self._services.installed.refresh()  # every page's list shows the new model
            self.finished.emit(name)

    def _on_failed(self, job_id: str, message: str) -> None:
        if (name := self._end(job_id, "failed", "failed", message)) is not None:
            self.failed.emit(name, message)

    def _on_cancelled(self, job_id: str) -> None:
        if (name := self._end(job_id, "cancelled", "cancelled")) is not None:
            self.cancelled.emit(name)


_SHARED: weakref.WeakKeyDictionary[Services, PullsService] = weakref.WeakKeyDictionary()


def shared_pulls(services: Services) -> PullsService:
    """The one download queue of this app (Variants queues, Downloads shows, the window asks
    ``has_active()`` before closing)."""
    pulls = _SHARED.get(services)
    if pulls is None:
        pulls = PullsService(services)
        _SHARED[services] = pulls
    return pulls
