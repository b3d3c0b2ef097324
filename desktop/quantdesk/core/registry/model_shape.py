"""Where the fit estimate gets a variant's architecture (DESIGN.md "The fit verdict").

In order: ``/api/show`` of an installed variant of the same model (exact, with tensors), the
GGUF header of this variant's remote blob (a ranged read of a few MB), the header of a sibling
variant (same shape, other quant). Each failure is recorded so the user sees why the estimate
is less exact than it could be.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.gguf import fetch_gguf_header
from quantdesk.core.registry.variants import Variant

SUMMARY_LEN = 5  # arrays longer than this read as [] in model_info, as /api/show has them
ShowFn = Callable[[str], Awaitable[Any]]  # OllamaClient.show: name -> ShowResponse


@dataclass(slots=True)
class ModelShape:
    model_info: dict[str, Any]
    tensors: list[tuple[str, str, tuple[int, ...]]] | None
    source: str  # "daemon", "header", "sibling header"
    from_name: str  # whose description it is
    notes: list[str] = field(default_factory=list)


def _tensors(show: Any) -> list[tuple[str, str, tuple[int, ...]]] | None:
    items = getattr(show, "tensors", None) or ()
    out = [(t.name, t.type, tuple(t.shape)) for t in items]
    return out or None


async def model_shape(
    variant: Variant,
    siblings: Sequence[Variant],
    *,
    http: httpx.AsyncClient,
    show: ShowFn | None = None,
) -> ModelShape:
    """The architecture of ``variant``; raises QuantDeskError naming every source that failed."""
    notes: list[str] = []
    if show is not None:
        local = [v for v in (variant, *siblings) if v.installed]
        for v in local:
            try:
                resp = await show(v.name)
            except QuantDeskError as exc:
                notes.append(f"/api/show {v.name}: {exc}")
                continue
            info = dict(getattr(resp, "model_info", {}) or {})
            if info.get("general.architecture"):
                tensors = _tensors(resp) if v is variant else None
                return ModelShape(info, tensors, "daemon", v.name, notes)
    # Two sibling headers at most: siblings share a shape, and each failed read costs MBs.
    others = [s for s in siblings if s is not variant and s.blob_url][:2]
    for v, label in ((variant, "header"), *((s, "sibling header") for s in others)):
        if not v.blob_url:
            continue
        try:
            # The fit needs no vocabulary (model_info summarises long arrays as [] anyway).
            header = await fetch_gguf_header(v.blob_url, http, skip_strings_over=SUMMARY_LEN)
        except QuantDeskError as exc:
            notes.append(f"GGUF header of {v.name}: {exc}")
            continue
        info = header.model_info(max_array_len=SUMMARY_LEN)
        if not info.get("general.architecture"):
            notes.append(f"GGUF header of {v.name} names no architecture")
            continue
        tensors = ([(t.name, t.type_name, tuple(t.dims)) for t in header.tensors]
                   if v is variant else None)
        return ModelShape(info, tensors, label, v.name, notes)
    raise QuantDeskError(
        f"the architecture of {variant.name} could not be read: "
        + ("; ".join(notes) or "no installed copy and no GGUF blob to read")
    )
