"""GGML tensor types: bytes per block and weights per block (llama.cpp ``ggml-common.h``)."""

from __future__ import annotations

from collections.abc import Sequence

# name -> (ggml type id, bytes per block, weights per block)
_TYPES: dict[str, tuple[int, int, int]] = {
    "F32": (0, 4, 1),
    "F16": (1, 2, 1),
    "Q4_0": (2, 18, 32),
    "Q4_1": (3, 20, 32),
    "Q5_0": (6, 22, 32),
    "Q5_1": (7, 24, 32),
    "Q8_0": (8, 34, 32),
    "Q8_1": (9, 36, 32),
    "Q2_K": (10, 84, 256),
    "Q3_K": (11, 110, 256),
    "Q4_K": (12, 144, 256),
    "Q5_K": (13, 176, 256),
    "Q6_K": (14, 210, 256),
    "Q8_K": (15, 292, 256),
    "IQ2_XXS": (16, 66, 256),
    "IQ2_XS": (17, 74, 256),
    "IQ3_XXS": (18, 98, 256),
    "IQ1_S": (19, 50, 256),
    "IQ4_NL": (20, 18, 32),
    "IQ3_S": (21, 110, 256),
    "IQ2_S": (22, 82, 256),
    "IQ4_XS": (23, 136, 256),
    "I8": (24, 1, 1),
    "I16": (25, 2, 1),
    "I32": (26, 4, 1),
    "I64": (27, 8, 1),
    "F64": (28, 8, 1),
    "IQ1_M": (29, 56, 256),
    "BF16": (30, 2, 1),
    "TQ1_0": (34, 54, 256),
    "TQ2_0": (35, 66, 256),
    "MXFP4": (39, 17, 32),
}
_BY_ID: dict[int, str] = {tid: name for name, (tid, _, _) in _TYPES.items()}


class UnknownTensorType(ValueError):
    pass


def type_name(kind: str | int) -> str:
    """Canonical name for a ggml type given by name ("q4_K") or id (12)."""
    if isinstance(kind, int):
        if kind not in _BY_ID:
            raise UnknownTensorType(f"unknown ggml type id {kind}")
        return _BY_ID[kind]
    name = kind.strip().upper()
    if name not in _TYPES:
        raise UnknownTensorType(f"unknown ggml type {kind!r}")
    return name


def block_size(kind: str | int) -> int:
    return _TYPES[type_name(kind)][2]


def tensor_bytes(kind: str | int, shape: Sequence[int]) -> int:
    """Bytes a tensor occupies: elements x bytes-per-block / weights-per-block."""
    _, nbytes, block = _TYPES[type_name(kind)]
    elements = 1
    for dim in shape:
        elements *= int(dim)
    return elements * nbytes // block
