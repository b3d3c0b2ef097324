"""Bounded GGUF header reader: local files and ranged HTTP reads, parsed by one parser.

Use ``read_gguf_header(path)`` for a file on disk and ``await fetch_gguf_header(url, http)``
for a registry or Hugging Face blob; both return a ``GGUFHeader`` whose ``model_info()`` has
the shape of Ollama's ``/api/show`` ``model_info``. Every failure is a ``GGUFError``.
"""

from __future__ import annotations

from quantdesk.core.gguf.errors import (
    GGUFError,
    GGUFFormatError,
    GGUFLimitError,
    GGUFSourceError,
    GGUFTruncatedError,
    GGUFVersionError,
    NotGGUFError,
)
from quantdesk.core.gguf.header import (
    DEFAULT_ALIGNMENT,
    DEFAULT_LIMITS,
    GGUFHeader,
    GGUFLimits,
    GGUFTensorInfo,
    SkippedStrings,
)
from quantdesk.core.gguf.parser import NeedMore, parse_header
from quantdesk.core.gguf.sources import FIRST_CHUNK, fetch_gguf_header, read_gguf_header
from quantdesk.core.gguf.type_tables import (
    GGMLType,
    ValueType,
    all_ggml_types,
    ggml_type,
    ggml_type_named,
    tensor_nbytes,
)


def parse_gguf_bytes(data: bytes, *, limits: GGUFLimits = DEFAULT_LIMITS) -> GGUFHeader:
    """Parse a header from bytes already in memory (all there is: running out is truncation)."""
    try:
        return parse_header(data, limits)
    except NeedMore as need:
        raise GGUFTruncatedError(
            f"The GGUF header is cut short: {need.where} needs {need.end:,} bytes but there are "
            f"only {len(data):,}. The file is incomplete or damaged; download it again."
        ) from None


__all__ = [
    "DEFAULT_ALIGNMENT",
    "DEFAULT_LIMITS",
    "FIRST_CHUNK",
    "GGMLType",
    "GGUFError",
    "GGUFFormatError",
    "GGUFHeader",
    "GGUFLimitError",
    "GGUFLimits",
    "GGUFSourceError",
    "GGUFTensorInfo",
    "GGUFTruncatedError",
    "GGUFVersionError",
    "NotGGUFError",
    "SkippedStrings",
    "ValueType",
    "all_ggml_types",
    "fetch_gguf_header",
    "ggml_type",
    "ggml_type_named",
    "parse_gguf_bytes",
    "read_gguf_header",
    "tensor_nbytes",
]
