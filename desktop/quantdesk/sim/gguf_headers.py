"""Real GGUF header bytes for simulated model variants (header, KVs, tensor infos; no weights).

The simulated registry serves these as the first bytes of a blob, so a ranged header read
against the simulator sees what it would see on the real CDN: the architecture keys, a
tokenizer vocab of the real size (that is what makes real headers megabytes), and a tensor
list in llama.cpp's layout and quant mix (fit-model.md §1). Built with the ``gguf`` package's
own writer so the bytes are what llama.cpp's tools produce; cached because a catalog asks for
the same variant many times.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import gguf
import numpy as np

from quantdesk.core.gguf import DEFAULT_ALIGNMENT, ggml_type_named, tensor_nbytes
from quantdesk.core.quant import parse_quant

# file type -> (most weights, attn_v/ffn_down on "more bits" layers, output, token_embd)
_MIXES: dict[str, tuple[str, str | None, str, str]] = {
    "F32": ("F32", None, "F32", "F32"),
    "F16": ("F16", None, "F16", "F16"),
    "BF16": ("BF16", None, "BF16", "BF16"),
    "Q8_0": ("Q8_0", None, "Q8_0", "Q8_0"),
    "Q6_K": ("Q6_K", None, "Q6_K", "Q6_K"),
    "Q5_K_M": ("Q5_K", "Q6_K", "Q6_K", "Q5_K"),
    "Q5_K_S": ("Q5_K", None, "Q6_K", "Q5_K"),
    "Q5_1": ("Q5_1", None, "Q6_K", "Q5_1"),
    "Q5_0": ("Q5_0", None, "Q6_K", "Q5_0"),
    "Q4_K_M": ("Q4_K", "Q6_K", "Q6_K", "Q4_K"),
    "Q4_K_S": ("Q4_K", None, "Q6_K", "Q4_K"),
    "Q4_1": ("Q4_1", None, "Q6_K", "Q4_1"),
    "Q4_0": ("Q4_0", None, "Q6_K", "Q4_0"),
    "IQ4_NL": ("IQ4_NL", None, "Q6_K", "IQ4_NL"),
    "IQ4_XS": ("IQ4_XS", None, "Q6_K", "IQ4_XS"),
    "Q3_K_L": ("Q3_K", "Q5_K", "Q6_K", "Q3_K"),
    "Q3_K_M": ("Q3_K", "Q4_K", "Q6_K", "Q3_K"),
    "Q3_K_S": ("Q3_K", None, "Q6_K", "Q3_K"),
    "IQ3_M": ("IQ3_S", "IQ4_XS", "Q6_K", "IQ3_S"),
    "IQ3_S": ("IQ3_S", None, "Q6_K", "IQ3_S"),
    "IQ3_XS": ("IQ3_XXS", "IQ3_S", "Q6_K", "IQ3_XXS"),
    "IQ3_XXS": ("IQ3_XXS", None, "Q6_K", "IQ3_XXS"),
    "Q2_K": ("Q2_K", "Q3_K", "Q6_K", "Q2_K"),
    "Q2_K_S": ("Q2_K", None, "Q6_K", "Q2_K"),
    "IQ2_M": ("IQ2_S", "IQ3_S", "Q6_K", "IQ2_S"),
    "IQ2_S": ("IQ2_S", None, "Q6_K", "IQ2_S"),
    "IQ2_XS": ("IQ2_XS", None, "Q6_K", "IQ2_XS"),
    "IQ2_XXS": ("IQ2_XXS", None, "Q6_K", "IQ2_XXS"),
    "IQ1_M": ("IQ1_M", None, "Q6_K", "IQ1_M"),
    "IQ1_S": ("IQ1_S", None, "Q6_K", "IQ1_S"),
    "TQ2_0": ("TQ2_0", None, "Q6_K", "Q4_K"),
    "TQ1_0": ("TQ1_0", None, "Q6_K", "Q4_K"),
    "MXFP4_MOE": ("Q8_0", None, "Q8_0", "Q8_0"),  # experts MXFP4, see _expert_type
    "NVFP4": ("NVFP4", None, "Q6_K", "Q8_0"),
    "Q1_0": ("Q1_0", None, "Q6_K", "Q4_0"),
}
# llama.cpp's fallback when a row is not a whole number of 256-weight blocks.
_ROW_FALLBACK = {"Q2_K": "IQ4_NL", "Q3_K": "IQ4_NL", "Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}
_TIED_BY_DEFAULT = ("gemma",)  # families whose output layer is token_embd
_DEFAULT_VOCAB = 32_000


@dataclass(frozen=True, slots=True)
class PlannedTensor:
    name: str
    dims: tuple[int, ...]  # innermost (row length) first, as GGUF stores them
    type_name: str

    @property
    def nbytes(self) -> int:
        return tensor_nbytes(ggml_type_named(self.type_name), self.dims, name=self.name)


def _frozen(arch: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in sorted(arch.items())
    )


def plan_tensors(
    arch: Mapping[str, Any],
    quant: str,
    *,
    vocab_size: int | None = None,
    tied_embeddings: bool | None = None,
) -> tuple[PlannedTensor, ...]:
    """The tensors a llama.cpp conversion of ``arch`` quantised as ``quant`` would hold."""
    return _plan(_frozen(arch), quant, vocab_size, tied_embeddings)


def gguf_weight_bytes(
    arch: Mapping[str, Any],
    quant: str,
    *,
    vocab_size: int | None = None,
    tied_embeddings: bool | None = None,
) -> int:
    """Size of the data section that follows the header (each tensor padded to alignment)."""
    tensors = _plan(_frozen(arch), quant, vocab_size, tied_embeddings)
    return sum(_pad(t.nbytes) for t in tensors)


def build_gguf_header(
    arch: Mapping[str, Any],
    quant: str,
    *,
    vocab_size: int | None = None,
    tied_embeddings: bool | None = None,
) -> bytes:
    """GGUF v3 header bytes for ``arch`` (``model_info``-style keys) at ``quant``.

    Padded to the data alignment, so header + ``gguf_weight_bytes`` is the blob size.
    ``tied_embeddings`` defaults to True for gemma families (no ``output`` tensor).
    """
    return _build(_frozen(arch), quant, vocab_size, tied_embeddings)


def _pad(n: int) -> int:
    return -(-n // DEFAULT_ALIGNMENT) * DEFAULT_ALIGNMENT


def _layer_value(value: Any, layer: int) -> int:
    return int(value[layer]) if isinstance(value, tuple) else int(value)


def _more_bits(layer: int, n_layers: int) -> bool:
    eighth = n_layers // 8
    return layer < eighth or layer >= 7 * n_layers // 8 or (layer - eighth) % 3 == 2


def _fit_rows(type_name: str, row: int) -> str:
    kind = ggml_type_named(type_name)
    if row % kind.block == 0:
        return type_name
    fallback = _ROW_FALLBACK.get(type_name, "Q8_0")
    return fallback if row % ggml_type_named(fallback).block == 0 else "F16"


@lru_cache(maxsize=256)
def _plan(
    arch_items: tuple[tuple[str, Any], ...],
    quant: str,
    vocab_size: int | None,
    tied: bool | None,
) -> tuple[PlannedTensor, ...]:
    arch = dict(arch_items)
    level = parse_quant(quant)
    if level is None or level.name not in _MIXES:
        raise ValueError(f"no simulated tensor mix for quantization {quant!r}")
    base, more, out_type, embd_type = _MIXES[level.name]
    a = str(arch["general.architecture"])

    def key(name: str, default: Any = None) -> Any:
        return arch.get(f"{a}.{name}", default)

    n_layers = int(key("block_count"))
    n_embd = int(key("embedding_length"))
    n_ff = int(key("feed_forward_length"))
    n_vocab = int(vocab_size or key("vocab_size", _DEFAULT_VOCAB))
    n_expert = int(key("expert_count", 0) or 0)
    n_ff_exp = int(key("expert_feed_forward_length", n_ff))
    n_dense = int(key("leading_dense_block_count", 0) or 0)
    is_tied = tied if tied is not None else a.startswith(_TIED_BY_DEFAULT)
    expert_type = "MXFP4" if level.name == "MXFP4_MOE" else None

    out: list[PlannedTensor] = []

    def add(name: str, dims: tuple[int, ...], type_name: str) -> None:
        t = type_name if len(dims) == 1 and type_name == "F32" else _fit_rows(type_name, dims[0])
        out.append(PlannedTensor(name, dims, t))

    add("token_embd.weight", (n_embd, n_vocab), out_type if is_tied else embd_type)
    for i in range(n_layers):
        heads = _layer_value(key("attention.head_count"), i)
        heads_kv = _layer_value(key("attention.head_count_kv", heads), i)
        k_len = int(key("attention.key_length", n_embd // max(heads, 1)))
        v_len = int(key("attention.value_length", n_embd // max(heads, 1)))
        wide = more if more and _more_bits(i, n_layers) else base
        p = f"blk.{i}."
        add(p + "attn_norm.weight", (n_embd,), "F32")
        add(p + "attn_q.weight", (n_embd, heads * k_len), base)
        add(p + "attn_k.weight", (n_embd, heads_kv * k_len), base)
        add(p + "attn_v.weight", (n_embd, heads_kv * v_len), wide)
        add(p + "attn_output.weight", (heads * v_len, n_embd), base)
        if a.startswith("qwen2"):
            widths = {"q": heads * k_len, "k": heads_kv * k_len, "v": heads_kv * v_len}
            for part, width in widths.items():
                add(p + f"attn_{part}.bias", (width,), "F32")
        add(p + "ffn_norm.weight", (n_embd,), "F32")
        if n_expert and i >= n_dense:
            exp = expert_type or base
            add(p + "ffn_gate_inp.weight", (n_embd, n_expert), "F32")
            add(p + "ffn_gate_exps.weight", (n_embd, n_ff_exp, n_expert), exp)
            add(p + "ffn_up_exps.weight", (n_embd, n_ff_exp, n_expert), exp)
            add(p + "ffn_down_exps.weight", (n_ff_exp, n_embd, n_expert), expert_type or wide)
            shared = int(key("expert_shared_count", 0) or 0)
            if shared:
                add(p + "ffn_gate_shexp.weight", (n_embd, n_ff_exp * shared), base)
                add(p + "ffn_up_shexp.weight", (n_embd, n_ff_exp * shared), base)
                add(p + "ffn_down_shexp.weight", (n_ff_exp * shared, n_embd), wide)
        else:
            add(p + "ffn_gate.weight", (n_embd, n_ff), base)
            add(p + "ffn_up.weight", (n_embd, n_ff), base)
            add(p + "ffn_down.weight", (n_ff, n_embd), wide)
    add("output_norm.weight", (n_embd,), "F32")
    if not is_tied:
        add("output.weight", (n_embd, n_vocab), out_type)
    return tuple(out)


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
    arch_items: tuple[tuple[str, Any], ...],
    quant: str,
    vocab_size: int | None,
    tied: bool | None,
) -> bytes:
    tensors = _plan(arch_items, quant, vocab_size, tied)
    arch = dict(arch_items)
    a = str(arch["general.architecture"])
    level = parse_quant(quant)
    assert level is not None  # _plan rejected unknown names
    n_vocab = next(t.dims[1] for t in tensors if t.name == "token_embd.weight")
    with tempfile.TemporaryDirectory(prefix="quantdesk-gguf-") as tmp:
        path = Path(tmp) / "header.gguf"
        w = gguf.GGUFWriter(path, a)
        for key, value in arch_items:
            if key != "general.architecture":
                _write_kv(w, key, value)
        w.add_file_type(level.file_type)
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
        w.add_tokenizer_model("gpt2")
        tokens = _vocab(n_vocab)
        w.add_token_list(tokens)
        token_types = [3] * min(n_vocab, 256) + [1] * (n_vocab - min(n_vocab, 256))
        w.add_key_value(
            "tokenizer.ggml.token_type",
            token_types,
            gguf.GGUFValueType.ARRAY,
            sub_type=gguf.GGUFValueType.INT32,
        )
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
        for t in tensors:
            w.add_tensor_info(
                t.name,
                tuple(reversed(t.dims)),
                np.dtype(np.float32),
                t.nbytes,
                raw_dtype=gguf.GGMLQuantizationType[t.type_name],
            )
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_ti_data_to_file()
        w.close()
        data = path.read_bytes()
    return data + bytes(_pad(len(data)) - len(data))
