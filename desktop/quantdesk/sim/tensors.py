"""A plausible GGUF tensor list for a variant, as /api/show returns it.

Names and shapes follow llama.cpp's layout (``blk.N.attn_q.weight`` with shape
``[n_embd, n_head × head_dim]``, input dimension first). Types follow the file type's mix the
way llama.cpp's quantizer assigns them: Q4_K_M keeps ``attn_v`` and ``ffn_down`` of the first
and last eighth of the layers and every third layer in between at Q6_K, the output at Q6_K,
norms at F32, and so on.
"""

from __future__ import annotations

from typing import Any

from quantdesk.sim.catalog import Variant

# file type -> (base, more-bits attn_v/ffn_down, other attn_v/ffn_down, output)
_MIX: dict[str, tuple[str, str, str, str]] = {
    "Q2_K": ("Q2_K", "Q4_K", "Q3_K", "Q6_K"),
    "Q3_K_S": ("Q3_K", "Q4_K", "Q3_K", "Q6_K"),
    "Q3_K_M": ("Q3_K", "Q5_K", "Q4_K", "Q6_K"),
    "Q3_K_L": ("Q3_K", "Q5_K", "Q5_K", "Q6_K"),
    "Q4_K_S": ("Q4_K", "Q5_K", "Q4_K", "Q6_K"),
    "Q4_K_M": ("Q4_K", "Q6_K", "Q4_K", "Q6_K"),
    "Q5_K_S": ("Q5_K", "Q5_K", "Q5_K", "Q6_K"),
    "Q5_K_M": ("Q5_K", "Q6_K", "Q5_K", "Q6_K"),
    "Q6_K": ("Q6_K", "Q6_K", "Q6_K", "Q6_K"),
}


def _more_bits(i: int, n: int) -> bool:
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def tensor_types(quant: str) -> tuple[str, str, str, str]:
    """(base, more-bits, other attn_v/ffn_down, output) tensor types of a file type."""
    if quant in _MIX:
        return _MIX[quant]
    if quant in ("F16", "BF16", "F32"):
        return (quant,) * 4
    # Legacy formats (Q4_0, Q5_1, Q8_0 …) quantize everything alike except the output.
    out = "Q8_0" if quant == "Q8_0" else "Q6_K"
    return quant, quant, quant, out


def tensors(v: Variant) -> list[dict[str, Any]]:
    n, e = v.block_count, v.embedding_length
    heads = int(v.arch("attention.head_count"))
    kv_heads = int(v.arch("attention.head_count_kv", heads))
    k = int(v.arch("attention.key_length", e // heads))
    val = int(v.arch("attention.value_length", e // heads))
    ff = int(v.arch("feed_forward_length"))
    vocab = int(v.arch("vocab_size", 32000))
    base, more, other, out_type = tensor_types(v.quant.name)
    norm = "F32"
    biased = v.architecture == "qwen2"
    out: list[dict[str, Any]] = [{"name": "token_embd.weight", "type": base, "shape": [e, vocab]}]
    for i in range(n):
        vd = more if _more_bits(i, n) else other
        p = f"blk.{i}."
        out += [
            {"name": p + "attn_norm.weight", "type": norm, "shape": [e]},
            {"name": p + "attn_q.weight", "type": base, "shape": [e, heads * k]},
            {"name": p + "attn_k.weight", "type": base, "shape": [e, kv_heads * k]},
            {"name": p + "attn_v.weight", "type": vd, "shape": [e, kv_heads * val]},
            {"name": p + "attn_output.weight", "type": base, "shape": [heads * val, e]},
        ]
        if biased:
            out += [
                {"name": p + "attn_q.bias", "type": norm, "shape": [heads * k]},
                {"name": p + "attn_k.bias", "type": norm, "shape": [kv_heads * k]},
                {"name": p + "attn_v.bias", "type": norm, "shape": [kv_heads * val]},
            ]
        out += [
            {"name": p + "ffn_norm.weight", "type": norm, "shape": [e]},
            {"name": p + "ffn_gate.weight", "type": base, "shape": [e, ff]},
            {"name": p + "ffn_up.weight", "type": base, "shape": [e, ff]},
            {"name": p + "ffn_down.weight", "type": vd, "shape": [ff, e]},
        ]
    out.append({"name": "output_norm.weight", "type": norm, "shape": [e]})
    if not v.tied_embeddings:
        out.append({"name": "output.weight", "type": out_type, "shape": [e, vocab]})
    if v.architecture == "llama" and v.context_length > 8192:  # llama 3.1+ rope scaling
        out.append({"name": "rope_freqs.weight", "type": norm, "shape": [k // 2]})
    return out
