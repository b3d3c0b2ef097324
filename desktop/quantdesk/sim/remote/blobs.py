"""Blob bytes for the simulated registry and CDN: real GGUF headers, then lazy zeros.

A model blob is ``build_gguf_header(...)`` followed by zeros up to the catalog's byte size;
only the requested slice is ever produced, so a 16 GB blob costs nothing until read, and a
whole-blob GET streams in chunks. Test faults replace the header with a truncated or a
hostile one.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from quantdesk.sim.catalog import Variant

CHUNK = 1 << 20
_RANGE = re.compile(r"^\s*bytes=(\d*)-(\d*)\s*$")


@dataclass(frozen=True, slots=True)
class BlobBody:
    prefix: bytes  # real leading bytes; the rest up to ``size`` is zeros
    size: int

    def slice(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start..end`` inclusive, in chunks of at most CHUNK."""
        pos = start
        while pos <= end:
            stop = min(end + 1, pos + CHUNK)
            head = self.prefix[pos:stop] if pos < len(self.prefix) else b""
            yield head + bytes(stop - pos - len(head))
            pos = stop


@lru_cache(maxsize=64)
def _real_header(variant: Variant) -> bytes:
    from quantdesk.sim.gguf_headers import build_gguf_header

    # The builder writes general.file_type from ``quant`` itself; the catalog's copy would
    # be a duplicate key.
    info = {k: v for k, v in variant.model_info.items() if k != "general.file_type"}
    # header_bytes: the header fills exactly the blob's room before the tensors, so the
    # served blob is header + data to the byte.
    return build_gguf_header(info, variant.quant.name, vocab_size=variant.vocab_size,
                             tied_embeddings=variant.tied_embeddings,
                             header_bytes=variant.header_bytes)


def hostile_header() -> bytes:
    """A GGUF v3 header whose first key claims to be 2^63 bytes long."""
    return b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 2**63)


def model_body(variant: Variant, mode: str = "normal") -> BlobBody:
    if mode == "hostile":
        return BlobBody(hostile_header(), variant.model_bytes)
    header = _real_header(variant)
    if mode == "truncated":
        # The blob ends in the middle of the metadata: an interrupted upload.
        cut = header[: len(header) // 2]
        return BlobBody(cut, len(cut))
    return BlobBody(header, max(variant.model_bytes, len(header)))


def parse_range(value: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) inclusive; None for no/unsupported header; "unsatisfiable" past the end."""
    if not value or not (m := _RANGE.match(value)):
        return None
    first, last = m.group(1), m.group(2)
    if first == "":
        if last == "":
            return None
        n = int(last)
        return (max(0, size - n), size - 1) if n else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end
