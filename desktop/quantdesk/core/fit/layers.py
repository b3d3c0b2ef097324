"""Per-layer weight bytes, grouped the way Ollama groups them (``GroupLayers``).

``blk.N.*`` tensors form repeating layer N; ``output_norm`` + ``output`` form the output layer;
with tied embeddings (no ``output``) ``token_embd`` is the output layer, otherwise token_embd is
kept apart (llama.cpp leaves input embeddings on the CPU). Vision tensors are the projector.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.mix import block_bytes, embedding_bytes, vision_bytes
from quantdesk.core.gguf.type_tables import tensor_bytes
from quantdesk.core.quant import QuantLevel, parse_quant

_BLOCK = re.compile(r"^blk\.(\d+)\.")
_VISION = ("v.", "mm.", "vision", "visual", "enc.", "mmproj")
# A file's bytes beyond its tensors (tokenizer, metadata) stay below this share.
_METADATA_SHARE = 0.01

TensorSpec = tuple[str, str | int, Sequence[int]] | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LayerWeights:
    blocks: tuple[int, ...]  # bytes of blk.0 … blk.N-1
    output: int  # output layer: output + output_norm, or token_embd when tied
    token_embd: int  # input embeddings when a separate output exists; 0 when tied
    projector: int = 0  # vision encoder / projector weights
    source: str = "shape"  # "tensors", "file size" or "shape": how exact the split is

    @property
    def repeating(self) -> int:
        return sum(self.blocks)

    @property
    def total(self) -> int:
        return self.repeating + self.output + self.token_embd + self.projector


def _unpack(spec: TensorSpec) -> tuple[str, str | int, Sequence[int]]:
    if isinstance(spec, Mapping):
        return str(spec["name"]), spec["type"], spec["shape"]
    name, kind, shape = spec
    return name, kind, shape


def from_tensors(tensors: Iterable[TensorSpec], block_count: int) -> LayerWeights:
    """Exact bytes from a tensor list such as ``/api/show`` (verbose) ``tensors``."""
    blocks = [0] * block_count
    named: dict[str, int] = {}
    projector = 0
    for spec in tensors:
        name, kind, shape = _unpack(spec)
        # An unknown type raises UnknownTensorType: skipping the tensor would count it as
        # 0 bytes and could call a model fitting that does not fit.
        size = tensor_bytes(kind, shape)
        m = _BLOCK.match(name)
        if m and int(m.group(1)) < block_count:
            blocks[int(m.group(1))] += size
        elif name.startswith(_VISION):
            projector += size
        else:
            stem = name.removesuffix(".weight").removesuffix(".bias")
            named[stem] = named.get(stem, 0) + size
    norm = named.get("output_norm", 0)
    if "output" in named:
        output, embd = named["output"] + norm, named.get("token_embd", 0)
    else:
        output, embd = named.get("token_embd", 0) + norm, 0
    return LayerWeights(tuple(blocks), output, embd, projector, "tensors")


@functools.lru_cache(maxsize=256)
def _synthesize(arch: Architecture, ftype: str) -> LayerWeights:
    """The quant mix applied to the shape (cached: the app asks about the same models often)."""
    blocks = tuple(block_bytes(arch, ftype, i) for i in range(arch.block_count))
    output, embd = embedding_bytes(arch, ftype)
    return LayerWeights(blocks, output, embd, vision_bytes(arch), "shape")


def from_shape(
    arch: Architecture, quant: str | QuantLevel | None, total_bytes: int | None = None
) -> LayerWeights:
    """Per-layer bytes rebuilt from the shape and the file type's quant mix.

    With ``total_bytes`` (the registry's model-layer size) the repeating layers are rescaled so
    the parts add up to it, unless the shape already explains the size (the small remainder is
    tokenizer and metadata).
    """
    level = parse_quant(quant) if isinstance(quant, str) else quant
    base = _synthesize(arch, level.name if level else "Q4_K_M")
    blocks, output, embd = list(base.blocks), base.output, base.token_embd
    projector = base.projector
    if not total_bytes:
        return LayerWeights(tuple(blocks), output, embd, projector, "shape")
    synth = sum(blocks) + output + embd + projector
    if abs(total_bytes - synth) <= _METADATA_SHARE * total_bytes:
        return LayerWeights(tuple(blocks), output, embd, projector, "file size")
    rest = total_bytes - output - embd - projector
    if rest <= 0 or not blocks:
        # The shape is far off (wrong vocab or a projector guess); keep the proportions.
        scale = total_bytes / synth
        blocks = [int(b * scale) for b in blocks]
        output, embd, projector = int(output * scale), int(embd * scale), int(projector * scale)
    else:
        scale = rest / sum(blocks)
        blocks = [int(b * scale) for b in blocks]
    return LayerWeights(tuple(blocks), output, embd, projector, "file size")
