"""One function serving the app and the CLI: a model's ladder, judged on the daemon's machine.

``make_plan(ladder, view, settings)`` gives every row (fit, quality, speed), the recommendation
(pick, why, a pick per size, what to change) and the note on flash attention and the KV cache,
for the machine ``view`` describes. ``Plan.to_json()`` is the ``quantdesk variants --json``
document: ``{model, machine, settings, origin, snapshot, flash_attention, recommendation,
variants, notes}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quantdesk.core.advice.ladder import Ladder
from quantdesk.core.advice.measured import Measured
from quantdesk.core.advice.recommend import Recommendation, recommend
from quantdesk.core.advice.rows import Evaluator, LadderRow
from quantdesk.core.advice.settings import PlanSettings
from quantdesk.core.fit import Calibration, FitResult
from quantdesk.core.fit import flash as fa
from quantdesk.core.fit.rules import parse_version
from quantdesk.core.hosts.profile import MachineView
from quantdesk.core.machine import Machine


@dataclass(frozen=True, slots=True)
class Plan:
    model: str
    machine: MachineView
    settings: PlanSettings
    rows: tuple[LadderRow, ...]
    recommendation: Recommendation
    flash: fa.FlashState | None
    origin: str  # "from the registry", "from the snapshot of 2026-12-07", "from Hugging Face"
    snapshot: str  # the snapshot's date when the ladder comes from it, else ""
    notes: tuple[str, ...] = ()

    def row(self, name: str) -> LadderRow | None:
        return next((r for r in self.rows if r.name == name), None)

    def to_json(self) -> dict[str, Any]:
        pick = self.recommendation.pick
        return {
            "model": self.model,
            "machine": self.machine.to_json(),
            "settings": self.settings.to_json(),
            "origin": self.origin,
            "snapshot": self.snapshot or None,
            "flash_attention": None if self.flash is None else self.flash.to_json(),
            "recommendation": self.recommendation.to_json(),
            "variants": [{**r.to_json(), "best": pick is not None and r.name == pick.name}
                         for r in self.rows],
            "notes": list(self.notes),
        }


def make_plan(ladder: Ladder, view: MachineView, settings: PlanSettings, *,
              evaluator: Evaluator | None = None, measured: Measured | None = None,
              calibration: Calibration | None = None) -> Plan:
    ev = evaluator or Evaluator()
    machine = view.machine
    rows = ev.rows(ladder, machine, settings, measured=measured, calibration=calibration)
    shapes = ladder.shapes

    def refit(row: LadderRow, m: Machine, s: PlanSettings) -> FitResult | None:
        shape = shapes.get(row.name)
        if shape is None:
            return None
        result = ev.fit(row.variant, shape[0], shape[1], m, s)
        return None if isinstance(result, str) else result

    rec = recommend(rows, machine, settings, refit)
    return Plan(ladder.repository, view, settings, tuple(rows), rec,
                flash_state(ladder, ev, machine, settings, rec), ladder.origin,
                ladder.snapshot_taken, (*ladder.notes, *view.notes))


def flash_state(ladder: Ladder, ev: Evaluator, machine: Machine, settings: PlanSettings,
                rec: Recommendation | None = None) -> fa.FlashState | None:
    """Flash attention and the KV cache for the pick's shape (else the ladder's first)."""
    name = rec.pick.name if rec is not None and rec.pick is not None else None
    shape = ladder.shapes.get(name) if name else next(iter(ladder.shapes.values()), None)
    if shape is None:
        return None
    arch = ev.architecture(*shape)
    if isinstance(arch, str):
        return None
    return fa.resolve(settings.flash_attention, settings.kv_cache_type,
                      parse_version(settings.ollama_version), arch, machine.usable_gpus, shape[1])
