"""Before anything runs: which variant is the reference, what each is predicted to need, and
whether they may all be loaded at once.

"Run together" is allowed only when the fit estimate places every variant fully on the GPU
*after the ones before it*: each variant is fitted on a machine whose GPUs have lost the
bytes the previous variants were placed in. Anything less would oversubscribe VRAM and make
the speeds meaningless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from quantdesk.core.architecture import Architecture, ArchitectureError
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import FitOptions, FitResult, estimate_fit
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import ShowResponse
from quantdesk.core.quant import QuantLevel, looks_like_quant, parse_quant
from quantdesk.core.units import gb

MIN_VARIANTS, MAX_VARIANTS = 2, 6


class CompareSetupError(QuantDeskError):
    """The comparison cannot start as asked (bad variant list, reference, together …)."""


class VariantsNotInstalled(CompareSetupError):
    def __init__(self, models: Sequence[str]) -> None:
        names = ", ".join(models)
        super().__init__(
            f"Not installed: {names}. Pull them first (quantdesk pull {models[0]}) or let the "
            "comparison pull them (--pull).")
        self.models = tuple(models)


class TogetherRefused(CompareSetupError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Cannot run these variants together: {reason}. Run them one after "
                         "another (without --together).")
        self.reason = reason


def quant_of(model: str, quantization_level: str = "") -> QuantLevel | None:
    """The daemon's ``quantization_level`` when known, else the quant named in the tag."""
    if quantization_level and (level := parse_quant(quantization_level)):
        return level
    tag = model.rsplit("/", 1)[-1].partition(":")[2]
    for part in reversed(tag.split("-")):
        if looks_like_quant(part) and (level := parse_quant(part)):
            return level
    return None


def choose_reference(models: Sequence[str], levels: dict[str, QuantLevel | None],
                     requested: str | None = None) -> str:
    """The requested reference, else the highest-precision variant (first on a tie; a variant
    whose quantization is unknown ranks last)."""
    if requested:
        for m in models:
            if m.lower() == requested.lower():
                return m
        raise CompareSetupError(
            f"The reference '{requested}' is not one of the compared variants "
            f"({', '.join(models)}).")
    return max(models, key=lambda m: (lv.rank if (lv := levels.get(m)) else -1.0,
                                      -models.index(m)))


def check_models(models: Sequence[str]) -> None:
    if not MIN_VARIANTS <= len(models) <= MAX_VARIANTS:
        raise CompareSetupError(
            f"A comparison takes {MIN_VARIANTS} to {MAX_VARIANTS} variants, not {len(models)}.")
    lowered = [m.lower() for m in models]
    dupes = sorted({m for m in lowered if lowered.count(m) > 1})
    if dupes:
        raise CompareSetupError(f"Each variant can be compared once; repeated: {', '.join(dupes)}.")


@dataclass(frozen=True, slots=True)
class VariantShape:
    """What the fit estimate needs about one installed variant."""

    model: str
    arch: Architecture
    tensors: tuple[tuple[str, str, tuple[int, ...]], ...]
    quant: str

    @classmethod
    def from_show(cls, model: str, show: ShowResponse) -> VariantShape:
        return cls(model, Architecture.from_model_info(dict(show.model_info),
                                                       tensors=show.tensors),
                   tuple((t.name, t.type, tuple(t.shape)) for t in show.tensors),
                   show.details.quantization_level)


def predict(shape: VariantShape, machine: Machine, num_ctx: int,
            version: str | None) -> FitResult:
    opts = FitOptions(num_ctx=num_ctx, ollama_version=version or None)
    return estimate_fit(shape.arch, machine, opts, tensors=shape.tensors or None,
                        quant=shape.quant or None, model=shape.model)


def shape_or_none(model: str, show: ShowResponse) -> VariantShape | None:
    try:
        return VariantShape.from_show(model, show)
    except (ArchitectureError, KeyError, ValueError, TypeError):
        return None  # an unknown architecture: no prediction, the comparison still runs


@dataclass(frozen=True, slots=True)
class TogetherVerdict:
    ok: bool
    reason: str
    fits: tuple[FitResult, ...] = ()


def can_run_together(variants: Sequence[VariantShape | None], machine: Machine | None,
                     num_ctx: int, version: str | None = None) -> TogetherVerdict:
    """Whether every variant fits fully on the GPU with all the others loaded."""
    if machine is None:
        return TogetherVerdict(False, "the machine's memory is unknown")
    if not machine.usable_gpus:
        return TogetherVerdict(False, "there is no usable GPU")
    if any(v is None for v in variants):
        return TogetherVerdict(False, "the memory of some variants cannot be estimated")
    left = machine
    fits = []
    for shape in variants:
        assert shape is not None
        fit = predict(shape, left, num_ctx, version)
        fits.append(fit)
        if fit.verdict != "gpu":
            need = sum(f.ps_size for f in fits)
            vram = sum(g.free_bytes for g in machine.usable_gpus)
            return TogetherVerdict(
                False, f"together they need about {gb(need)} but the GPUs have "
                f"{gb(vram)} free ({shape.model} would not stay on the GPU)",
                tuple(fits))
        used = {s.index: s.bytes for s in fit.placement.per_gpu}
        left = replace(left, gpus=tuple(
            replace(g, free_bytes=max(0, g.free_bytes - used.get(g.index, 0)))
            for g in left.gpus))
    total = sum(f.ps_size for f in fits)
    return TogetherVerdict(True, f"all fit on the GPU at once (about {gb(total)})",
                           tuple(fits))
