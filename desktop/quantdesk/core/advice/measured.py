"""What Compare measured for a model here: agreement and KL against the reference variant, and
generation speed, from the history file. These replace the published reference figures and
the bandwidth estimate, marked as measured.

Speed depends on the machine, so a measured rate counts only for the machine it was measured
on (the comparison's fingerprint keeps its ``machine_key``). Quality does not: the agreement of
two builds of one model is a property of the builds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from quantdesk.core.advice.quality import Quality
from quantdesk.core.advice.speed import Speed
from quantdesk.core.registry.variants import normalize_name
from quantdesk.core.store import HistoryStore
from quantdesk.core.store.database import default_path

_SQL = (
    "SELECT r.model, r.agreement, r.approx_kl, r.eval_tps, r.agreement_basis, c.reference,"
    " c.created_at, c.fingerprint FROM runs r JOIN comparisons c ON c.id = r.comparison_id"
    " WHERE r.state = 'done' ORDER BY c.created_at DESC, c.rowid DESC"
)


@dataclass(frozen=True, slots=True)
class MeasuredRun:
    model: str
    reference: str
    agreement: float | None  # share of the reference reproduced before the first divergence
    approx_kl: float | None  # nats per token over the shared top-k
    eval_tps: float | None
    basis: str  # "logprobs" | "text"
    at: str  # when the comparison ran (ISO 8601)
    machine_key: str


@dataclass(slots=True)
class Measured:
    """The newest finished run of each variant of one model, by normalised name."""

    runs: dict[str, MeasuredRun] = field(default_factory=dict)
    speeds: dict[tuple[str, str], MeasuredRun] = field(default_factory=dict)

    def quality(self, name: str) -> Quality | None:
        run = self.runs.get(normalize_name(name))
        if run is None:
            return None
        same = None if run.agreement is None else round(run.agreement * 100, 2)
        return Quality(
            mean_kld=run.approx_kl if run.basis == "logprobs" else None,
            same_top_p_percent=same, delta_ppl=None,
            measured_on=f"this model, here (Compare {run.at[:10]}, against {run.reference})",
            source="measured here: Compare history", kind="measured")

    def speed(self, name: str, machine_key: str) -> Speed | None:
        run = self.speeds.get((normalize_name(name), machine_key))
        if run is None or not run.eval_tps:
            return None
        return Speed(run.eval_tps, "measured", f"Compare on this machine, {run.at[:10]}")


def read_measured(repository: str, path: Path | None = None) -> Measured:
    """Compare's figures for the variants of ``repository`` ("llama3.1", "hf.co/o/r");
    nothing when there is no history file yet (reading never creates one). Blocking."""
    file = Path(path) if path is not None else default_path()
    out = Measured()
    if not file.exists():
        return out
    prefix = normalize_name(repository).rsplit(":", 1)[0] + ":"
    with HistoryStore(file) as store:
        rows = store.db.query(_SQL)
    for row in rows:
        name = normalize_name(row["model"])
        if not name.startswith(prefix):
            continue
        try:
            key = str(json.loads(row["fingerprint"] or "{}").get("machine_key") or "")
        except ValueError:
            key = ""
        run = MeasuredRun(name, row["reference"], row["agreement"], row["approx_kl"],
                          row["eval_tps"], row["agreement_basis"] or "", row["created_at"], key)
        if name != normalize_name(row["reference"]) and run.agreement is not None:
            out.runs.setdefault(name, run)
        out.speeds.setdefault((name, key), run)
    return out
