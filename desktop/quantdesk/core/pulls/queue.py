"""The download queue: models pulled one (or a few) at a time, in order, each with the disk
check; the same queue serves ``quantdesk pull``, the Downloads page and a comparison's pull
of a missing variant.

The queue is confined to one thread, its owner's (the CLI's loop, the GUI thread): every
method, and every callback it makes, runs there. The attempts themselves run through a
:class:`PullRunner` which reports back on that thread: :class:`AsyncPullRunner` runs them
on the owner's own asyncio loop; the GUI runs them on its I/O thread and relays through its
bridge. Cancelling an attempt closes the stream, which makes the daemon stop; the daemon
keeps the partial blobs, so :meth:`PullQueue.retry` resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama import OllamaClient, PullProgress
from quantdesk.core.pulls import disk
from quantdesk.core.pulls.state import FINAL_PHASES, Phase, PullFigures, PullState
from quantdesk.core.pulls.work import Report, pull_once

log = logging.getLogger(__name__)

Work = Callable[[Report], Coroutine[Any, Any, object]]
Listener = Callable[[PullState], None]
# ``await puller(name, on_progress)``: pull through a queue; PullFailed unless it ends done.
Puller = Callable[[str, Callable[[PullProgress], None]], Awaitable[None]]


class PullRunner(Protocol):
    def start(self, job_id: str, work: Work, queue: PullQueue) -> None: ...
    def cancel(self, job_id: str) -> bool: ...


class PullQueue:
    def __init__(self, runner: PullRunner, client: Callable[[], OllamaClient], *,
                 max_active: int = 1, disk_check: bool = True,
                 insecure: bool = False,
                 on_change: Listener | None = None, on_end: Listener | None = None,
                 on_removed: Callable[[str], None] | None = None,
                 on_progress: Callable[[str, PullFigures], None] | None = None) -> None:
        self._runner = runner
        self._client = client
        self._max_active = max(1, max_active)
        self._disk_check = disk_check
        self._insecure = insecure
        self.on_change, self.on_end, self.on_removed = on_change, on_end, on_removed
        self.on_progress = on_progress  # every line the runner relays (the CLI prints them)
        self._states: dict[str, PullState] = {}  # insertion order = queue order
        self._waiters: dict[str, list[Callable[[PullState], None]]] = {}

    # -- queries ----------------------------------------------------------------------------
    def states(self) -> list[PullState]:
        return list(self._states.values())

    def state(self, name: str) -> PullState | None:
        return self._states.get(name)

    def has_active(self) -> bool:
        return any(s.active for s in self._states.values())

    def active_names(self) -> list[str]:
        return [s.name for s in self._states.values() if s.active]

    # -- actions ----------------------------------------------------------------------------
    def pull(self, name: str, expected_bytes: int = 0,
             when_done: Callable[[PullState], None] | None = None) -> PullState:
        """Queue a pull; a model already queued or downloading is left alone (``when_done``
        then waits for that one)."""
        name = name.strip()
        if when_done is not None:
            self._waiters.setdefault(name, []).append(when_done)
        old = self._states.get(name)
        if old is not None and old.active:
            return old
        attempt = old.attempt + 1 if old is not None else 1
        expected = expected_bytes or (old.expected_bytes if old else 0)
        if old is not None:
            del self._states[name]  # a retry moves to the end of the queue
        self._set(PullState(name, "queued", "waiting", expected_bytes=expected, attempt=attempt))
        self._start_next()
        return self._states[name]

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
            self._finish(state, "cancelled", "cancelled")
            return
        self._runner.cancel(job_id(state))

    def remove(self, name: str) -> None:
        """Forget a finished, failed or cancelled row."""
        state = self._states.get(name)
        if state is not None and not state.active:
            del self._states[name]
            if self.on_removed is not None:
                self.on_removed(name)

    def cancel_all(self) -> None:
        for name in self.active_names():
            self.cancel(name)

    # -- what the runner reports (on the owner's thread) ------------------------------------
    def progress(self, job: str, figures: PullFigures) -> None:
        state = self._current(job)
        if state is not None:
            if self.on_progress is not None:
                self.on_progress(state.name, figures)
            p = figures.progress
            self._set(dataclasses.replace(
                state, status=p.status, completed=p.completed, total=p.total, speed=p.speed,
                eta_s=p.eta_s, layers=figures.layers))

    def finished(self, job: str) -> None:
        state = self._current(job)
        if state is not None:
            state = dataclasses.replace(state, completed=max(state.total, state.completed),
                                        eta_s=0.0, speed=0.0)
            self._finish(state, "done", "success")

    def failed(self, job: str, message: str) -> None:
        state = self._current(job)
        if state is not None:
            self._finish(state, "failed", "failed", message)

    def cancelled(self, job: str) -> None:
        state = self._current(job)
        if state is not None:
            self._finish(state, "cancelled", "cancelled")

    # -- inside -----------------------------------------------------------------------------
    def _start_next(self) -> None:
        running = sum(1 for s in self._states.values() if s.phase == "pulling")
        for state in list(self._states.values()):
            if running >= self._max_active:
                break
            if state.phase != "queued":
                continue
            client = self._client()
            check = self._disk_check and not disk.skip_reason(client.host)
            note = "" if not self._disk_check else disk.skip_reason(client.host)
            started = dataclasses.replace(state, phase="pulling", status="starting", note=note)
            self._set(started)
            name, expected = state.name, state.expected_bytes

            def work(report: Report, c: OllamaClient = client, n: str = name,
                     e: int = expected, k: bool = check) -> Coroutine[Any, Any, object]:
                return pull_once(c, n, expected_bytes=e, check_disk=k, report=report,
                                 insecure=self._insecure)

            self._runner.start(job_id(started), work, self)
            running += 1

    def _current(self, job: str) -> PullState | None:
        name, _, attempt = job.rpartition("\n")
        state = self._states.get(name)
        if state is None or str(state.attempt) != attempt or state.phase != "pulling":
            return None
        return state

    def _set(self, state: PullState) -> None:
        self._states[state.name] = state
        if self.on_change is not None:
            self.on_change(state)

    def _finish(self, state: PullState, phase: Phase, status: str, message: str = "") -> None:
        final = dataclasses.replace(state, phase=phase, status=status, message=message)
        assert final.phase in FINAL_PHASES
        self._set(final)
        if self.on_end is not None:
            self.on_end(final)
        for waiter in self._waiters.pop(final.name, []):
            waiter(final)
        self._start_next()


def job_id(state: PullState) -> str:
    # The attempt number keeps a late "cancelled" of an old attempt off the new one.
    return f"{state.name}\n{state.attempt}"


class AsyncPullRunner:
    """Runs attempts as tasks on the running asyncio loop (the queue's own thread)."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, job: str, work: Work, queue: PullQueue) -> None:
        self._tasks[job] = asyncio.get_running_loop().create_task(self._run(job, work, queue))

    async def _run(self, job: str, work: Work, queue: PullQueue) -> None:
        try:
            await work(lambda figures: queue.progress(job, figures))
        except asyncio.CancelledError:
            queue.cancelled(job)
            raise
        except QuantDeskError as exc:
            queue.failed(job, str(exc))
        except Exception as exc:  # an attempt must never die silently
            log.exception("pull %s failed unexpectedly", job.replace("\n", " #"))
            queue.failed(job, f"Unexpected error: {exc}")
        else:
            queue.finished(job)
        finally:
            self._tasks.pop(job, None)

    def cancel(self, job: str) -> bool:
        task = self._tasks.get(job)
        if task is None or task.done():
            return False
        task.cancel()
        return True


class PullFailed(QuantDeskError):
    """A pull ended failed or cancelled; the message says why."""

    def __init__(self, state: PullState) -> None:
        super().__init__(state.message or f"the pull of {state.name} was {state.phase}")
        self.state = state


async def pull_and_wait(queue: PullQueue, name: str, expected_bytes: int = 0) -> PullState:
    """Queue ``name`` (on this loop's queue) and wait for it; raises PullFailed unless done.
    Cancelling the wait cancels the pull."""
    done: asyncio.Future[PullState] = asyncio.get_running_loop().create_future()

    def on_done(state: PullState) -> None:
        if not done.done():
            done.set_result(state)

    queue.pull(name, expected_bytes, when_done=on_done)
    try:
        state = await done
    except asyncio.CancelledError:
        queue.cancel(name)
        raise
    if state.phase != "done":
        raise PullFailed(state)
    return state


def queue_puller(client: OllamaClient, *, disk_check: bool = True) -> Puller:
    """A puller with a queue of its own on the running loop (the CLI's comparison)."""
    listeners: dict[str, Callable[[PullProgress], None]] = {}

    def on_change(state: PullState) -> None:
        listener = listeners.get(state.name)
        if listener is not None and state.phase in ("pulling", "done") and state.total > 0:
            listener(state.as_progress())

    queue = PullQueue(AsyncPullRunner(), lambda: client, disk_check=disk_check,
                      on_change=on_change)

    async def pull(name: str, on_progress: Callable[[PullProgress], None]) -> None:
        listeners[name] = on_progress
        try:
            await pull_and_wait(queue, name)
        finally:
            listeners.pop(name, None)

    return pull
