"""One source of truth for what is loaded: the last ``/api/ps`` answer plus the operations in
flight, from which every status line of the app is derived (``loaded_lines``).

Nothing here remembers a sentence. A line such as "Loading qwen2.5:7b…" exists only while its
operation does, and "qwen2.5:7b is loaded" only while ``/api/ps`` lists the model, so no line
can outlive the state it describes:

- an operation ends when its work reports back (``finish`` / ``fail``) **or** when a snapshot
  asked for after it started proves it done (a load sees its model in ``/api/ps`` — the daemon
  answers ``/api/ps`` only once a loading runner is ready; an unload sees it gone);
- a finished operation stays "settling" until the first snapshot asked for after it finished,
  so the line never falls back to an older snapshot that predates the work;
- a failure stays until it is dismissed, the next operation on that model starts, or a later
  snapshot contradicts it (the model that would not load is loaded after all);
- a snapshot that answers late (asked before the one already held) is ignored.

Times are the caller's monotonic clock in seconds (``asked_at``: when the ``/api/ps`` request
was sent). Every method returns a new ``LoadedState``; the value is safe to hand across threads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from quantdesk.core.ollama import RunningModel
from quantdesk.core.ollama.errors import InvalidModelName
from quantdesk.core.ollama.names import display_name

OperationKind = Literal["load", "unload", "switch", "compare", "pull", "chat"]


def model_key(name: str) -> str:
    """Names that point at the same model share a key (``llama3.2`` = ``llama3.2:latest``)."""
    try:
        return display_name(name).lower()
    except InvalidModelName:
        return name.strip().lower()


@dataclass(frozen=True, slots=True)
class Operation:
    id: str
    kind: OperationKind
    model: str  # the model it concerns now; a comparison moves it from variant to variant
    started_at: float
    num_ctx: int = 0  # load/switch: the context asked for (0: the daemon's default)
    detail: str = ""  # shown after the words: "2 of 4", "45 %"
    finished_at: float | None = None  # done, waiting for a snapshot that shows the result

    @property
    def key(self) -> str:
        return model_key(self.model) if self.model else ""


@dataclass(frozen=True, slots=True)
class Failure:
    model: str
    kind: OperationKind
    message: str
    at: float


@dataclass(frozen=True, slots=True)
class LoadedState:
    models: tuple[RunningModel, ...] = ()
    polled_at: float | None = None  # when the snapshot held was asked for; None: never
    reachable: bool = True
    operations: tuple[Operation, ...] = ()
    failures: tuple[Failure, ...] = ()
    gpu_total_bytes: int = 0  # usable GPU memory of the machine (0: no GPU)

    # -- reading ----------------------------------------------------------------------------

    def running(self, name: str) -> RunningModel | None:
        key = model_key(name)
        return next((m for m in self.models if model_key(m.name) == key), None)

    def operation_on(self, name: str) -> Operation | None:
        """The newest operation concerning ``name``."""
        key = model_key(name)
        return next((op for op in reversed(self.operations) if op.key == key), None)

    def failure_of(self, name: str) -> Failure | None:
        key = model_key(name)
        return next((f for f in reversed(self.failures) if model_key(f.model) == key), None)

    @property
    def busy(self) -> bool:
        return bool(self.operations)

    @property
    def vram_used_bytes(self) -> int:
        return sum(m.size_vram for m in self.models)

    # -- snapshots --------------------------------------------------------------------------

    def with_gpu_total(self, total_bytes: int) -> LoadedState:
        return replace(self, gpu_total_bytes=max(0, int(total_bytes)))

    def with_snapshot(self, models: Iterable[RunningModel], asked_at: float) -> LoadedState:
        """A ``/api/ps`` answer to a request sent at ``asked_at``."""
        if self.polled_at is not None and asked_at < self.polled_at:
            return self  # a slow answer overtaken by a newer one
        snap = tuple(models)
        keys = {model_key(m.name) for m in snap}
        kept = tuple(op for op in self.operations if not _settled_by(op, snap, keys, asked_at))
        failures = tuple(f for f in self.failures if not _contradicted(f, keys, asked_at))
        return replace(self, models=snap, polled_at=asked_at, reachable=True,
                       operations=kept, failures=failures)

    def with_unreachable(self, asked_at: float) -> LoadedState:
        """The daemon did not answer: what is loaded is unknown, so nothing claims it is."""
        if self.polled_at is not None and asked_at < self.polled_at:
            return self
        return replace(self, models=(), polled_at=asked_at, reachable=False)

    # -- operations -------------------------------------------------------------------------

    def start(self, op: Operation) -> LoadedState:
        """Begin ``op`` (its id replaces an operation with the same id); a failure left on the
        same model is cleared: the user is trying again."""
        ops = (*(o for o in self.operations if o.id != op.id), op)
        failures = self.failures
        if op.model:
            failures = tuple(f for f in failures if model_key(f.model) != op.key)
        if op.kind == "compare":
            failures = tuple(f for f in failures if f.kind != "compare")
        return replace(self, operations=ops, failures=failures)

    def update(self, op_id: str, *, model: str | None = None,
               detail: str | None = None) -> LoadedState:
        ops = tuple(
            replace(o, model=o.model if model is None else model,
                    detail=o.detail if detail is None else detail) if o.id == op_id else o
            for o in self.operations)
        return replace(self, operations=ops)

    def finish(self, op_id: str, at: float) -> LoadedState:
        """The work reported success; its line lasts until a snapshot asked after ``at``."""
        ops = tuple(replace(o, finished_at=at) if o.id == op_id and o.finished_at is None
                    else o for o in self.operations)
        return replace(self, operations=ops)

    def fail(self, op_id: str, message: str, at: float) -> LoadedState:
        op = next((o for o in self.operations if o.id == op_id), None)
        if op is None:
            return self
        ops = tuple(o for o in self.operations if o.id != op_id)
        failure = Failure(op.model, op.kind, message, at)
        return replace(self, operations=ops, failures=(*self.failures, failure))

    def cancel(self, op_id: str) -> LoadedState:
        """The user stopped it: no failure, and the next snapshot says what is left."""
        return replace(self, operations=tuple(o for o in self.operations if o.id != op_id))

    def dismiss(self, model: str | None = None) -> LoadedState:
        """Forget the failures of ``model`` (all of them when None)."""
        if model is None:
            return replace(self, failures=())
        key = model_key(model)
        return replace(self, failures=tuple(f for f in self.failures
                                            if model_key(f.model) != key))


def _settled_by(op: Operation, snap: tuple[RunningModel, ...], keys: set[str],
                asked_at: float) -> bool:
    if op.finished_at is not None and asked_at >= op.finished_at:
        return True
    if asked_at < op.started_at:
        return False  # the snapshot predates the work: it proves nothing about it
    if op.kind in ("load", "switch"):
        running = next((m for m in snap if model_key(m.name) == op.key), None)
        if running is None:
            return False
        # A reload at another context: the old runner is still listed until it is replaced.
        return not (op.num_ctx and running.context_length
                    and running.context_length != op.num_ctx)
    if op.kind == "unload":
        return op.key not in keys
    return False  # comparisons, pulls and chats end only when their work says so


def _contradicted(f: Failure, keys: set[str], asked_at: float) -> bool:
    if asked_at < f.at:
        return False
    if f.kind in ("load", "switch"):
        return model_key(f.model) in keys
    if f.kind == "unload":
        return model_key(f.model) not in keys
    return False
