"""Quantization levels: GGUF file types, bits per weight, precision rank and plain words.

Figures are from the GGUF block formats (bytes per block / weights per block) and llama.cpp's
whole-file reference sizes for an 8B llama; a file type such as Q4_K_M is a mix of block
formats, so its effective bits per weight (``file_bpw``) is above its base format (``block_bpw``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QuantLevel:
    name: str  # canonical GGUF file-type name, as /api/tags reports it ("Q4_K_M", "F16")
    file_type: int  # general.file_type id
    block_bpw: float  # bits per weight of the base block format
    file_bpw: float  # typical whole-file bits per weight (mixes keep some tensors wider)
    ppl_delta: float | None  # llama.cpp's perplexity increase vs fp16 on Llama-3-8B, if known
    words: str  # what a user should expect, in plain words

    @property
    def tag_name(self) -> str:
        """The spelling Ollama's library tags use (``q4_K_M``, ``fp16``)."""
        if self.name in ("F16", "F32", "BF16"):
            return {"F16": "fp16", "F32": "fp32", "BF16": "bf16"}[self.name]
        return self.name[0].lower() + self.name[1:]

    @property
    def rank(self) -> float:
        """Orders levels by precision: higher is closer to the original weights."""
        return self.file_bpw


_LEVELS: tuple[QuantLevel, ...] = (
    QuantLevel("F32", 0, 32.0, 32.0, 0.0, "full 32-bit floats; no loss, four times fp16's memory"),
    QuantLevel("F16", 1, 16.0, 16.0, 0.0, "the original weights; the reference for quality"),
    QuantLevel("BF16", 32, 16.0, 16.0, 0.0, "the original weights in bfloat16; reference quality"),
    QuantLevel("Q8_0", 7, 8.5, 8.5, 0.0026, "practically lossless; half of fp16's memory"),
    QuantLevel("Q6_K", 18, 6.5625, 6.56, 0.0217, "near-lossless; a safe choice when it fits"),
    QuantLevel("Q5_1", 9, 6.0, 6.0, 0.1062, "legacy 5-bit; prefer Q5_K_M"),
    QuantLevel("Q5_K_M", 17, 5.5, 5.69, 0.0569, "very small loss; the quality sweet spot"),
    QuantLevel("Q5_K_S", 16, 5.5, 5.52, 0.1049, "small loss; a little smaller than Q5_K_M"),
    QuantLevel("Q5_0", 8, 5.5, 5.5, 0.1316, "legacy 5-bit; prefer Q5_K_S"),
    QuantLevel("Q4_1", 3, 5.0, 5.0, 0.4511, "legacy 4-bit; prefer Q4_K_M"),
    QuantLevel("Q4_K_M", 15, 4.5, 4.89, 0.1754, "balanced; Ollama's default and the usual pick"),
    QuantLevel("Q4_K_S", 14, 4.5, 4.64, 0.2689, "balanced; a bit smaller and weaker than Q4_K_M"),
    QuantLevel("Q4_0", 2, 4.5, 4.55, 0.4685, "legacy 4-bit; noticeable loss, fast on old GPUs"),
    QuantLevel("IQ4_NL", 25, 4.5, 4.5, None, "non-linear 4-bit; good for its size"),
    QuantLevel("IQ4_XS", 30, 4.25, 4.25, None, "compact 4-bit; good for its size"),
    QuantLevel("MXFP4_MOE", 38, 4.25, 4.25, None, "4-bit floats for mixture-of-experts weights"),
    QuantLevel("NVFP4", 39, 4.5, 4.5, None, "NVIDIA 4-bit floats"),
    QuantLevel("Q3_K_L", 13, 3.4375, 4.27, 0.5562, "clear loss; only when 4-bit will not fit"),
    QuantLevel("Q3_K_M", 12, 3.4375, 3.97, 0.6569, "clear loss; only when 4-bit will not fit"),
    QuantLevel("Q3_K_S", 11, 3.4375, 3.64, 1.6321, "large loss; a last resort"),
    QuantLevel("IQ3_M", 27, 3.4375, 3.66, None, "3-bit mix; large loss"),
    QuantLevel("IQ3_S", 26, 3.4375, 3.44, None, "3-bit; large loss"),
    QuantLevel("IQ3_XS", 22, 3.3, 3.3, None, "3-bit; large loss"),
    QuantLevel("IQ3_XXS", 23, 3.0625, 3.06, None, "3-bit; large loss"),
    QuantLevel("Q2_K", 10, 2.625, 3.15, 3.5199, "severe loss; experiments only"),
    QuantLevel("Q2_K_S", 21, 2.625, 2.96, 3.1836, "severe loss; experiments only"),
    QuantLevel("IQ2_M", 29, 2.5625, 2.7, None, "2-bit mix; severe loss"),
    QuantLevel("IQ2_S", 28, 2.5625, 2.5, None, "2-bit; severe loss"),
    QuantLevel("IQ2_XS", 20, 2.3125, 2.31, None, "2-bit; severe loss"),
    QuantLevel("IQ2_XXS", 19, 2.0625, 2.06, None, "2-bit; severe loss"),
    QuantLevel("TQ2_0", 37, 2.06, 2.06, None, "ternary; only for models trained for it"),
    QuantLevel("IQ1_M", 31, 1.75, 1.75, None, "1-bit mix; barely usable"),
    QuantLevel("TQ1_0", 36, 1.69, 1.69, None, "ternary; only for models trained for it"),
    QuantLevel("IQ1_S", 24, 1.5625, 1.56, None, "1-bit; barely usable"),
    QuantLevel("Q1_0", 40, 1.125, 1.125, None, "1-bit; barely usable"),
)

_BY_NAME: dict[str, QuantLevel] = {lvl.name: lvl for lvl in _LEVELS}
_BY_FILE_TYPE: dict[int, QuantLevel] = {lvl.file_type: lvl for lvl in _LEVELS}
_ALIASES = {"FP16": "F16", "FP32": "F32", "Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M", "Q3_K": "Q3_K_M"}
_TOKEN = re.compile(
    r"(?i)^(?:fp16|fp32|bf16|f16|f32|i?q\d+(?:_[0-9a-z]+)*|tq\d_0|mxfp4_moe|nvfp4)$"
)


def all_levels() -> tuple[QuantLevel, ...]:
    """Every level, highest precision first."""
    return tuple(sorted(_LEVELS, key=lambda lvl: -lvl.rank))


def by_file_type(file_type: int) -> QuantLevel | None:
    return _BY_FILE_TYPE.get(file_type)


def parse_quant(text: str) -> QuantLevel | None:
    """The level named by ``text`` in any case (``q4_k_m``, ``Q4_K_M``, ``fp16``), else None."""
    key = text.strip().upper()
    key = _ALIASES.get(key, key)
    return _BY_NAME.get(key)


def looks_like_quant(token: str) -> bool:
    """True for a token shaped like a quantization name, known or not (``q4_k_m``, ``iq9_x``)."""
    return bool(_TOKEN.match(token))
