"""The tensors of a simulated model file: llama.cpp's names and shapes, typed by its quantizer.

One plan serves every place the simulator shows weights — ``/api/show`` ``tensors``, the GGUF
headers the simulated registry serves, the sizes the catalog is built from and the memory a
loaded model takes — so the sum of the tensors is the blob size less its header, to the byte.

Shapes are GGUF ``ne`` order, innermost (row length) first: ``attn_q`` of a llama is
``[n_embd, n_head × head_dim]``. Per-layer values (``head_count_kv`` of a hybrid such as lfm2,
0 on its short-convolution layers) give each block its own tensors.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from quantdesk.core.gguf import DEFAULT_ALIGNMENT, ggml_type_named, tensor_nbytes
from quantdesk.core.quant import parse_quant
from quantdesk.sim.quantizer import ModelFacts, assign_types

_TIED_BY_DEFAULT = ("gemma",)  # families whose output layer is token_embd
_DEFAULT_VOCAB = 32_000


class PlannedTensor(NamedTuple):
    # A tuple of atomic values, which CPython's collector stops tracking: the catalog's plans
    # are ~40,000 of these and must not lengthen the GC pauses of an app that hosts the
    # simulator in its own process (``make demo``).
    name: str
    dims: tuple[int, ...]  # innermost (row length) first, as GGUF stores them
    type_name: str

    @property
    def nbytes(self) -> int:
        return tensor_nbytes(ggml_type_named(self.type_name), self.dims, name=self.name)

    @property
    def padded(self) -> int:
        """Bytes in the file's data section: each tensor starts on the alignment."""
        return pad(self.nbytes)


def pad(n: int) -> int:
    return -(-n // DEFAULT_ALIGNMENT) * DEFAULT_ALIGNMENT


def frozen(arch: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in sorted(arch.items())
    )


def plan_tensors(
    arch: Mapping[str, Any], quant: str, *, vocab_size: int | None = None,
    tied_embeddings: bool | None = None,
) -> tuple[PlannedTensor, ...]:
    """The tensors a llama.cpp conversion of ``arch`` quantised as ``quant`` would hold."""
    return plan(frozen(arch), quant, vocab_size, tied_embeddings)


def data_bytes(tensors: tuple[PlannedTensor, ...]) -> int:
    return sum(t.padded for t in tensors)


def _per_layer(value: Any, layer: int) -> int:
    return int(value[layer]) if isinstance(value, tuple) else int(value)


def _layout(arch: dict[str, Any], n_vocab: int, tied: bool) -> list[tuple[str, tuple[int, ...]]]:
    a = str(arch["general.architecture"])

    def key(name: str, default: Any = None) -> Any:
        return arch.get(f"{a}.{name}", default)

    n_layers, n_embd = int(key("block_count")), int(key("embedding_length"))
    n_ff = key("feed_forward_length")
    n_expert = int(key("expert_count", 0) or 0)
    n_dense = int(key("leading_dense_block_count", 0) or 0)
    out: list[tuple[str, tuple[int, ...]]] = [("token_embd.weight", (n_embd, n_vocab))]
    if a == "nomic-bert":
        out += [("token_types.weight", (n_embd, 2)), ("token_embd_norm.weight", (n_embd,)),
                ("token_embd_norm.bias", (n_embd,))]
    for i in range(n_layers):
        p = f"blk.{i}."
        heads = _per_layer(key("attention.head_count"), i)
        heads_kv = _per_layer(key("attention.head_count_kv", heads), i)
        k_len = int(key("attention.key_length", n_embd // max(heads, 1)))
        v_len = int(key("attention.value_length", n_embd // max(heads, 1)))
        ff = _per_layer(n_ff, i)
        if a == "nomic-bert":
            out += [(p + "attn_qkv.weight", (n_embd, 3 * n_embd)),
                    (p + "attn_output.weight", (n_embd, n_embd)),
                    (p + "attn_output_norm.weight", (n_embd,)),
                    (p + "attn_output_norm.bias", (n_embd,)),
                    (p + "ffn_up.weight", (n_embd, ff)), (p + "ffn_gate.weight", (n_embd, ff)),
                    (p + "ffn_down.weight", (ff, n_embd)),
                    (p + "layer_output_norm.weight", (n_embd,)),
                    (p + "layer_output_norm.bias", (n_embd,))]
            continue
        out.append((p + "attn_norm.weight", (n_embd,)))
        if a == "lfm2" and heads_kv == 0:  # a short-convolution layer: no attention
            l_cache = int(key("shortconv.l_cache", 3))
            out += [(p + "shortconv.conv.weight", (l_cache, n_embd)),
                    (p + "shortconv.in_proj.weight", (n_embd, 3 * n_embd)),
                    (p + "shortconv.out_proj.weight", (n_embd, n_embd))]
        else:
            out += [(p + "attn_q.weight", (n_embd, heads * k_len)),
                    (p + "attn_k.weight", (n_embd, heads_kv * k_len)),
                    (p + "attn_v.weight", (n_embd, heads_kv * v_len)),
                    (p + "attn_output.weight", (heads * v_len, n_embd))]
            if a.startswith("qwen2"):
                out += [(p + "attn_q.bias", (heads * k_len,)),
                        (p + "attn_k.bias", (heads_kv * k_len,)),
                        (p + "attn_v.bias", (heads_kv * v_len,))]
            if a in ("qwen3", "lfm2", "gemma3"):
                out += [(p + "attn_q_norm.weight", (k_len,)), (p + "attn_k_norm.weight", (k_len,))]
        if a.startswith("gemma2") or a.startswith("gemma3"):
            out.append((p + "post_attention_norm.weight", (n_embd,)))
        out.append((p + "ffn_norm.weight", (n_embd,)))
        if n_expert and i >= n_dense:
            ff_exp = int(key("expert_feed_forward_length", ff))
            out += [(p + "ffn_gate_inp.weight", (n_embd, n_expert)),
                    (p + "ffn_gate_exps.weight", (n_embd, ff_exp, n_expert)),
                    (p + "ffn_up_exps.weight", (n_embd, ff_exp, n_expert)),
                    (p + "ffn_down_exps.weight", (ff_exp, n_embd, n_expert))]
            shared = int(key("expert_shared_count", 0) or 0)
            if shared:
                out += [(p + "ffn_gate_shexp.weight", (n_embd, ff_exp * shared)),
                        (p + "ffn_up_shexp.weight", (n_embd, ff_exp * shared)),
                        (p + "ffn_down_shexp.weight", (ff_exp * shared, n_embd))]
        else:
            out += [(p + "ffn_gate.weight", (n_embd, ff)), (p + "ffn_up.weight", (n_embd, ff)),
                    (p + "ffn_down.weight", (ff, n_embd))]
        if a.startswith("gemma2") or a.startswith("gemma3"):
            out.append((p + "post_ffw_norm.weight", (n_embd,)))
    if a == "nomic-bert":
        return out
    # lfm2 names its final norm after the embeddings (llama.cpp LLM_TENSOR_TOKEN_EMBD_NORM).
    out.append(("token_embd_norm.weight" if a == "lfm2" else "output_norm.weight", (n_embd,)))
    if not tied:
        out.append(("output.weight", (n_embd, n_vocab)))
    rope_dims = int(key("rope.dimension_count", 0) or 0)
    if a == "llama" and n_vocab == 128256 and int(key("context_length", 0) or 0) > 8192:
        # llama 3.1+ "llama3" rope scaling (convert/convert_llama.go writes rope_freqs)
        out.append(("rope_freqs.weight", ((rope_dims or n_embd // int(key("attention.head_count")))
                                          // 2,)))
    return out


@lru_cache(maxsize=512)
def plan(
    arch_items: tuple[tuple[str, Any], ...], quant: str, vocab_size: int | None,
    tied: bool | None,
) -> tuple[PlannedTensor, ...]:
    arch = dict(arch_items)
    level = parse_quant(quant)
    if level is None:
        raise ValueError(f"no simulated tensor mix for quantization {quant!r}")
    a = str(arch["general.architecture"])
    n_vocab = int(vocab_size or arch.get(f"{a}.vocab_size") or _DEFAULT_VOCAB)
    is_tied = tied if tied is not None else a.startswith(_TIED_BY_DEFAULT)
    layout = _layout(arch, n_vocab, is_tied)
    heads = arch.get(f"{a}.attention.head_count", 1)
    kv = arch.get(f"{a}.attention.head_count_kv", heads)
    h = max(heads) if isinstance(heads, tuple) else int(heads)
    kv_attn = [x for x in kv if x] if isinstance(kv, tuple) else [int(kv)]
    facts = ModelFacts(a, h // max(min(kv_attn or [1]), 1),
                       int(arch.get(f"{a}.expert_count", 0) or 0))
    types = assign_types(level.name, layout, facts)
    return tuple(PlannedTensor(n, d, t) for (n, d), t in zip(layout, types, strict=True))
