"""A variant's tensor list as /api/show returns it: ``{name, type, shape}`` in file order.

The list is the variant's plan (:mod:`quantdesk.sim.tensor_layout`): llama.cpp's names and
shapes, each tensor typed as llama.cpp's quantizer types it for the variant's file type, so a
tied Q4_K_M model lists ``token_embd.weight`` as Q6_K and the tensors add up to the model blob
less its header. ``shape`` is GGUF ``ne`` order, as ``api.Tensor.Shape`` carries it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from quantdesk.sim.catalog import Variant, plan_of


@lru_cache(maxsize=256)
def _tensors(v: Variant) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    return tuple((t.name, t.type_name, t.dims) for t in plan_of(v))


def tensors(v: Variant) -> list[dict[str, Any]]:
    return [{"name": n, "type": t, "shape": list(s)} for n, t, s in _tensors(v)]
