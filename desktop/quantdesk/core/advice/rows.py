"""One row per variant: its fit on the daemon's machine, its quality and its expected speed.

Pure and fast (no I/O): the app recomputes a whole ladder on the GUI thread as its context
slider moves. What is slow to derive (an Architecture from model_info) is cached per shape by
the :class:`Evaluator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quantdesk.core.advice.ladder import Ladder
from quantdesk.core.advice.measured import Measured
from quantdesk.core.advice.quality import Quality, reference_quality
from quantdesk.core.advice.settings import PlanSettings
from quantdesk.core.advice.speed import Speed, estimate_speed
from quantdesk.core.compare.fingerprint import machine_key
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Architecture, Calibration, FitResult, estimate_fit
from quantdesk.core.machine import Machine
from quantdesk.core.registry import Variant
from quantdesk.core.registry.tags import size_token

# The JSON rows have never carried these two of Variant.to_json's keys.
_NOT_IN_ROW_JSON = ("confirmed", "architecture")


@dataclass(frozen=True, slots=True)
class LadderRow:
    variant: Variant
    size: str  # the size token ("7b"); "" when the tag names none
    shape_key: str
    fit: FitResult | None
    fit_error: str = ""
    quality: Quality | None = None
    speed: Speed | None = None
    calibrated_bytes: int | None = None  # the total with this machine's learnt correction
    parameters: int = 0  # from the shape, to order sizes

    @property
    def name(self) -> str:
        return self.variant.name

    def to_json(self) -> dict[str, Any]:
        f = self.fit
        variant = {k: v for k, v in self.variant.to_json().items() if k not in _NOT_IN_ROW_JSON}
        return {
            **variant,
            "size": self.size or None,
            "fit": None if f is None else {
                "verdict": f.verdict,
                "total_bytes": f.estimate.total_bytes,
                "gpu_layers": f.placement.gpu_layers,
                "total_layers": f.placement.total_layers,
                "max_gpu_ctx": f.max_gpu_ctx,
                "num_ctx": f.num_ctx,
                "kv_cache_type": f.kv_cache_type,
                "reason": f.reason,
                "calibrated_total_bytes": self.calibrated_bytes,
            },
            "fit_error": self.fit_error or None,
            "quality": None if self.quality is None else self.quality.to_json(),
            "speed": None if self.speed is None else self.speed.to_json(),
        }


class Evaluator:
    """Fits, quality and speed for ladder rows; caches one Architecture per shape."""

    def __init__(self) -> None:
        self._arch: dict[str, Architecture | str] = {}

    def architecture(self, key: str, model_info: Mapping[str, Any]) -> Architecture | str:
        if key not in self._arch:
            try:
                self._arch[key] = Architecture.from_model_info(model_info)
            except (QuantDeskError, ValueError, TypeError) as exc:
                self._arch[key] = str(exc)
        return self._arch[key]

    def fit(self, variant: Variant, key: str, model_info: Mapping[str, Any], machine: Machine,
            settings: PlanSettings) -> FitResult | str:
        """The fit of ``variant`` (its group's shape scaled to its own bytes), or why not."""
        arch = self.architecture(key, model_info)
        if isinstance(arch, str):
            return arch
        try:
            return estimate_fit(arch, machine, settings.options(), model=variant.name,
                                weight_bytes=variant.model_bytes or variant.size_bytes,
                                quant=variant.quant)
        except (QuantDeskError, ValueError, ZeroDivisionError) as exc:
            return str(exc)

    def rows(self, ladder: Ladder, machine: Machine, settings: PlanSettings, *,
             measured: Measured | None = None,
             calibration: Calibration | None = None) -> list[LadderRow]:
        key_of_machine = machine_key(machine)
        out: list[LadderRow] = []
        for v in ladder.variants:
            size = size_token(v.tag) or ""
            shape = ladder.shapes.get(v.name)
            if shape is None:
                out.append(LadderRow(v, size, "", None, ladder.problems.get(v.name, "no shape"),
                                     reference_quality(v.quant, ladder.repository)))
                continue
            key, info = shape
            result = self.fit(v, key, info, machine, settings)
            quality = (measured.quality(v.name) if measured else None) or \
                reference_quality(v.quant, ladder.repository)
            params = int(info.get("general.parameter_count") or 0)
            if isinstance(result, str):
                out.append(LadderRow(v, size, key, None, result, quality, parameters=params))
                continue
            speed = (measured.speed(v.name, key_of_machine) if measured else None) or \
                estimate_speed(result, machine)
            cal = calibration.apply(result.estimate.total_bytes) \
                if calibration is not None and calibration.active else None
            out.append(LadderRow(v, size, key, result, "", quality, speed, cal, params))
        return out
