"""Re-run a stored comparison with the same spec, and say what changed.

Typical use: after an Ollama upgrade or a re-pull, run an old comparison again and see the
metric deltas next to the fingerprint changes (daemon version, digests, hardware) that may
explain them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quantdesk.core.compare.events import EventSink
from quantdesk.core.compare.fingerprint import fingerprint_changes
from quantdesk.core.compare.results import ComparisonResult
from quantdesk.core.compare.runner import run_comparison
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient

if TYPE_CHECKING:
    from quantdesk.core.store import HistoryStore

DIFF_METRICS: tuple[str, ...] = (
    "load_s", "ttft_s", "prompt_tps", "eval_tps", "size", "size_vram", "predicted_bytes",
    "first_divergence", "agreement", "approx_kl", "similarity", "accuracy",
)


@dataclass(frozen=True, slots=True)
class RunDiff:
    model: str
    deltas: dict[str, tuple[Any, Any]]  # metric -> (old, new), only those that changed
    state: tuple[str, str]
    response_changed: bool


@dataclass(frozen=True, slots=True)
class ComparisonDiff:
    old_id: str
    new_id: str
    setup_changes: list[str]  # fingerprint differences, in plain words
    runs: list[RunDiff]
    only_old: list[str]
    only_new: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.setup_changes or self.only_old or self.only_new or any(
            r.deltas or r.response_changed or r.state[0] != r.state[1] for r in self.runs))

    def lines(self) -> list[str]:
        out = [f"{self.old_id} -> {self.new_id}"]
        out += [f"  setup: {c}" for c in self.setup_changes]
        for r in self.runs:
            parts = [f"{k} {_fmt(a)} -> {_fmt(b)}" for k, (a, b) in r.deltas.items()]
            if r.state[0] != r.state[1]:
                parts.insert(0, f"state {r.state[0]} -> {r.state[1]}")
            if r.response_changed:
                parts.append("response changed")
            out.append(f"  {r.model}: " + ("; ".join(parts) if parts else "unchanged"))
        out += [f"  {m}: only in {self.old_id}" for m in self.only_old]
        out += [f"  {m}: only in {self.new_id}" for m in self.only_new]
        return out


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def diff_comparisons(old: ComparisonResult, new: ComparisonResult) -> ComparisonDiff:
    runs = []
    for a in old.runs:
        b = new.run(a.model)
        if b is None:
            continue
        deltas = {k: (getattr(a, k), getattr(b, k)) for k in DIFF_METRICS
                  if getattr(a, k) != getattr(b, k)}
        runs.append(RunDiff(a.model, deltas, (a.state, b.state), a.response != b.response))
    return ComparisonDiff(
        old.id, new.id, fingerprint_changes(old.fingerprint, new.fingerprint), runs,
        [m for m in old.models if new.run(m) is None],
        [m for m in new.models if old.run(m) is None])


async def rerun(client: OllamaClient, store: HistoryStore, comparison_id: str, *,
                machine: Machine | None = None, on_event: EventSink | None = None,
                ) -> tuple[ComparisonResult, ComparisonDiff]:
    """Run a stored comparison's spec again (stored as a new comparison) and diff the two."""
    old = await asyncio.to_thread(store.comparisons.get, comparison_id)
    new = await run_comparison(client, old.spec, store=store, machine=machine,
                               on_event=on_event)
    return new, diff_comparisons(old, new)
