"""Fit verdicts as the Library and Variants pages show them, computed on the GUI thread.

``core.fit.estimate_fit`` is pure and fast (no I/O), so a slider move recomputes a whole ladder
synchronously; what is slow to derive (an Architecture from model_info, per-layer weights from
a tensor list) is cached per digest by the :class:`FitCalculator` the Library owns (the
Variants page's ladder goes through ``core.advice``). Tooltips are the core's explanation
(``core.fit.explain``), in decimal GB/MB as ``ollama ps`` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import (
    Architecture,
    FitOptions,
    FitResult,
    LayerWeights,
    estimate_fit,
    from_tensors,
)
from quantdesk.core.fit.explain import explain
from quantdesk.core.fit.flash import FLASH_SETTINGS, as_option
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import LocalModel, ShowResponse
from quantdesk.ui.widgets.fit_badge import FitView, context_words, verdict_words

if TYPE_CHECKING:
    from quantdesk.core.advice import Evaluator


@dataclass(frozen=True, slots=True)
class FitInputs:
    machine: Machine
    num_ctx: int
    kv_cache_type: str = "f16"
    version: str = ""  # the daemon's version; "" applies the newest rules
    flash_attention: str = "auto"  # the settings' flash_attention: auto, on or off

    def options(self) -> FitOptions:
        kv = self.kv_cache_type if self.kv_cache_type in ("f16", "q8_0", "q4_0") else "f16"
        flash = self.flash_attention if self.flash_attention in FLASH_SETTINGS else "auto"
        return FitOptions(num_ctx=self.num_ctx, kv_cache_type=kv,  # type: ignore[arg-type]
                          flash_attention=as_option(flash),  # type: ignore[arg-type]
                          ollama_version=self.version or None)


def tooltip(result: FitResult, kv_requested: str) -> str:
    p = result.placement
    head = verdict_words(result.verdict, p.gpu_layers, p.total_layers)
    kv_note = result.kv_cache_type
    if result.kv_cache_type != kv_requested:
        kv_note += f" ({kv_requested} needs flash attention)"
    lines = [f"{head} at {context_words(result.num_ctx)} context, {kv_note} KV cache",
             *explain(result)]
    if result.flash_note:
        lines.append(result.flash_note)
    return "\n".join(lines)


def fit_view(result: FitResult, kv_requested: str = "f16") -> FitView:
    p = result.placement
    return FitView(
        verdict=result.verdict,
        short=verdict_words(result.verdict, p.gpu_layers, p.total_layers),
        tooltip=tooltip(result, kv_requested),
        gpu_layers=p.gpu_layers,
        total_layers=p.total_layers,
        need_bytes=result.estimate.total_bytes,
        gpu_bytes=result.ps_size_vram,
        max_gpu_ctx=result.max_gpu_ctx,
    )


def unknown_view(reason: str) -> FitView:
    return FitView(verdict="unknown", short="Unknown", tooltip=f"No estimate: {reason}")


class FitCalculator:
    """Caches the slow parts of an estimate; everything else is recomputed on each call."""

    def __init__(self) -> None:
        self._shapes: Evaluator | None = None  # one Architecture per digest, or why not
        self._weights: dict[str, LayerWeights] = {}  # digest -> exact per-layer bytes

    def architecture(self, key: str, model_info: dict[str, Any]) -> Architecture | str:
        if self._shapes is None:
            # The advice package (ladders, plans, the history) is not needed before the
            # Library lists its models; the first model's details bring it in.
            from quantdesk.core.advice import Evaluator

            self._shapes = Evaluator()
        return self._shapes.architecture(key, model_info)

    def local(self, model: LocalModel, show: ShowResponse, inputs: FitInputs) -> FitView:
        """An installed model, from its own /api/show (tensors give exact layer sizes)."""
        arch = self.architecture(model.digest, show.model_info)
        if isinstance(arch, str):
            return unknown_view(arch)
        weights = self._weights.get(model.digest)
        if weights is None and show.tensors:
            try:
                weights = from_tensors([(t.name, t.type, t.shape) for t in show.tensors],
                                       arch.block_count)
            except (QuantDeskError, ValueError):
                weights = None  # an unknown tensor type: fall back to the file size
            if weights is not None:
                self._weights[model.digest] = weights
        return self._estimate(arch, inputs, model.name, weights=weights,
                              weight_bytes=None if weights else model.size,
                              quant=show.quant or show.details.quantization_level or None)

    @staticmethod
    def _estimate(arch: Architecture, inputs: FitInputs, name: str, **kw: Any) -> FitView:
        try:
            result = estimate_fit(arch, inputs.machine, inputs.options(), model=name, **kw)
        except (QuantDeskError, ValueError, ZeroDivisionError) as exc:
            return unknown_view(str(exc))
        return fit_view(result, inputs.kv_cache_type)
