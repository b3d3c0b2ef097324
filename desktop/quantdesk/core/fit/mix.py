"""Which ggml type each tensor of a quantized file uses, and the tensors a shape implies.

A file type such as Q4_K_M is a mix (llama.cpp ``llama-quant.cpp``): the output matrix is kept
at Q6_K, some ``attn_v``/``ffn_down`` layers get more bits, norms stay F32, and rows whose
length is not a multiple of 256 cannot use k-quants and fall back to a 32-wide format.
With only a shape and a file type we can therefore rebuild every layer's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from quantdesk.core.architecture import Architecture
from quantdesk.core.gguf.type_tables import block_size, tensor_bytes

_BASE = {
    "F32": "F32",
    "F16": "F16",
    "BF16": "BF16",
    "Q8_0": "Q8_0",
    "Q6_K": "Q6_K",
    "Q5_K_M": "Q5_K",
    "Q5_K_S": "Q5_K",
    "Q5_0": "Q5_0",
    "Q5_1": "Q5_1",
    "Q4_K_M": "Q4_K",
    "Q4_K_S": "Q4_K",
    "Q4_0": "Q4_0",
    "Q4_1": "Q4_1",
    "Q3_K_L": "Q3_K",
    "Q3_K_M": "Q3_K",
    "Q3_K_S": "Q3_K",
    "Q2_K": "Q2_K",
    "Q2_K_S": "Q2_K",
    "IQ4_XS": "IQ4_XS",
    "IQ4_NL": "IQ4_NL",
    "IQ3_M": "IQ3_S",
    "IQ3_S": "IQ3_S",
    "IQ3_XS": "IQ3_S",
    "IQ3_XXS": "IQ3_XXS",
    "IQ2_M": "IQ2_S",
    "IQ2_S": "IQ2_S",
    "IQ2_XS": "IQ2_XS",
    "IQ2_XXS": "IQ2_XXS",
    "IQ1_M": "IQ1_M",
    "IQ1_S": "IQ1_S",
    "TQ1_0": "TQ1_0",
    "TQ2_0": "TQ2_0",
    "MXFP4_MOE": "BF16",
}
_FLOAT = ("F32", "F16", "BF16")
_TINY_IQ = ("IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ3_XXS", "IQ1_S", "IQ1_M")
# k-quant / i-quant -> what llama.cpp uses when a row is not a multiple of 256
_FALLBACK = {"Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}


@dataclass(frozen=True, slots=True)
class SynthTensor:
    role: str  # "attn_v", "ffn_down", "norm", "token_embd", "output" ...
    shape: tuple[int, ...]  # GGUF order: ne[0] is the row length


def _more_bits(i: int, n: int) -> bool:
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def choose_type(ftype: str, role: str, i: int, n: int, arch: Architecture, row: int) -> str:
    """The ggml type llama.cpp's quantizer gives tensor ``role`` of layer ``i`` of ``n``."""
    ftype = ftype.upper()
    base = _BASE.get(ftype, "Q8_0")
    if role == "norm":
        return "F32"
    if ftype in _FLOAT:
        return base
    kind = _choose(ftype, base, role, i, n, arch)
    if block_size(kind) == 256 and row % 256:
        return _FALLBACK.get(kind, "IQ4_NL")
    return kind


def _choose(ftype: str, base: str, role: str, i: int, n: int, arch: Architecture) -> str:
    eight_experts = arch.expert_count == 8
    gqa = arch.head_count_max // max(arch.head_count_kv_min, 1)
    if role == "output":
        if ftype == "Q8_0":
            return "Q8_0"
        return "Q5_K" if ftype in _TINY_IQ else "Q6_K"
    if role == "token_embd":
        if ftype in ("IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ1_M"):
            return "Q2_K"
        return "IQ3_S" if ftype in ("IQ2_S", "IQ2_M", "IQ3_XXS") else base
    if ftype == "MXFP4_MOE" and role in ("ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"):
        return "MXFP4"
    if role == "attn_k" and eight_experts:
        return "Q8_0"
    if role == "attn_v":
        if eight_experts:
            return "Q8_0"
        rules = {
            "Q2_K": "Q4_K" if gqa >= 4 else "Q3_K",
            "Q3_K_M": "Q5_K" if i < 2 else "Q4_K",
            "Q3_K_L": "Q5_K",
        }
        if ftype in rules:
            return rules[ftype]
        if ftype in ("IQ4_NL", "IQ4_XS") and gqa >= 4:
            return "Q5_K"
        if ftype in ("Q4_K_M", "Q5_K_M") and _more_bits(i, n):
            return "Q6_K"
        if ftype == "Q4_K_S" and i < 4:
            return "Q5_K"
        return base
    if role == "attn_output":
        if eight_experts and ftype in ("Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "IQ4_XS"):
            return "Q5_K"
        return {"Q2_K": "Q3_K", "Q3_K_M": "Q4_K", "Q3_K_L": "Q5_K", "IQ3_M": "Q4_K"}.get(
            ftype, base
        )
    if role in ("ffn_down", "ffn_down_exps"):
        return _ffn_down(ftype, base, i, n)
    return base


def _ffn_down(ftype: str, base: str, i: int, n: int) -> str:
    early = i < n // 8
    if ftype == "Q2_K":
        return "Q3_K"
    if ftype == "Q2_K_S":
        return "Q4_K" if early else base
    if ftype == "Q3_K_M":
        return "Q5_K" if i < n // 16 else "Q4_K"
    if ftype == "Q3_K_L":
        return "Q5_K"
    if ftype in ("Q4_K_M", "Q5_K_M") and _more_bits(i, n):
        return "Q6_K"
    if ftype in ("Q4_K_S", "IQ4_NL", "IQ4_XS") and early:
        return "Q5_K"
    return base


def block_tensors(arch: Architecture, i: int) -> list[SynthTensor]:
    """The tensors of repeating layer ``i`` implied by the shape (llama-style naming)."""
    e, h, hkv = arch.embedding_length, arch.head_count[i], arch.head_count_kv[i]
    k, v = arch.key_length, arch.value_length
    out = [SynthTensor("norm", (e,)), SynthTensor("norm", (e,))]
    if hkv == 0 and arch.ssm_inner_size:
        inner, groups, state = arch.ssm_inner_size, arch.ssm_group_count, arch.ssm_state_size
        out += [
            SynthTensor("ssm_in", (e, 2 * inner + 2 * groups * state)),
            SynthTensor("ssm_out", (inner, e)),
        ]
    elif arch.kv_lora_rank:
        rope, lora = arch.rope_dimension_count, arch.kv_lora_rank
        if arch.q_lora_rank:
            out += [
                SynthTensor("attn_q", (e, arch.q_lora_rank)),
                SynthTensor("attn_q", (arch.q_lora_rank, h * k)),
            ]
        else:
            out.append(SynthTensor("attn_q", (e, h * k)))
        out += [
            SynthTensor("attn_k", (e, lora + rope)),
            SynthTensor("attn_v", (lora, h * (k - rope + v))),
            SynthTensor("attn_output", (h * v, e)),
        ]
    else:
        out += [
            SynthTensor("attn_q", (e, max(h, 1) * k)),
            SynthTensor("attn_k", (e, max(hkv, 1) * k)),
            SynthTensor("attn_v", (e, max(hkv, 1) * v)),
            SynthTensor("attn_output", (max(h, 1) * v, e)),
        ]
    if arch.expert_count and i >= arch.leading_dense_block_count:
        ne = arch.expert_count
        fe = arch.expert_feed_forward_length or arch.feed_forward_length[i]
        out += [
            SynthTensor("norm", (e, ne)),  # router: kept F32
            SynthTensor("ffn_gate_exps", (e, fe, ne)),
            SynthTensor("ffn_up_exps", (e, fe, ne)),
            SynthTensor("ffn_down_exps", (fe, e, ne)),
        ]
        if arch.expert_shared_count:
            fs = fe * arch.expert_shared_count
            out += [
                SynthTensor("ffn_gate", (e, fs)),
                SynthTensor("ffn_up", (e, fs)),
                SynthTensor("ffn_down", (fs, e)),
            ]
    else:
        f = arch.feed_forward_length[i]
        out += [
            SynthTensor("ffn_gate", (e, f)),
            SynthTensor("ffn_up", (e, f)),
            SynthTensor("ffn_down", (f, e)),
        ]
    return out


def block_bytes(arch: Architecture, ftype: str, i: int) -> int:
    total = 0
    for t in block_tensors(arch, i):
        kind = choose_type(ftype, t.role, i, arch.block_count, arch, t.shape[0])
        total += tensor_bytes(kind, t.shape)
    return total


def embedding_bytes(arch: Architecture, ftype: str) -> tuple[int, int]:
    """(output layer bytes incl. output_norm, token_embd bytes when untied else 0)."""
    e, vocab = arch.embedding_length, arch.vocab_size
    norm = tensor_bytes("F32", (e,))
    if arch.tied_embeddings:
        kind = choose_type(ftype, "output", 0, arch.block_count, arch, e)
        return tensor_bytes(kind, (e, vocab)) + norm, 0
    out_kind = choose_type(ftype, "output", 0, arch.block_count, arch, e)
    embd_kind = choose_type(ftype, "token_embd", 0, arch.block_count, arch, e)
    return tensor_bytes(out_kind, (e, vocab)) + norm, tensor_bytes(embd_kind, (e, vocab))


def count_parameters(arch: Architecture) -> int:
    """Weights the shape implies (text model only), used to tell tied from untied outputs."""
    total = 0
    for i in range(arch.block_count):
        for t in block_tensors(arch, i):
            n = 1
            for d in t.shape:
                n *= d
            total += n
    matrices = 1 if arch.tied_embeddings else 2
    return total + matrices * arch.vocab_size * arch.embedding_length + arch.embedding_length


def vision_bytes(arch: Architecture) -> int:
    """F16 vision tower (ViT blocks: q, k, v, out projections and a two-matrix MLP) + merger."""
    if not arch.has_vision:
        return 0
    ev, fv = arch.vision_embedding_length, arch.vision_feed_forward_length
    per_block = 4 * ev * ev + 2 * ev * fv
    merger = 4 * ev * 4 * ev + 4 * ev * arch.embedding_length
    return 2 * (arch.vision_block_count * per_block + merger)
