"""What a comparison asks for and what it found: plain dataclasses with a stable JSON shape.

``ComparisonSpec`` is everything needed to run a comparison again (variants, prompt or task set,
fixed options). ``RunResult`` is one variant's outcome; ``ComparisonResult`` ties them together
with the fingerprint. ``to_dict``/``from_dict`` round-trip exactly; the history store and the
JSON export both use them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

RunState = Literal["waiting", "pulling", "loading", "running", "done", "failed", "cancelled"]
FINAL_STATES: frozenset[str] = frozenset({"done", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class CompareOptions:
    """Options every variant runs with; temperature 0 makes decoding greedy and repeatable."""

    seed: int = 0
    num_ctx: int = 4096
    num_predict: int = 128
    temperature: float = 0.0
    top_logprobs: int = 5  # size of the top-k the KL estimate can share

    def daemon_options(self) -> dict[str, Any]:
        return {"seed": self.seed, "num_ctx": self.num_ctx, "num_predict": self.num_predict,
                "temperature": self.temperature}


@dataclass(frozen=True, slots=True)
class ComparisonSpec:
    models: tuple[str, ...]
    prompt: str | None = None
    task_set: str | None = None  # "arith", "mixed", ...
    task_count: int = 0
    options: CompareOptions = field(default_factory=CompareOptions)
    reference: str | None = None  # None: the highest-precision variant
    together: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["models"] = list(self.models)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ComparisonSpec:
        return cls(
            models=tuple(d["models"]), prompt=d.get("prompt"), task_set=d.get("task_set"),
            task_count=int(d.get("task_count") or 0),
            options=CompareOptions(**_known(CompareOptions, d.get("options") or {})),
            reference=d.get("reference"), together=bool(d.get("together")),
        )


@dataclass(slots=True)
class TaskOutcome:
    task_id: str
    response: str
    correct: bool


@dataclass(slots=True)
class RunResult:
    model: str
    position: int  # order given by the user
    state: str = "waiting"
    error: str = ""
    digest: str = ""
    quant: str = ""  # details.quantization_level ("Q4_K_M"), or from the tag
    bpw: float | None = None
    load_s: float | None = None
    ttft_s: float | None = None
    prompt_tps: float | None = None
    eval_tps: float | None = None
    prompt_tokens: int | None = None
    eval_tokens: int | None = None
    size: int | None = None  # /api/ps while loaded
    size_vram: int | None = None
    predicted_bytes: int | None = None  # core/fit
    first_divergence: int | None = None  # token index; None: never left the reference
    agreement: float | None = None  # share of the reference reproduced before divergence
    approx_kl: float | None = None  # nats per token, over the shared top-k
    similarity: float | None = None  # text similarity ratio, 0..1
    agreement_basis: str = ""  # "logprobs", "text", or "" before scoring
    accuracy: float | None = None
    accuracy_low: float | None = None
    accuracy_high: float | None = None
    correct: int | None = None
    graded: int | None = None
    response: str = ""
    tasks: list[TaskOutcome] = field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunResult:
        values = _known(cls, d)
        values["tasks"] = [TaskOutcome(**_known(TaskOutcome, t)) for t in d.get("tasks") or ()]
        return cls(**values)


@dataclass(slots=True)
class ComparisonResult:
    id: str
    created_at: str  # ISO 8601, UTC
    spec: ComparisonSpec
    reference: str
    fingerprint: dict[str, Any]
    runs: list[RunResult]
    complete: bool = False
    note: str = ""
    # Why the history does not hold this result as it is ("" when it does); never stored.
    unsaved: str = field(default="", compare=False)

    @property
    def models(self) -> list[str]:
        return [r.model for r in self.runs]

    def run(self, model: str) -> RunResult | None:
        return next((r for r in self.runs if r.model == model), None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "spec": self.spec.to_dict(),
                "reference": self.reference, "fingerprint": self.fingerprint,
                "runs": [r.to_dict() for r in self.runs], "complete": self.complete,
                "note": self.note}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ComparisonResult:
        return cls(
            id=d["id"], created_at=d["created_at"], spec=ComparisonSpec.from_dict(d["spec"]),
            reference=d.get("reference") or "", fingerprint=dict(d.get("fingerprint") or {}),
            runs=[RunResult.from_dict(r) for r in d.get("runs") or ()],
            complete=bool(d.get("complete")), note=d.get("note") or "",
        )


def _known(cls: type, d: dict[str, Any]) -> dict[str, Any]:
    """Only the keys ``cls`` has: newer exports with extra fields still load."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def new_comparison_id(now: dt.datetime | None = None) -> str:
    """``cmp-20261129-1a2b3c``: the UTC day, then 24 random bits."""
    day = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d")
    return f"cmp-{day}-{secrets.token_hex(3)}"
