"""Running a comparison from the GUI: the core runner on the I/O loop, its events as signals.

Tokens from up to six streams can arrive hundreds of times a second, so the I/O thread never
posts per token: one :class:`Throttle` appends the text per variant (another keeps only the
newest pull progress) and delivers at most ~30 times a second. State changes are rare and
cross the bridge at once, but each first flushes that variant's text so text never arrives
after "done". What crosses is a snapshot: the runner keeps mutating its ComparisonResult,
so the GUI gets a deep copy taken on the I/O thread at the moment of the event.

Stop cancels the job's future: the runner marks the unfinished runs ``cancelled`` and stores
the comparison incomplete; the service reports ``cancelled`` (never an error).

The runs load and unload models, so whatever the user had loaded before may be gone after:
the job notes what was loaded at the start, and once the comparison has finished, failed or
been stopped the models it unloaded are loaded again as they were (``restore_after``, on by
default), reported by ``restore_started`` / ``restored``.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.compare.diff import ComparisonDiff, diff_comparisons
from quantdesk.core.compare.events import CompareEvent
from quantdesk.core.compare.export import export_to_file
from quantdesk.core.compare.planning import (
    TogetherVerdict,
    VariantShape,
    can_run_together,
    shape_or_none,
)
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec
from quantdesk.core.compare.runner import run_comparison
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.eviction import RestoreItem
from quantdesk.core.inert import inert
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient, PullProgress, same_model
from quantdesk.core.paths import data_dir
from quantdesk.core.restore import RestoreResult
from quantdesk.ui.compare_words import task_heading
from quantdesk.ui.services.compare_store import StoreHolder
from quantdesk.ui.services.evictions import loaded_snapshot, put_back
from quantdesk.ui.services.jobs import Jobs
from quantdesk.ui.services.throttle import Throttle, appended, latest

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

# run_comparison's shape; the benchmark passes a synthetic token feed in its place.
Runner = Callable[..., Awaitable[ComparisonResult]]
FLUSH_MS = 33  # ~30 Hz: as often as a screen can usefully repaint text
RUN_JOB = "compare"
CHECK_JOB = "together"
RESTORE_JOB = "restore"


@dataclass(frozen=True, slots=True)
class RunRequest:
    spec: ComparisonSpec
    pull_missing: bool = False
    rerun_of: ComparisonResult | None = None  # a stored comparison this one repeats


class CompareService(QObject):
    """One comparison at a time (a new one cancels the old).

    Signals:
        started(object): the ComparisonResult as stored at the start (every run waiting)
        run_changed(str, object): model, a RunResult snapshot (state and metrics so far)
        tokens(str, str): model, the text produced since the last flush
        pull_progress(str, object): model, the newest PullProgress
        finished(object): the ComparisonResult
        rerun_diff(object): a ComparisonDiff, after a re-run finished
        failed(str): why the comparison could not run, in words a user can act on
        cancelled(): the user pressed Stop
        together_checked(object): a TogetherVerdict for the variants last asked about
        restore_started(list): names of the models being loaded again after a comparison
        restored(object): the RestoreResult tuple
    """

    started = Signal(object)
    run_changed = Signal(str, object)
    tokens = Signal(str, str)
    pull_progress = Signal(str, object)
    finished = Signal(object)
    rerun_diff = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    together_checked = Signal(object)
    restore_started = Signal(list)
    restored = Signal(object)

    def __init__(self, services: Services, store: StoreHolder, *,
                 client_factory: Callable[[], OllamaClient] | None = None,
                 runner: Runner = run_comparison,
                 flush_ms: int = FLUSH_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._store = store
        self._client_factory = client_factory or services.client
        self._bridge = services.bridge
        self._text: Throttle[str, str, list[str]] = Throttle(
            services.bridge, flush_ms, self._deliver_text, appended, self)
        self._progress: Throttle[str, PullProgress, PullProgress] = Throttle(
            services.bridge, flush_ms, self.pull_progress.emit, latest, self)
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_job_finished,
                          on_failed=self._on_job_failed, on_cancelled=self._on_job_cancelled)
        self._rerun_of: ComparisonResult | None = None
        self.restore_after = True  # put back what the comparison unloaded
        self._loaded_before: tuple[RestoreItem, ...] = ()
        self._closing = False

    # -- running -----------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._jobs.running(RUN_JOB)

    def start(self, request: RunRequest) -> None:
        client = self._client_factory()
        machine = self._services.hardware.machine
        store_holder = self._store
        sink, runner = self._sink, self._runner
        spec, pull = request.spec, request.pull_missing
        puller = self._services.pulls.puller() if self._services.pulls is not None else None
        self._rerun_of = request.rerun_of
        self._text.discard()
        self._progress.discard()
        self._loaded_before = ()
        post, note = self._bridge.post, self._note_loaded

        async def job() -> Finished:
            try:
                before = await client.ps()
            except QuantDeskError:
                before = []  # the runner reports the daemon's trouble itself
            post(note, loaded_snapshot(before, dt.datetime.now(dt.UTC)))
            store = await asyncio.to_thread(store_holder.get)
            result = await runner(client, spec, store=store, machine=machine, on_event=sink,
                                  pull_missing=pull, puller=puller)
            kept = await asyncio.to_thread(keep_unsaved, result) if result.unsaved else ""
            return Finished(copy.deepcopy(result), kept)

        self._jobs.start(RUN_JOB, job)

    def stop(self) -> bool:
        """Cancel the running comparison at once; True when one was running."""
        return self._jobs.cancel(RUN_JOB)

    def _note_loaded(self, items: tuple[RestoreItem, ...]) -> None:
        self._loaded_before = items

    def _put_back(self) -> None:
        items, self._loaded_before = self._loaded_before, ()
        if not items or not self.restore_after or self._closing:
            return
        client = self._client_factory()
        self.restore_started.emit([i.name for i in items])
        self._jobs.start(RESTORE_JOB, lambda: put_back(client, items))

    @property
    def flushes(self) -> int:
        """How many throttled deliveries carried text (the benchmark reads it)."""
        return self._text.deliveries

    def _sink(self, event: CompareEvent) -> None:
        """Runs on the I/O thread."""
        if event.kind == "token":
            self._text.put(event.model, event.text)
        elif event.kind == "task":  # in the text stream, so it lands between the answers
            self._text.put(event.model, task_heading(event.text))
        elif event.kind == "pulling" and event.progress is not None:
            self._progress.put(event.model, event.progress)
        else:
            if event.result is not None:  # still mutating on this thread: send a copy
                event = replace(event, result=copy.deepcopy(event.result))
            self._bridge.post(self._on_event, event)

    def _deliver_text(self, model: str, parts: list[str]) -> None:
        self.tokens.emit(model, "".join(parts))

    def flush(self, model: str | None = None) -> None:
        self._progress.flush(model)
        self._text.flush(model)

    def _on_event(self, event: CompareEvent) -> None:
        if event.kind == "started" and event.result is not None:
            self.started.emit(event.result)
        elif event.kind == "finished":
            self.flush()
        elif event.run is not None:
            self.flush(event.model)
            self.run_changed.emit(event.model, event.run)

    def _on_job_finished(self, job: str, result: object) -> None:
        if job == RESTORE_JOB:
            self.restored.emit(result)
            self._services.running.refresh()  # the status line shows them back at once
            return
        if job != RUN_JOB:
            self.together_checked.emit(result)
            return
        self.flush()
        assert isinstance(result, Finished)
        done = result.result
        if note := self._store.take_note():
            self._services.notifier.notify("Compare history", note)
        if done.unsaved:
            self._services.notifier.notify("Comparison not saved", result.kept)
        self.finished.emit(done)
        old, self._rerun_of = self._rerun_of, None
        if old is not None:
            self.rerun_diff.emit(diff_comparisons(old, done))
        self._put_back()

    def _on_job_failed(self, job: str, message: str) -> None:
        if job == RESTORE_JOB:
            self.restored.emit((RestoreResult("", message),))
            return
        if job != RUN_JOB:
            self.together_checked.emit(TogetherVerdict(False, message))
            return
        self.flush()
        self.failed.emit(message)
        self._put_back()

    def _on_job_cancelled(self, job: str) -> None:
        if job == RUN_JOB:
            self.flush()
            self.cancelled.emit()
            self._put_back()

    # -- may they run together? --------------------------------------------------------------

    def check_together(self, models: list[str], num_ctx: int,
                       installed: list[str]) -> None:
        """Ask whether ``models`` all fit on the GPU at once (answer: ``together_checked``)."""
        machine = self._services.hardware.machine
        if not self._services.connection.is_connected:
            self.together_checked.emit(TogetherVerdict(False, "the daemon is not connected"))
            return
        missing = [m for m in models if not any(same_model(m, i) for i in installed)]
        if missing:
            self.together_checked.emit(TogetherVerdict(
                False, f"{', '.join(missing)} must be pulled before its memory is known"))
            return
        client = self._client_factory()
        self._jobs.start(CHECK_JOB, lambda: _together(client, models, machine, num_ctx))

    def shutdown(self) -> None:
        self._closing = True
        self._jobs.cancel_all()
        self._text.discard()
        self._progress.discard()


async def _together(client: OllamaClient, models: list[str], machine: Machine | None,
                    num_ctx: int) -> TogetherVerdict:
    version = await client.version()
    shapes: list[VariantShape | None] = []
    for m in models:
        try:
            shapes.append(shape_or_none(m, await client.show_shape(m)))
        except QuantDeskError:
            shapes.append(None)
    return await asyncio.to_thread(can_run_together, shapes, machine, num_ctx, version)


__all__ = ["CompareService", "ComparisonDiff", "RunRequest"]


@dataclass(frozen=True, slots=True)
class Finished:
    result: ComparisonResult
    kept: str = ""  # for an unsaved result: where it was exported instead, in a sentence


def keep_unsaved(result: ComparisonResult) -> str:
    """Export a comparison the history could not store (full disk, locked file), to the data
    folder else the temporary one; says where, or that it could not be kept. Blocking."""
    name = f"unsaved-comparison-{result.id or 'run'}.json"
    problems: list[str] = []
    for folder in (data_dir() / "unsaved", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = export_to_file(result, folder / name)
        except (OSError, QuantDeskError) as exc:
            problems.append(str(exc))
            continue
        return (f"This comparison is not in the history ({inert(result.unsaved)}); it was "
                f"exported to {path}.")
    return (f"This comparison is not in the history ({inert(result.unsaved)}) and could not "
            f"be exported either ({'; '.join(problems)}): export it from the Compare page "
            "before closing it.")
