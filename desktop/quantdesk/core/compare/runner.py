"""Runs a comparison against one daemon: prepare, then each variant load → generate → unload.

Preparation (nothing stored yet): daemon version, installed variants, pulls of missing ones
(``pull_missing``), ``/api/show`` + fit prediction per variant, the reference, and — in
"together" mode — the fit check that all variants fit at once (refused otherwise).

Then the comparison is stored with every run ``waiting`` and each run is rewritten as it
moves on. Sequential (default): the reference first, then the others in the given order,
each unloaded before the next so speeds are fair. Together: all loaded one after another,
then generated concurrently. A run that fails (daemon error, dropped stream) is stored
``failed`` with the message and the others go on; if the daemon cannot be reached at all,
the remaining runs fail at once with that same message. Cancellation (``CancelledError``)
marks the unfinished runs ``cancelled``, stores the comparison incomplete and propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from quantdesk.core.compare import planning
from quantdesk.core.compare.agreement import Transcript, score
from quantdesk.core.compare.events import CompareEvent, EventSink, run_event
from quantdesk.core.compare.fingerprint import build_fingerprint
from quantdesk.core.compare.metrics import accuracy_fields, speed
from quantdesk.core.compare.results import (
    ComparisonResult,
    ComparisonSpec,
    RunResult,
    TaskOutcome,
    new_comparison_id,
    now_iso,
)
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import FitResult
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import (
    DaemonUnreachable,
    InvalidModelName,
    LocalModel,
    Logprob,
    Metrics,
    OllamaClient,
    PullProgress,
    RunningModel,
    ShowResponse,
    same_model,
)
from quantdesk.core.pulls import Puller, queue_puller
from quantdesk.core.tasks import Task, accuracy, make_tasks

if TYPE_CHECKING:
    from quantdesk.core.store import HistoryStore

LOGPROBS_SINCE = (0, 12, 11)
# What writing the history can raise: our own error, SQLite's, and the disk's.
_STORE_ERRORS: tuple[type[BaseException], ...] = (QuantDeskError, sqlite3.Error, OSError)


def supports_logprobs(version: str) -> bool:
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", version or "")
    if not m:
        return False
    found = tuple(int(x) for x in m.groups())
    return found == (0, 0, 0) or found >= LOGPROBS_SINCE  # 0.0.0 is a dev build: newest


def _honour_cancel() -> None:
    """Raise if this task was asked to stop. On Python 3.11 ``asyncio.wait_for`` (used by the
    stream reader's stall timer) drops a cancellation that arrives as its inner read
    completes; the request then stays visible as ``cancelling()``, so we act on it here."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


@dataclass(slots=True)
class _Variant:
    run: RunResult
    local: LocalModel | None = None
    shape: planning.VariantShape | None = None
    fit: FitResult | None = None
    transcripts: list[Transcript] = field(default_factory=list)
    loaded: bool = False


_Model = TypeVar("_Model", LocalModel, RunningModel)


def _find(models: Sequence[_Model], name: str) -> _Model | None:
    for m in models:
        # A daemon name QuantDesk cannot parse is some other model: it must not stop the search.
        with contextlib.suppress(InvalidModelName):
            if same_model(m.name, name):
                return m
    return None


class ComparisonRunner:
    def __init__(self, client: OllamaClient, spec: ComparisonSpec, *,
                 store: HistoryStore | None = None, machine: Machine | None = None,
                 on_event: EventSink | None = None, pull_missing: bool = False,
                 puller: Puller | None = None) -> None:
        planning.check_models(spec.models)
        if (spec.prompt is None) == (spec.task_set is None):
            raise planning.CompareSetupError("Give either a prompt or a task set, not both.")
        self.client, self.spec, self.store, self.machine = client, spec, store, machine
        self.pull_missing = pull_missing
        # Missing variants go through a pull queue (its disk check, its order): the app's
        # own when it passes one, else one of this comparison's.
        self._puller = puller
        self._sink = on_event
        self.tasks: list[Task] = (make_tasks(spec.task_set, spec.task_count, spec.options.seed)
                                  if spec.task_set else [])
        self.variants = [_Variant(RunResult(m, i)) for i, m in enumerate(spec.models)]
        self.result: ComparisonResult | None = None
        self._logprobs = False
        self._version = ""
        self._stored = False
        self._unsaved = ""

    # -- plumbing ---------------------------------------------------------------------------
    def _emit(self, event: CompareEvent) -> None:
        if self._sink is not None:
            self._sink(event)

    def _store_failed(self, exc: BaseException) -> None:
        """Storing is a side task: a full disk or a locked file is noted on the result (the
        work goes on in memory, and the end tries once more), never a failure of the runs."""
        if self.result is not None:
            self.result.unsaved = str(exc)
        self._unsaved = str(exc)

    async def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except _STORE_ERRORS as exc:
            self._store_failed(exc)
            return None

    async def _save(self, v: _Variant) -> None:
        if self.store is not None and self._stored and self.result is not None:
            await self._write(self.store.comparisons.save_run, self.result.id, v.run)

    async def _state(self, v: _Variant, state: str) -> None:
        v.run.state = state
        v.run.started_at = v.run.started_at or now_iso()
        self._emit(run_event(state, v.run))
        await self._save(v)

    async def _fail(self, v: _Variant, exc: BaseException) -> None:
        v.run.state, v.run.error, v.run.finished_at = "failed", str(exc), now_iso()
        self._emit(run_event("failed", v.run, error=str(exc)))
        await self._save(v)

    @property
    def _prompts(self) -> list[str]:
        return [t.prompt for t in self.tasks] if self.tasks else [self.spec.prompt or ""]

    # -- the whole comparison ---------------------------------------------------------------
    async def run(self) -> ComparisonResult:
        try:
            await self._prepare()
            assert self.result is not None
            self._emit(CompareEvent("started", result=self.result))
            if self.spec.together:
                await self._run_together()
            else:
                await self._run_sequential()
            self._score_all()
        except asyncio.CancelledError:
            self._abandon("cancelled", "")
            raise
        except BaseException as exc:
            if self.result is not None and not isinstance(exc, QuantDeskError):
                self._abandon("failed", f"unexpected error: {exc!r}")
            raise
        return await self._finish()

    def _abandon(self, state: str, error: str) -> None:
        """Stores what is known now; synchronous on purpose, a cancelled task must not wait."""
        for v in self.variants:
            if not v.run.finished:
                v.run.state, v.run.error, v.run.finished_at = state, error, now_iso()
                self._emit(run_event(state, v.run, error=error))
        if self.store is not None and self.result is not None:
            try:
                self._persist()
            except _STORE_ERRORS as exc:
                self._store_failed(exc)

    def _persist(self) -> None:
        """Write the whole result: rewritten when stored, written afresh when the first
        write had failed (space may have been freed since)."""
        assert self.store is not None and self.result is not None
        if self._stored:
            self.store.comparisons.update(self.result)
        else:
            self.store.comparisons.begin(self.result)
            self._stored = True
        self.result.unsaved = ""

    async def _finish(self) -> ComparisonResult:
        assert self.result is not None
        self.result.complete = all(v.run.state == "done" for v in self.variants)
        if self.store is not None:
            await self._write(self._persist)
            if self.result.unsaved and self._stored:
                await self._write(self._mark_unsaved)
        self._emit(CompareEvent("finished", result=self.result))
        return self.result

    def _mark_unsaved(self) -> None:
        """The rows written at the start must not read "waiting" for ever: marking them
        changes a few bytes in place, which a full disk still allows."""
        assert self.store is not None and self.result is not None
        self.store.comparisons.mark_abandoned(
            self.result.id, f"the result could not be saved: {self.result.unsaved}")

    # -- preparation ------------------------------------------------------------------------
    async def _prepare(self) -> None:
        self._version = await self.client.version()
        self._logprobs = supports_logprobs(self._version)
        installed = await self.client.tags()
        missing = [v for v in self.variants if _find(installed, v.run.model) is None]
        if missing and not self.pull_missing:
            raise planning.VariantsNotInstalled([v.run.model for v in missing])
        for v in missing:
            await self._pull(v)
        if missing:
            installed = await self.client.tags()
        for v in self.variants:
            v.local = _find(installed, v.run.model)
            if v.local is not None:
                v.run.digest = v.local.digest
                level = planning.quant_of(v.run.model, v.local.details.quantization_level)
            else:
                level = planning.quant_of(v.run.model)
            v.run.quant = level.name if level else ""
            v.run.bpw = level.file_bpw if level else None
        levels = {v.run.model: planning.quant_of(v.run.model, v.run.quant)
                  for v in self.variants}
        reference = planning.choose_reference(self.spec.models, levels, self.spec.reference)
        await self._predict()
        if self.spec.together:
            verdict = planning.can_run_together([v.shape for v in self.variants], self.machine,
                                                self.spec.options.num_ctx, self._version)
            if not verdict.ok:
                raise planning.TogetherRefused(verdict.reason)
        digests = {v.run.model: v.run.digest for v in self.variants}
        fingerprint = build_fingerprint(self.machine, self._version, self.spec.options,
                                        digests, self.client.host.url)
        self.result = ComparisonResult(new_comparison_id(), now_iso(), self.spec, reference,
                                       fingerprint, [v.run for v in self.variants])
        if self.store is not None:
            await self._write(self._persist)

    async def _pull(self, v: _Variant) -> None:
        v.run.state = "pulling"
        self._emit(run_event("pulling", v.run))
        pull_id = (await self._write(self.store.loads.pull_started, v.run.model)
                   if self.store is not None else None)
        done_bytes, outcome = 0, "failed"

        def on_progress(p: PullProgress) -> None:
            nonlocal done_bytes
            done_bytes = p.completed
            self._emit(run_event("pulling", v.run, progress=p))

        if self._puller is None:
            self._puller = queue_puller(self.client)
        try:
            await self._puller(v.run.model, on_progress)
            outcome = "success"
            v.run.state = "waiting"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except QuantDeskError as exc:
            v.run.state, v.run.error, v.run.finished_at = "failed", str(exc), now_iso()
            self._emit(run_event("failed", v.run, error=str(exc)))
        finally:
            if self.store is not None and pull_id is not None:
                # Synchronous: this also runs while cancelling.
                with contextlib.suppress(*_STORE_ERRORS):
                    self.store.loads.pull_finished(pull_id, bytes_done=done_bytes,
                                                   outcome=outcome)

    async def _predict(self) -> None:
        for v in self.variants:
            if v.local is None:
                continue
            try:
                show: ShowResponse = await self.client.show_shape(v.run.model)
            except QuantDeskError:
                continue  # the run itself will report what is wrong with this variant
            v.shape = planning.shape_or_none(v.run.model, show)
            if v.shape is not None and self.machine is not None:
                with contextlib.suppress(QuantDeskError, ValueError, KeyError, ZeroDivisionError):
                    v.fit = planning.predict(v.shape, self.machine, self.spec.options.num_ctx,
                                             self._version)
                    v.run.predicted_bytes = v.fit.ps_size

    # -- running ----------------------------------------------------------------------------
    def _order(self) -> list[_Variant]:
        assert self.result is not None
        ref = [v for v in self.variants if v.run.model == self.result.reference]
        return ref + [v for v in self.variants if v.run.model != self.result.reference]

    async def _run_sequential(self) -> None:
        for v in self._order():
            _honour_cancel()
            if v.run.finished:
                continue
            try:
                await self._cold_start(v)
                await self._generate(v, cold=True)
                self._score(v)
                await self._done(v)
            except DaemonUnreachable as exc:
                await self._fail_remaining(exc)
                return
            except QuantDeskError as exc:
                await self._fail(v, exc)
            await self._unload(v)

    async def _run_together(self) -> None:
        for v in self._order():
            try:
                await self._preload(v)
            except DaemonUnreachable as exc:
                await self._fail_remaining(exc)
                return
            except QuantDeskError as exc:
                await self._fail(v, exc)
        await asyncio.gather(*(self._generate_and_finish(v) for v in self.variants if v.loaded))
        for v in self.variants:
            await self._unload(v)

    async def _generate_and_finish(self, v: _Variant) -> None:
        try:
            await self._generate(v, cold=False)
            await self._done(v)
        except QuantDeskError as exc:
            await self._fail(v, exc)

    async def _fail_remaining(self, exc: BaseException) -> None:
        for v in self.variants:
            if not v.run.finished:
                await self._fail(v, exc)

    async def _done(self, v: _Variant) -> None:
        v.run.state, v.run.finished_at = "done", now_iso()
        self._emit(run_event("done", v.run))
        await self._save(v)

    async def _unload(self, v: _Variant) -> None:
        if v.loaded:
            with contextlib.suppress(QuantDeskError):  # an unload failing must not fail a run
                await self.client.unload(v.run.model)
            v.loaded = False

    async def _cold_start(self, v: _Variant) -> None:
        """Make sure the variant is not loaded, so the first request loads it and the daemon's
        ``load_duration`` of that request is the real load time."""
        await self._state(v, "loading")
        await self.client.unload(v.run.model)

    async def _preload(self, v: _Variant) -> None:
        """Together mode: load now, generate later. The daemon reports no durations for a
        load-only request, so ``load_s`` is its wall-clock time here."""
        await self._state(v, "loading")
        await self.client.unload(v.run.model)
        started = time.perf_counter()
        chunk = await self.client.load(v.run.model,
                                       options={"num_ctx": self.spec.options.num_ctx})
        v.loaded = True
        reported = chunk.metrics.load_s if chunk.metrics else 0.0
        v.run.load_s = reported or time.perf_counter() - started
        await self._observe(v)

    async def _observe(self, v: _Variant) -> None:
        """Ollama's own size while loaded (/api/ps), kept next to our prediction. A side
        measurement: when /api/ps fails, the run goes on without the size."""
        try:
            running = _find(await self.client.ps(), v.run.model)
        except QuantDeskError:
            return
        if running is None:
            return
        v.run.size, v.run.size_vram = running.size, running.size_vram
        if self.store is not None:
            await self._write(self._record_load, v, running)

    def _record_load(self, v: _Variant, running: RunningModel) -> None:
        from quantdesk.core.store.load_pairs import record_observed_load

        assert self.store is not None
        record_observed_load(self.store.loads, running, v.shape, self.machine, self._version,
                             known=v.fit, model=v.run.model, digest=v.run.digest)

    async def _generate(self, v: _Variant, *, cold: bool) -> None:
        """Every prompt in turn. ``cold``: the first request loads the model, so the run stays
        ``loading`` until its first chunk and that request's load_duration is ``load_s``."""
        if not cold:
            await self._state(v, "running")
        opts = self.spec.options
        metrics: list[Metrics] = []
        v.transcripts = []
        prompts = self._prompts
        for i, prompt in enumerate(prompts):
            if self.tasks:  # where one task's answer ends and the next begins, in the stream
                self._emit(CompareEvent("task", v.run.model, v.run.position,
                                        text=f"{i + 1}/{len(prompts)} {self.tasks[i].id}"))
            parts: list[str] = []
            steps: list[Logprob] = []
            stream = self.client.generate(
                v.run.model, prompt, options=opts.daemon_options(), logprobs=self._logprobs,
                top_logprobs=opts.top_logprobs if self._logprobs else None)
            async with contextlib.aclosing(stream):
                async for chunk in stream:
                    _honour_cancel()
                    v.loaded = True
                    if v.run.state == "loading":
                        await self._state(v, "running")
                    if chunk.text:
                        parts.append(chunk.text)
                        self._emit(run_event("token", v.run, text=chunk.text))
                    steps.extend(chunk.logprobs)
                    if chunk.metrics is not None:
                        metrics.append(chunk.metrics)
            v.transcripts.append(Transcript("".join(parts), tuple(steps)))
            if cold and i == 0:
                v.run.load_s = metrics[0].load_s if metrics else None
                await self._observe(v)
        s = speed(metrics, cold_first=cold)
        v.run.ttft_s, v.run.prompt_tps, v.run.eval_tps = s.ttft_s, s.prompt_tps, s.eval_tps
        v.run.prompt_tokens, v.run.eval_tokens = s.prompt_tokens, s.eval_tokens
        if self.tasks:
            v.run.tasks = [TaskOutcome(t.id, tr.text, t.grade(tr.text))
                           for t, tr in zip(self.tasks, v.transcripts, strict=True)]
            for key, value in accuracy_fields(accuracy([o.correct for o in v.run.tasks])).items():
                setattr(v.run, key, value)
            v.run.response = "\n".join(o.response for o in v.run.tasks)
        else:
            v.run.response = v.transcripts[0].text

    # -- scoring ----------------------------------------------------------------------------
    def _reference(self) -> _Variant | None:
        assert self.result is not None
        ref = next(v for v in self.variants if v.run.model == self.result.reference)
        return ref if ref.transcripts and ref.run.state in ("running", "done") else None

    def _score(self, v: _Variant) -> None:
        ref = self._reference()
        if ref is None or not v.transcripts:
            return
        a = score(ref.transcripts, v.transcripts)
        v.run.first_divergence, v.run.agreement = a.first_divergence, a.agreement
        v.run.approx_kl, v.run.similarity, v.run.agreement_basis = (
            a.approx_kl, a.similarity, a.basis)

    def _score_all(self) -> None:
        for v in self.variants:
            if v.run.state == "done" and not v.run.agreement_basis:
                self._score(v)


async def run_comparison(client: OllamaClient, spec: ComparisonSpec, *,
                         store: HistoryStore | None = None, machine: Machine | None = None,
                         on_event: EventSink | None = None,
                         pull_missing: bool = False,
                         puller: Puller | None = None) -> ComparisonResult:
    """Run ``spec`` and return its result (also stored when ``store`` is given)."""
    runner = ComparisonRunner(client, spec, store=store, machine=machine, on_event=on_event,
                              pull_missing=pull_missing, puller=puller)
    return await runner.run()
