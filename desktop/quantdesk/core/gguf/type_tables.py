"""GGUF value types and ggml tensor types, with the block sizes that give tensor byte sizes.

The one ggml type table of QuantDesk: the GGUF reader and the fit estimate both size tensors
from it. Figures from the GGUF spec and ggml's type traits (``blck_size`` / ``type_size`` in
ggml.c, remote-catalogs.md §4.1–4.2); NVFP4 (``QK_NVFP4`` 64 weights in a 36-byte
``block_nvfp4``: 4 E4M3 scales + 32 bytes of E2M1 pairs) and Q1_0 (``QK1_0`` 128 weights in an
18-byte ``block_q1_0``: one f16 scale + 16 bytes of sign bits) included. A tensor of ``n``
weights in a type with ``block`` weights per ``block_bytes`` bytes takes
``n // block * block_bytes`` bytes, and its rows (``dims[0]``) are whole blocks.

A type this table does not know is an error (:class:`UnknownTensorType`), never 0 bytes: a
model sized without some of its tensors could be called fitting when it does not fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.gguf.errors import GGUFFormatError


class ValueType(IntEnum):
    UINT8 = 0
    INT8 = 1
    UINT16 = 2
    INT16 = 3
    UINT32 = 4
    INT32 = 5
    FLOAT32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    UINT64 = 10
    INT64 = 11
    FLOAT64 = 12


# struct / array typecode and width of every fixed-size value type ("?" is read as a byte).
FIXED_VALUE_FORMATS: dict[int, tuple[str, int]] = {
    ValueType.UINT8: ("B", 1),
    ValueType.INT8: ("b", 1),
    ValueType.UINT16: ("H", 2),
    ValueType.INT16: ("h", 2),
    ValueType.UINT32: ("I", 4),
    ValueType.INT32: ("i", 4),
    ValueType.FLOAT32: ("f", 4),
    ValueType.BOOL: ("B", 1),
    ValueType.UINT64: ("Q", 8),
    ValueType.INT64: ("q", 8),
    ValueType.FLOAT64: ("d", 8),
}

INTEGER_VALUE_TYPES = frozenset(
    {
        ValueType.UINT8,
        ValueType.INT8,
        ValueType.UINT16,
        ValueType.INT16,
        ValueType.UINT32,
        ValueType.INT32,
        ValueType.UINT64,
        ValueType.INT64,
    }
)


@dataclass(frozen=True, slots=True)
class GGMLType:
    code: int
    name: str
    block: int  # weights per block
    block_bytes: int  # bytes per block

    @property
    def bits_per_weight(self) -> float:
        return self.block_bytes * 8 / self.block


_GGML_TYPES: tuple[GGMLType, ...] = (
    GGMLType(0, "F32", 1, 4),
    GGMLType(1, "F16", 1, 2),
    GGMLType(2, "Q4_0", 32, 18),
    GGMLType(3, "Q4_1", 32, 20),
    GGMLType(6, "Q5_0", 32, 22),
    GGMLType(7, "Q5_1", 32, 24),
    GGMLType(8, "Q8_0", 32, 34),
    GGMLType(9, "Q8_1", 32, 36),
    GGMLType(10, "Q2_K", 256, 84),
    GGMLType(11, "Q3_K", 256, 110),
    GGMLType(12, "Q4_K", 256, 144),
    GGMLType(13, "Q5_K", 256, 176),
    GGMLType(14, "Q6_K", 256, 210),
    GGMLType(15, "Q8_K", 256, 292),
    GGMLType(16, "IQ2_XXS", 256, 66),
    GGMLType(17, "IQ2_XS", 256, 74),
    GGMLType(18, "IQ3_XXS", 256, 98),
    GGMLType(19, "IQ1_S", 256, 50),
    GGMLType(20, "IQ4_NL", 32, 18),
    GGMLType(21, "IQ3_S", 256, 110),
    GGMLType(22, "IQ2_S", 256, 82),
    GGMLType(23, "IQ4_XS", 256, 136),
    GGMLType(24, "I8", 1, 1),
    GGMLType(25, "I16", 1, 2),
    GGMLType(26, "I32", 1, 4),
    GGMLType(27, "I64", 1, 8),
    GGMLType(28, "F64", 1, 8),
    GGMLType(29, "IQ1_M", 256, 56),
    GGMLType(30, "BF16", 1, 2),
    GGMLType(34, "TQ1_0", 256, 54),
    GGMLType(35, "TQ2_0", 256, 66),
    GGMLType(39, "MXFP4", 32, 17),
    GGMLType(40, "NVFP4", 64, 36),
    GGMLType(41, "Q1_0", 128, 18),
)

_BY_CODE: dict[int, GGMLType] = {t.code: t for t in _GGML_TYPES}
_BY_NAME: dict[str, GGMLType] = {t.name: t for t in _GGML_TYPES}


def ggml_type(code: int) -> GGMLType | None:
    """The tensor type with this code, or None for codes retired or newer than this table."""
    return _BY_CODE.get(code)


def ggml_type_named(name: str) -> GGMLType:
    """The tensor type called ``name`` ("Q4_K"); KeyError for unknown names."""
    return _BY_NAME[name.upper()]


def all_ggml_types() -> tuple[GGMLType, ...]:
    return _GGML_TYPES


def tensor_nbytes(kind: GGMLType, dims: Sequence[int], *, name: str = "tensor") -> int:
    """Bytes of a tensor of ``kind`` with ``dims`` (innermost first)."""
    row = dims[0] if dims else 1
    if row % kind.block:
        raise GGUFFormatError(
            f"The GGUF header is malformed: {name} has rows of {row} weights, which is not a "
            f"whole number of {kind.name} blocks ({kind.block} weights each)."
        )
    return math.prod(dims) // kind.block * kind.block_bytes


class UnknownTensorType(QuantDeskError, ValueError):
    """A tensor type newer than this table: its size cannot be known."""

    def __init__(self, kind: str | int) -> None:
        what = f"type id {kind}" if isinstance(kind, int) else f"type {kind!r}"
        super().__init__(
            f"Unknown ggml tensor {what}: QuantDesk cannot size it, so it cannot say whether "
            "the model fits. A newer QuantDesk may know it.")
        self.kind = kind


def ggml_type_of(kind: str | int) -> GGMLType:
    """The type given by name ("q4_K", as /api/show writes it) or by id (12)."""
    found = _BY_CODE.get(kind) if isinstance(kind, int) else _BY_NAME.get(kind.strip().upper())
    if found is None:
        raise UnknownTensorType(kind)
    return found


def block_size(kind: str | int) -> int:
    """Weights per block of ``kind``."""
    return ggml_type_of(kind).block


def tensor_bytes(kind: str | int, shape: Sequence[int]) -> int:
    """Bytes of a tensor of ``kind`` and ``shape``; a partial last block counts whole (what a
    malformed shape could need at most), so the answer is never below the true size."""
    t = ggml_type_of(kind)
    return -(-math.prod(int(d) for d in shape) // t.block) * t.block_bytes
