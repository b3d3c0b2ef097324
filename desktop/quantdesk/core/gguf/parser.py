"""The one GGUF header parser, working on the bytes read so far.

It never does I/O: when it runs past the bytes it was given it raises ``NeedMore`` with the
offset it needs, and a driver (``sources.py``, sync for files, async for HTTP) reads further and
parses again from the start. Geometric growth keeps the re-parses to a handful, and parsing
an in-memory buffer is cheap next to the I/O it saves.

Every declared length or count is checked against ``GGUFLimits`` and against the bytes it
would need before anything is allocated for it.
"""

from __future__ import annotations

import struct
import sys
from array import array
from typing import Any

from quantdesk.core.gguf.errors import (
    GGUFFormatError,
    GGUFLimitError,
    GGUFVersionError,
    NotGGUFError,
)
from quantdesk.core.gguf.header import (
    DEFAULT_ALIGNMENT,
    GGUFHeader,
    GGUFLimits,
    GGUFTensorInfo,
    SkippedStrings,
)
from quantdesk.core.gguf.type_tables import (
    FIXED_VALUE_FORMATS,
    INTEGER_VALUE_TYPES,
    ValueType,
    ggml_type,
    tensor_nbytes,
)

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_SCALARS = {
    vt: (struct.Struct("<" + code), size) for vt, (code, size) in FIXED_VALUE_FORMATS.items()
}
_SWAP = sys.byteorder == "big"  # arrays are built in host order from little-endian bytes

# Smallest encodings, used to refuse counts the header cap could never hold.
_MIN_KV_BYTES = 8 + 4 + 1  # key length, value type, one-byte value
_MIN_TENSOR_BYTES = 8 + 4 + 4 + 8  # name length, n_dims, type, offset
_MIN_NESTED_ARRAY_BYTES = 4 + 8


class NeedMore(Exception):  # a signal to the driver, never shown to a user
    """The parse needs the source's bytes up to ``end`` (exclusive)."""

    def __init__(self, end: int, where: str) -> None:
        super().__init__(end, where)
        self.end = end
        self.where = where


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


class _Reader:
    __slots__ = ("data", "limits", "pos", "skip_over", "where")

    def __init__(self, data: bytes | bytearray, limits: GGUFLimits,
                 skip_over: int | None = None) -> None:
        self.data = data
        self.limits = limits
        self.pos = 0
        self.where = "the file magic"
        self.skip_over = skip_over

    def need(self, n: int) -> None:
        end = self.pos + n
        if end <= len(self.data):
            return
        if end > self.limits.max_header_bytes:
            raise GGUFLimitError(
                f"The GGUF header is larger than the {self.limits.max_header_bytes:,}-byte "
                f"limit (reading {self.where} needs {end:,} bytes); the file is corrupt or "
                "hostile, so it was not read further."
            )
        raise NeedMore(end, self.where)

    def u32(self) -> int:
        self.need(4)
        (value,) = _U32.unpack_from(self.data, self.pos)
        self.pos += 4
        return value

    def u64(self) -> int:
        self.need(8)
        (value,) = _U64.unpack_from(self.data, self.pos)
        self.pos += 8
        return value

    def string(self, max_bytes: int, what: str) -> str:
        length = self.u64()
        if length > max_bytes:
            raise GGUFLimitError(
                f"The GGUF header declares {what} of {length:,} bytes in {self.where}, over the "
                f"{max_bytes:,}-byte limit; the file is corrupt or hostile."
            )
        self.need(length)
        start = self.pos
        self.pos += length
        return self.data[start : self.pos].decode("utf-8", "replace")

    def value(self, vtype: int, depth: int) -> Any:
        scalar = _SCALARS.get(vtype)
        if scalar is not None:
            fmt, size = scalar
            self.need(size)
            (value,) = fmt.unpack_from(self.data, self.pos)
            self.pos += size
            return bool(value) if vtype == ValueType.BOOL else value
        if vtype == ValueType.STRING:
            return self.string(self.limits.max_string_bytes, "a string")
        if vtype == ValueType.ARRAY:
            return self.array(depth + 1)
        raise GGUFFormatError(
            f"The GGUF header is malformed: {self.where} has unknown value type {vtype}."
        )

    def array(self, depth: int) -> Any:
        if depth > self.limits.max_depth:
            raise GGUFLimitError(
                f"The GGUF header nests arrays more than {self.limits.max_depth} deep in "
                f"{self.where}; the file is corrupt or hostile."
            )
        etype = self.u32()
        count = self.u64()
        if count > self.limits.max_array_len:
            raise GGUFLimitError(
                f"The GGUF header declares an array of {count:,} elements in {self.where}, over "
                f"the {self.limits.max_array_len:,}-element limit; the file is corrupt or hostile."
            )
        scalar = FIXED_VALUE_FORMATS.get(etype)
        if scalar is not None:
            code, size = scalar
            self.need(count * size)
            raw = self.data[self.pos : self.pos + count * size]
            self.pos += count * size
            if etype == ValueType.BOOL:
                return tuple(b != 0 for b in raw)
            values = array(code)
            values.frombytes(raw)
            if _SWAP:
                values.byteswap()
            return values
        if etype == ValueType.STRING:
            self.need(count * 8)  # each element has at least its length
            # Vocab and merges (hundreds of thousands of short strings) are checked but not
            # decoded when only the shape is wanted: building them is most of a parse's time,
            # and so many small objects made on a worker thread leave the allocator's pools
            # fragmented long after the header is gone (the soak grew tens of MB per lookup).
            keep = self.skip_over is None or count <= self.skip_over
            strings = self._string_elements(count, keep)
            return strings if keep else SkippedStrings(count)
        if etype == ValueType.ARRAY:
            self.need(count * _MIN_NESTED_ARRAY_BYTES)
            return tuple(self.array(depth + 1) for _ in range(count))
        raise GGUFFormatError(
            f"The GGUF header is malformed: {self.where} is an array of unknown type {etype}."
        )

    def _string_elements(self, count: int, keep: bool = True) -> tuple[str, ...]:
        # The hot loop of real headers (vocab and merges: up to ~450k elements), kept flat.
        data, pos, size = self.data, self.pos, len(self.data)
        max_bytes = self.limits.max_string_bytes
        unpack = _U64.unpack_from
        out: list[str] = []
        append = out.append
        for _ in range(count):
            if pos + 8 > size:
                self.pos = pos
                self.need(8)
            (length,) = unpack(data, pos)
            pos += 8
            if length > max_bytes:
                self.pos = pos
                raise GGUFLimitError(
                    f"The GGUF header declares a string of {length:,} bytes in {self.where}, "
                    f"over the {max_bytes:,}-byte limit; the file is corrupt or hostile."
                )
            if pos + length > size:
                self.pos = pos
                self.need(length)
            if keep:
                append(data[pos : pos + length].decode("utf-8", "replace"))
            pos += length
        self.pos = pos
        return tuple(out)


def _check_magic_and_version(r: _Reader) -> int:
    r.need(4)
    magic = r.data[:4]
    if magic == MAGIC[::-1]:
        raise GGUFVersionError(
            "This GGUF file is big-endian (made for IBM s390x or POWER); Ollama on this "
            "machine cannot load it. Use the little-endian build of the model."
        )
    if magic != MAGIC:
        hint = ""
        if magic[:1] in (b"<", b"{", b"["):
            hint = " It looks like a web page or JSON, not a model blob: check the URL."
        raise NotGGUFError(
            f"This is not a GGUF model file: it starts with {magic.hex(' ')} instead of "
            f"'GGUF'.{hint or ' Check the file path or URL.'}"
        )
    r.pos = 4
    r.where = "the version"
    version = r.u32()
    if version in SUPPORTED_VERSIONS:
        return version
    swapped = int.from_bytes(version.to_bytes(4, "little"), "big")
    if swapped in (1, 2, 3):
        raise GGUFVersionError(
            "This GGUF file is big-endian (made for IBM s390x or POWER); Ollama on this "
            "machine cannot load it. Use the little-endian build of the model."
        )
    if version == 1:
        raise GGUFVersionError(
            "This is a GGUF version 1 file (from before August 2023), which current Ollama "
            "and QuantDesk cannot read. Download a newer build of the model."
        )
    raise GGUFVersionError(
        f"This GGUF file has version {version}; QuantDesk reads versions 2 and 3. "
        "Update QuantDesk, or use a file made by a current llama.cpp."
    )


def parse_header(data: bytes | bytearray, limits: GGUFLimits, *, bytes_read: int | None = None,
                 skip_strings_over: int | None = None) -> GGUFHeader:
    """Parse the header at the start of ``data``; ``NeedMore`` when ``data`` stops too early.

    ``skip_strings_over``: string arrays longer than this are checked but kept only as their
    length (``SkippedStrings``), for readers that need the shape, not the vocabulary."""
    if len(data) > limits.max_header_bytes:  # else no copy: data can be tens of MB
        data = data[: limits.max_header_bytes]
    r = _Reader(data, limits, skip_strings_over)
    version = _check_magic_and_version(r)
    r.where = "the tensor and metadata counts"
    tensor_count = r.u64()
    kv_count = r.u64()
    _check_counts(tensor_count, kv_count, limits)

    metadata: dict[str, Any] = {}
    value_types: dict[str, int] = {}
    for i in range(kv_count):
        r.where = f"metadata entry {i + 1} of {kv_count}"
        key = r.string(limits.max_name_bytes, "a key")
        r.where = f"metadata value {_short(key)}"
        vtype = r.u32()
        value = r.value(vtype, 0)
        if key in metadata:
            raise GGUFFormatError(f"The GGUF header is malformed: key {_short(key)} appears twice.")
        metadata[key] = value
        value_types[key] = vtype

    alignment = _alignment(metadata, value_types)
    tensors: list[GGUFTensorInfo] = []
    names: set[str] = set()
    for i in range(tensor_count):
        r.where = f"tensor info {i + 1} of {tensor_count}"
        tensors.append(_tensor_info(r, names))

    return GGUFHeader(
        version=version,
        metadata=metadata,
        value_types=value_types,
        tensors=tuple(tensors),
        alignment=alignment,
        header_end=r.pos,
        bytes_read=len(data) if bytes_read is None else bytes_read,
    )


def _check_counts(tensor_count: int, kv_count: int, limits: GGUFLimits) -> None:
    if tensor_count > limits.max_tensor_count:
        raise GGUFLimitError(
            f"The GGUF header declares {tensor_count:,} tensors, over the "
            f"{limits.max_tensor_count:,}-tensor limit; the file is corrupt or hostile."
        )
    if kv_count > limits.max_kv_count:
        raise GGUFLimitError(
            f"The GGUF header declares {kv_count:,} metadata entries, over the "
            f"{limits.max_kv_count:,}-entry limit; the file is corrupt or hostile."
        )
    smallest = 24 + kv_count * _MIN_KV_BYTES + tensor_count * _MIN_TENSOR_BYTES
    if smallest > limits.max_header_bytes:
        raise GGUFLimitError(
            f"The GGUF header declares {tensor_count:,} tensors and {kv_count:,} metadata "
            f"entries, which cannot fit in the {limits.max_header_bytes:,}-byte header limit; "
            "the file is corrupt or hostile."
        )


def _alignment(metadata: dict[str, Any], value_types: dict[str, int]) -> int:
    if "general.alignment" not in metadata:
        return DEFAULT_ALIGNMENT
    value = metadata["general.alignment"]
    if value_types["general.alignment"] not in INTEGER_VALUE_TYPES or value <= 0 or value & (
        value - 1
    ):
        raise GGUFFormatError(
            f"The GGUF header is malformed: general.alignment is {value!r}, not a power of two."
        )
    return int(value)


def _tensor_info(r: _Reader, names: set[str]) -> GGUFTensorInfo:
    limits = r.limits
    name = r.string(limits.max_name_bytes, "a tensor name")
    n_dims = r.u32()
    if n_dims > limits.max_dims:
        raise GGUFLimitError(
            f"The GGUF header gives tensor {_short(name)} {n_dims} dimensions, over the limit "
            f"of {limits.max_dims}; the file is corrupt or hostile."
        )
    r.need(8 * n_dims)
    dims = struct.unpack_from(f"<{n_dims}Q", r.data, r.pos)
    r.pos += 8 * n_dims
    type_code = r.u32()
    offset = r.u64()
    if name in names:
        raise GGUFFormatError(f"The GGUF header is malformed: tensor {_short(name)} appears twice.")
    names.add(name)
    kind = ggml_type(type_code)
    nbytes = tensor_nbytes(kind, dims, name=_short(name)) if kind else None
    return GGUFTensorInfo(name, tuple(dims), type_code, offset, kind, nbytes)
