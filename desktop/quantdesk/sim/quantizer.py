"""The ggml type llama.cpp's quantizer gives each tensor of a file type (``llama-quant.cpp``).

Written from ``llama_tensor_get_type`` and ``llama_model_quantize_impl`` (ggml-org/llama.cpp),
for the tensor names the simulator's models carry, independently of ``core/fit/mix.py`` so a
mistake in one shows against the other:

- 1-D tensors (norms, biases), the MoE router (``ffn_gate_inp``) and the short-convolution
  kernel are never quantized: F32.
- ``output.weight`` — or ``token_embd.weight`` when there is no output tensor (tied
  embeddings) — becomes Q6_K unless the file is Q8_0 (then Q8_0), or Q8_0 when its rows are not
  a whole number of blocks. This is why a tied Q4_K_M model's embedding is Q6_K.
- ``token_embd.weight`` with a separate output keeps the base type, except the tiny i-quants.
- ``attn_v``/``ffn_down`` get more bits on "more-bits" layers (first and last eighth, every
  third in between) for Q4_K_M/Q5_K_M, and the other per-type bumps listed in ``_attn_v`` etc.
- A k-quant whose row length is not a multiple of 256 falls back (Q4_K → Q5_0, Q5_K → Q5_1,
  Q6_K → Q8_0, the 2/3-bit formats → IQ4_NL).

Layer indices for the "more bits" rule count the tensors of that kind (``i_attention_wv`` over
``n_attention_wv``), not block numbers, so a hybrid model with six attention layers applies the
rule over those six.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# file type -> the type most weights get (llama_model_quantize_impl's default_type)
BASE: dict[str, str] = {
    "F32": "F32", "F16": "F16", "BF16": "BF16", "Q8_0": "Q8_0", "Q6_K": "Q6_K",
    "Q5_K_M": "Q5_K", "Q5_K_S": "Q5_K", "Q5_1": "Q5_1", "Q5_0": "Q5_0",
    "Q4_K_M": "Q4_K", "Q4_K_S": "Q4_K", "Q4_1": "Q4_1", "Q4_0": "Q4_0",
    "Q3_K_L": "Q3_K", "Q3_K_M": "Q3_K", "Q3_K_S": "Q3_K", "Q2_K": "Q2_K", "Q2_K_S": "Q2_K",
    "IQ4_NL": "IQ4_NL", "IQ4_XS": "IQ4_XS", "IQ3_M": "IQ3_S", "IQ3_S": "IQ3_S",
    "IQ3_XS": "IQ3_S", "IQ3_XXS": "IQ3_XXS", "IQ2_M": "IQ2_S", "IQ2_S": "IQ2_XS",
    "IQ2_XS": "IQ2_XS", "IQ2_XXS": "IQ2_XXS", "IQ1_M": "IQ1_M", "IQ1_S": "IQ1_S",
    "TQ1_0": "TQ1_0", "TQ2_0": "TQ2_0", "MXFP4_MOE": "MXFP4",
}
_FLOAT = ("F32", "F16", "BF16")
_BLOCK_256 = ("Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS", "IQ2_XXS", "IQ2_XS", "IQ2_S",
              "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "TQ1_0", "TQ2_0")
_INCOMPATIBLE = {"Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0", "TQ1_0": "Q4_0",
                 "TQ2_0": "Q4_0"}  # everything else in _BLOCK_256 -> IQ4_NL
_NOT_QUANTIZED = ("ffn_gate_inp.weight", "shortconv.conv.weight", "_norm.weight", "rope_freqs")


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What the rules look at besides the tensor itself."""

    arch: str
    n_gqa: int  # head_count / head_count_kv (of the attention layers)
    n_expert: int = 0


def use_more_bits(i: int, n: int) -> bool:
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def _attn_v(ftype: str, t: str, i: int, n: int, facts: ModelFacts) -> str:
    gqa = facts.n_gqa
    if ftype == "Q2_K":
        t = "Q4_K" if gqa >= 4 else "Q3_K"
    elif ftype == "Q2_K_S" and gqa >= 4:
        t = "Q4_K"
    elif ftype == "IQ3_XXS":
        t = "Q4_K" if gqa >= 4 else "IQ3_S"
    elif (ftype in ("IQ3_XS", "IQ3_S") and gqa >= 4) or ftype == "IQ3_M":
        t = "Q4_K"
    elif ftype == "Q3_K_M":
        t = "Q5_K" if i < 2 else "Q4_K"
    elif ftype == "Q3_K_L" or (ftype in ("IQ4_NL", "IQ4_XS") and gqa >= 4):
        t = "Q5_K"
    elif ftype in ("Q4_K_M", "Q5_K_M") and use_more_bits(i, n):
        t = "Q6_K"
    elif ftype == "Q4_K_S" and i < 4:
        t = "Q5_K"
    if facts.n_expert == 8:
        t = "Q8_0"
    return t


def _ffn_down(ftype: str, t: str, i: int, n: int, facts: ModelFacts) -> str:
    falcon = facts.arch == "falcon"
    if ftype == "Q2_K":
        return "Q3_K"
    if ftype == "Q2_K_S":
        return "Q4_K" if i < n // 8 else t
    if ftype == "IQ3_XXS":  # no importance matrix in the simulated files
        return "Q4_K" if i < n // 8 else "Q3_K"
    if ftype == "Q3_K_M":
        if i < n // 16:
            return "Q5_K"
        return "Q4_K" if not falcon or use_more_bits(i, n) else "Q3_K"
    if ftype == "IQ3_M" and (i < n // 8 or (facts.n_expert == 8 and use_more_bits(i, n))):
        return "Q4_K"
    if ftype == "Q3_K_L":
        return "Q4_K" if falcon else "Q5_K"
    if ftype == "Q4_K_M":
        if falcon:
            return "Q6_K" if i < n // 16 else "Q5_K" if use_more_bits(i, n) else "Q4_K"
        return "Q6_K" if use_more_bits(i, n) else t
    if ftype in ("IQ4_NL", "IQ4_XS") and i < n // 8:
        return "Q5_K"
    if ftype == "Q5_K_M" and use_more_bits(i, n):
        return "Q6_K"
    if ftype == "Q4_K_S" and not falcon and i < n // 8:
        return "Q5_K"
    return t


_EIGHT_EXPERT_ATTN_OUT = ("Q2_K", "IQ3_XS", "IQ3_XXS", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S",
                          "Q4_K_M", "IQ3_S", "IQ3_M", "IQ4_XS")


def _attn_output(ftype: str, t: str, facts: ModelFacts) -> str:
    if facts.arch == "falcon":
        return "Q4_K" if ftype == "Q3_K_L" else t
    if facts.n_expert == 8:
        return "Q5_K" if ftype in _EIGHT_EXPERT_ATTN_OUT else t
    return {"Q2_K": "Q3_K", "IQ3_XXS": "IQ3_S", "Q3_K_M": "Q4_K", "Q3_K_L": "Q5_K",
            "IQ3_M": "Q4_K"}.get(ftype, t)


def _output(ftype: str, t: str, row: int) -> str:
    if ftype == "MXFP4_MOE":
        return "Q8_0"
    if row % (256 if t in _BLOCK_256 else 32):
        return "Q8_0"
    return t if t == "Q8_0" else "Q6_K"


def _token_embd(ftype: str, t: str) -> str:
    if ftype in ("IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ1_M"):
        return "Q2_K"
    if ftype in ("IQ2_S", "IQ2_M", "IQ3_XXS"):
        return "IQ3_S"
    if ftype in ("TQ1_0", "TQ2_0"):
        return "Q4_K"
    return t


def _fit_row(t: str, row: int) -> str:
    if t in _BLOCK_256 and row % 256:
        return _INCOMPATIBLE.get(t, "IQ4_NL")
    return t


def assign_types(
    ftype: str, tensors: Sequence[tuple[str, tuple[int, ...]]], facts: ModelFacts
) -> list[str]:
    """The type of each ``(name, dims)`` in file order (dims innermost first, as GGUF stores
    them) for a file of type ``ftype`` ("Q4_K_M")."""
    if ftype not in BASE:
        raise ValueError(f"no quantization rules for file type {ftype!r}")
    base = BASE[ftype]
    has_output = any(name == "output.weight" for name, _ in tensors)
    n_attn_v = sum("attn_v.weight" in name for name, _ in tensors)
    n_ffn_down = sum("ffn_down" in name for name, _ in tensors)
    i_attn_v = i_ffn_down = 0
    out: list[str] = []
    for name, dims in tensors:
        if len(dims) < 2 or any(tag in name for tag in _NOT_QUANTIZED):
            out.append("F32")
            continue
        if ftype in _FLOAT:
            out.append(base)
            continue
        if ftype == "MXFP4_MOE" and "_exps" not in name and not (
            name == "output.weight" or (not has_output and name == "token_embd.weight")
        ):
            out.append("Q8_0")  # MXFP4_MOE: experts MXFP4, every other matrix Q8_0
            continue
        t = base
        if name == "output.weight" or (not has_output and name == "token_embd.weight"):
            out.append(_fit_row(_output(ftype, t, dims[0]), dims[0]))
            continue
        if name == "token_embd.weight":
            t = _token_embd(ftype, t)
        elif "attn_v.weight" in name:
            t = _attn_v(ftype, t, i_attn_v, n_attn_v, facts)
            i_attn_v += 1
        elif "attn_k.weight" in name and facts.n_expert == 8:
            t = "Q8_0"
        elif "ffn_down" in name:
            t = _ffn_down(ftype, t, i_ffn_down, n_ffn_down, facts)
            i_ffn_down += 1
        elif "attn_output.weight" in name:
            t = _attn_output(ftype, t, facts)
        out.append(_fit_row(t, dims[0]))
    return out
