"""Which variant of a ladder to recommend: one rule for the app and the command line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quantdesk.core.registry.variants import Variant


@dataclass(frozen=True, slots=True)
class Placement:
    """The part of a fit verdict the choice needs."""

    verdict: str  # "gpu" | "partial" | "cpu" | "no"
    gpu_layers: int = 0


def is_base_model(variant: Variant) -> bool:
    """A pre-trained ("text") build rather than the chat-tuned one most people want."""
    return "text" in variant.tag.lower().split("-")


def pick_best(variants: Sequence[Variant], fits: Sequence[Placement | None]) -> int | None:
    """Index of the most precise pullable variant fully on the GPU, else of the one with the
    most layers there; None when nothing runs on the GPU at all."""
    for verdict in ("gpu", "partial"):
        rows = [i for i, (v, f) in enumerate(zip(variants, fits, strict=True))
                if f is not None and f.verdict == verdict and v.pullable]
        if rows:
            return max(rows, key=lambda i: _preference(variants[i], fits[i], verdict))
    return None


def _preference(
    v: Variant, f: Placement | None, verdict: str
) -> tuple[int, float, bool, bool, int]:
    return (
        f.gpu_layers if verdict == "partial" and f is not None else 0,
        v.quant.rank if v.quant else 0.0,
        # Between builds of one level: the one already on disk, then the chat-tuned one,
        # then the larger file.
        v.installed,
        not is_base_model(v),
        v.model_bytes or 0,
    )
