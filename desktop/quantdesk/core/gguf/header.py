"""What a parsed GGUF header holds, the limits it was read under, and facts derived from it."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quantdesk.core.gguf.type_tables import GGMLType

DEFAULT_ALIGNMENT = 32
MiB = 1 << 20

# A metadata value as parsed: numbers, bools and strings as Python scalars; numeric arrays as
# compact ``array.array``; string, bool and nested arrays as tuples.
GGUFValue = Any


@dataclass(frozen=True, slots=True)
class GGUFLimits:
    """Caps that keep a hostile or corrupt header from allocating gigabytes or running long.

    Real headers sit far below each: tens of KVs, a few thousand tensors, a 262k-token vocab,
    ~450k BPE merges, chat templates of some KiB and 2–10 MiB in all.
    """

    max_header_bytes: int = 64 * MiB
    max_string_bytes: int = 8 * MiB  # values; tokenizer.huggingface.json can run to MBs
    max_name_bytes: int = 65_535  # keys and tensor names (spec: keys at most 65 535 B)
    max_array_len: int = 4 * MiB  # elements
    max_kv_count: int = 16_384
    max_tensor_count: int = 262_144
    max_dims: int = 4  # GGML_MAX_DIMS
    max_depth: int = 8  # nesting of arrays inside arrays


DEFAULT_LIMITS = GGUFLimits()


@dataclass(frozen=True, slots=True)
class SkippedStrings:
    """A string array read past without decoding (``skip_strings_over``): only its length."""

    count: int

    def __len__(self) -> int:
        return self.count


@dataclass(frozen=True, slots=True)
class GGUFTensorInfo:
    name: str
    dims: tuple[int, ...]  # innermost (row length) first, as stored
    type_code: int
    offset: int  # from the start of the data section
    kind: GGMLType | None  # None for a type code this reader does not know
    nbytes: int | None  # None when ``kind`` is None

    @property
    def type_name(self) -> str:
        return self.kind.name if self.kind else f"type{self.type_code}"

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.dims:
            n *= d
        return n


@dataclass(frozen=True, slots=True)
class GGUFHeader:
    version: int
    metadata: Mapping[str, GGUFValue]
    value_types: Mapping[str, int]  # key -> GGUF value type code, for faithful re-encoding
    tensors: tuple[GGUFTensorInfo, ...]
    alignment: int
    header_end: int  # byte just after the last tensor info
    bytes_read: int  # bytes actually taken from the source (file or network)
    _by_name: dict[str, GGUFTensorInfo] = field(repr=False, compare=False, default_factory=dict)

    @property
    def tensor_count(self) -> int:
        return len(self.tensors)

    @property
    def kv_count(self) -> int:
        return len(self.metadata)

    @property
    def data_offset(self) -> int:
        """Where tensor data starts: the header end rounded up to the alignment."""
        return -(-self.header_end // self.alignment) * self.alignment

    @property
    def weight_bytes(self) -> int:
        """Sum of all tensor sizes of known types (no inter-tensor padding)."""
        return sum(t.nbytes for t in self.tensors if t.nbytes is not None)

    @property
    def unknown_tensor_types(self) -> tuple[int, ...]:
        return tuple(sorted({t.type_code for t in self.tensors if t.kind is None}))

    @property
    def expected_file_size(self) -> int | None:
        """data offset + end of the furthest tensor: the blob size a complete file has."""
        if any(t.nbytes is None for t in self.tensors):
            return None
        end = max((t.offset + (t.nbytes or 0) for t in self.tensors), default=0)
        return self.data_offset + end

    @property
    def architecture(self) -> str | None:
        arch = self.metadata.get("general.architecture")
        return arch if isinstance(arch, str) else None

    @property
    def file_type(self) -> int | None:
        ft = self.metadata.get("general.file_type")
        return ft if isinstance(ft, int) and not isinstance(ft, bool) else None

    @property
    def parameter_count(self) -> int:
        """``general.parameter_count`` when present, else the sum of tensor elements."""
        count = self.metadata.get("general.parameter_count")
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            return count
        return sum(t.n_elements for t in self.tensors)

    def tensor(self, name: str) -> GGUFTensorInfo | None:
        if not self._by_name and self.tensors:
            self._by_name.update((t.name, t) for t in self.tensors)
        return self._by_name.get(name)

    def model_info(self, *, max_array_len: int = 5) -> dict[str, Any]:
        """The metadata shaped like Ollama's ``/api/show`` ``model_info`` (non-verbose).

        As Ollama does: ``general.name`` and ``tokenizer.chat_template`` are dropped and any
        array longer than ``max_array_len`` becomes ``[]`` so the result stays small.
        """
        info: dict[str, Any] = {}
        for key, value in self.metadata.items():
            if key in ("general.name", "tokenizer.chat_template"):
                continue
            info[key] = _json_value(value, max_array_len)
        return info

    def ollama_tensors(self) -> list[dict[str, Any]]:
        """``/api/show``'s ``tensors`` list: name, type name, shape."""
        return [{"name": t.name, "type": t.type_name, "shape": list(t.dims)} for t in self.tensors]


def _json_value(value: GGUFValue, max_array_len: int) -> Any:
    if isinstance(value, SkippedStrings):  # its elements are not known: an empty summary
        return []
    if isinstance(value, array | tuple):
        if len(value) > max_array_len:
            return []
        return [_json_value(v, max_array_len) for v in value]
    return value
