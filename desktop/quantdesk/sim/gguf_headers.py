"""Real GGUF header bytes for simulated model variants (header, KVs, tensor infos; no weights).

The simulated registry serves these as the first bytes of a blob, so a ranged header read
against the simulator sees what it would see on the real CDN: the architecture keys, a
tokenizer of the real size (vocabulary and BPE merges: that is what makes real headers
megabytes) and the tensor list of :mod:`quantdesk.sim.tensor_layout`. Built with the ``gguf``
package's own writer so the bytes are what llama.cpp's tools produce; cached because a catalog
asks for the same variant many times.

``header_bytes`` pins the header to an exact length (the merges list is sized to fill it), so
header + tensor data is a real blob's size to the byte: llama3.2:3b's model blob is
2,019,377,376 bytes, 7,837,664 of them header (``ollama-api.md`` §12 manifest).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import gguf

from quantdesk.core.quant import parse_quant
from quantdesk.sim.tensor_layout import PlannedTensor, data_bytes, frozen, pad, plan, plan_tensors

__all__ = ["PlannedTensor", "build_gguf_header", "gguf_weight_bytes", "header_size",
           "plan_tensors"]

# Bytes of header per vocabulary entry in a real BPE GGUF (tokens, token types, merges):
# llama3.2:3b's 7,837,664-byte header over its 128,256 tokens.
BYTES_PER_TOKEN = 61.1
_MERGES_KEY = "tokenizer.ggml.merges"


def gguf_weight_bytes(
    arch: Mapping[str, Any], quant: str, *, vocab_size: int | None = None,
    tied_embeddings: bool | None = None,
) -> int:
    """Size of the data section that follows the header (each tensor padded to alignment)."""
    return data_bytes(plan(frozen(arch), quant, vocab_size, tied_embeddings))


def header_size(vocab: int) -> int:
    """A real header's size for a vocabulary of ``vocab`` entries (aligned)."""
    return pad(4096 + round(BYTES_PER_TOKEN * vocab))


def build_gguf_header(
    arch: Mapping[str, Any], quant: str, *, vocab_size: int | None = None,
    tied_embeddings: bool | None = None, header_bytes: int | None = None,
) -> bytes:
    """GGUF v3 header bytes for ``arch`` (``model_info``-style keys) at ``quant``.

    Padded to the data alignment, so header + ``gguf_weight_bytes`` is the blob size.
    ``tied_embeddings`` defaults to True for gemma families (no ``output`` tensor);
    ``header_bytes`` (a multiple of 32) fixes the length, else it is ``header_size(vocab)``.
    """
    return _build(frozen(arch), quant, vocab_size, tied_embeddings, header_bytes)


@lru_cache(maxsize=8)
def _vocab(n: int) -> tuple[str, ...]:
    """``n`` distinct token strings of realistic length: 256 byte tokens, then word pieces."""
    letters = "etaoinshrdlucmfwypvbgkqjxz"
    tokens = [f"<0x{i:02X}>" for i in range(min(n, 256))]
    for i in range(256, n):
        word, j = "", i
        while j:
            j, r = divmod(j, 26)
            word += letters[r]
        tokens.append(("Ġ" if i % 2 else "") + word)
    return tuple(tokens)


def _write_kv(w: gguf.GGUFWriter, key: str, value: Any) -> None:
    vt = gguf.GGUFValueType
    if isinstance(value, bool):
        w.add_bool(key, value)
    elif isinstance(value, int):
        if key == "general.parameter_count" or not 0 <= value < 1 << 32:
            w.add_key_value(key, value, vt.UINT64 if value >= 0 else vt.INT64)
        else:
            w.add_uint32(key, value)
    elif isinstance(value, float):
        w.add_float32(key, value)
    elif isinstance(value, str):
        w.add_string(key, value)
    elif isinstance(value, tuple) and value:
        sub = _array_type(value)
        w.add_key_value(key, list(value), vt.ARRAY, sub_type=sub)
    else:
        raise ValueError(f"cannot write {key!r}={value!r} as a GGUF value")


def _array_type(values: Sequence[Any]) -> gguf.GGUFValueType:
    vt = gguf.GGUFValueType
    if all(isinstance(v, str) for v in values):
        return vt.STRING
    if all(isinstance(v, bool) for v in values):
        return vt.BOOL
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return vt.INT32
    return vt.FLOAT32


@lru_cache(maxsize=64)
def _build(
    arch_items: tuple[tuple[str, Any], ...], quant: str, vocab_size: int | None,
    tied: bool | None, header_bytes: int | None,
) -> bytes:
    tensors = plan(arch_items, quant, vocab_size, tied)
    n_vocab = next(t.dims[1] for t in tensors if t.name == "token_embd.weight")
    target = header_bytes if header_bytes is not None else header_size(n_vocab)
    if target % 32:
        raise ValueError(f"a header must end on the 32-byte alignment, not at {target}")
    bare = _write(arch_items, quant, tensors, ())
    # The merges array costs its key, type, sub-type and count, then 8 + len per entry.
    room = target - len(bare) - (8 + len(_MERGES_KEY) + 4 + 4 + 8)
    merges = _merges(room, n_vocab) if room > 0 else ()
    data = _write(arch_items, quant, tensors, merges) if merges else bare
    if header_bytes is not None and len(data) != header_bytes:
        raise ValueError(f"cannot fit a header of {len(data)} bytes into {header_bytes}")
    return data


def _merges(room: int, n_vocab: int) -> tuple[str, ...]:
    """BPE merge rules ("a b") filling exactly ``room`` bytes of header (8 + len each)."""
    count = max(1, min(n_vocab * 2, room // 20))
    width, extra = divmod(room - 8 * count, count)
    if width < 3:  # too little room for that many entries: fewer, longer ones
        count = max(1, room // 19)
        width, extra = divmod(room - 8 * count, count)
    out = []
    for i in range(count):
        n = width + (1 if i < extra else 0)
        stem = f"{i:x}"
        body = (stem + " " + "e" * n)[:n] if n > len(stem) + 1 else "e" * n
        out.append(body)
    return tuple(out)


def _write(
    arch_items: tuple[tuple[str, Any], ...], quant: str, tensors: tuple[PlannedTensor, ...],
    merges: tuple[str, ...],
) -> bytes:
    arch = dict(arch_items)
    a = str(arch["general.architecture"])
    level = parse_quant(quant)
    assert level is not None  # plan() rejected unknown names
    n_vocab = next(t.dims[1] for t in tensors if t.name == "token_embd.weight")
    with tempfile.TemporaryDirectory(prefix="quantdesk-gguf-") as tmp:
        path = Path(tmp) / "header.gguf"
        w = gguf.GGUFWriter(path, a)
        for key, value in arch_items:
            if key not in ("general.architecture", "general.file_type"):
                _write_kv(w, key, value)
        w.add_file_type(level.file_type)
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
        w.add_tokenizer_model("gpt2")
        w.add_token_list(_vocab(n_vocab))
        token_types = [3] * min(n_vocab, 256) + [1] * (n_vocab - min(n_vocab, 256))
        w.add_key_value("tokenizer.ggml.token_type", token_types, gguf.GGUFValueType.ARRAY,
                        sub_type=gguf.GGUFValueType.INT32)
        if merges:
            w.add_key_value(_MERGES_KEY, list(merges), gguf.GGUFValueType.ARRAY,
                            sub_type=gguf.GGUFValueType.STRING)
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        for t in tensors:
            w.add_tensor_info(
                t.name,
                tuple(reversed(t.dims)),
                gguf_dtype(),
                t.nbytes,
                raw_dtype=gguf.GGMLQuantizationType[t.type_name],
            )
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_ti_data_to_file()
        w.close()
        data = path.read_bytes()
    return data + bytes(pad(len(data)) - len(data))


def gguf_dtype() -> Any:
    import numpy as np

    return np.dtype(np.float32)
