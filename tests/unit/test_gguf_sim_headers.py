"""Simulated GGUF headers: real bytes the reader parses back, llama.cpp's layout and quant mix."""

from __future__ import annotations

from collections import Counter

import pytest

from quantdesk.core.gguf import parse_gguf_bytes
from quantdesk.core.quant import parse_quant
from quantdesk.sim.gguf_headers import (
    build_gguf_header,
    gguf_weight_bytes,
    plan_tensors,
)

# Architectures as model-architectures.json gives them (Ollama /api/show model_info).
LLAMA_8B = {
    "general.architecture": "llama",
    "general.parameter_count": 8030261248,
    "llama.block_count": 32,
    "llama.context_length": 131072,
    "llama.embedding_length": 4096,
    "llama.feed_forward_length": 14336,
    "llama.attention.head_count": 32,
    "llama.attention.head_count_kv": 8,
    "llama.attention.key_length": 128,
    "llama.attention.value_length": 128,
    "llama.rope.dimension_count": 128,
    "llama.vocab_size": 128256,
}
LLAMA_3B = {
    **LLAMA_8B,
    "general.parameter_count": 3212749824,
    "llama.block_count": 28,
    "llama.embedding_length": 3072,
    "llama.feed_forward_length": 8192,
    "llama.attention.head_count": 24,
}
QWEN2_72B = {
    "general.architecture": "qwen2",
    "general.parameter_count": 72706203648,
    "qwen2.block_count": 80,
    "qwen2.context_length": 32768,
    "qwen2.embedding_length": 8192,
    "qwen2.feed_forward_length": 29568,
    "qwen2.attention.head_count": 64,
    "qwen2.attention.head_count_kv": 8,
    "qwen2.vocab_size": 152064,
}
MIXTRAL = {
    "general.architecture": "llama",
    "general.parameter_count": 46702792704,
    "llama.block_count": 32,
    "llama.embedding_length": 4096,
    "llama.feed_forward_length": 14336,
    "llama.expert_count": 8,
    "llama.expert_used_count": 2,
    "llama.attention.head_count": 32,
    "llama.attention.head_count_kv": 8,
    "llama.vocab_size": 32000,
}
GEMMA_LIKE = {
    "general.architecture": "gemma3",
    "gemma3.block_count": 4,
    "gemma3.embedding_length": 512,
    "gemma3.feed_forward_length": 1024,
    "gemma3.attention.head_count": [4, 4, 8, 8],  # per-layer, as some families store it
    "gemma3.attention.head_count_kv": 2,
    "gemma3.attention.sliding_window": 1024,
    "gemma3.rope.freq_base": 10000.0,
    "gemma3.vision.fullatt_block_indexes": [7, 15, 23, 31],
}


def _pad32(n: int) -> int:
    return -(-n // 32) * 32


@pytest.mark.parametrize(
    ("arch", "quant", "kwargs"),
    [
        (LLAMA_8B, "Q4_K_M", {}),
        (LLAMA_3B, "F16", {"tied_embeddings": True}),
        (QWEN2_72B, "Q4_K_S", {"vocab_size": 2048}),
        (MIXTRAL, "Q4_0", {}),
        (GEMMA_LIKE, "q8_0", {"vocab_size": 1000}),
    ],
)
def test_round_trip(arch, quant, kwargs):
    raw = build_gguf_header(arch, quant, **kwargs)
    h = parse_gguf_bytes(raw)
    assert h.version == 3 and len(raw) % 32 == 0
    assert h.data_offset == len(raw)  # padded to the alignment, no tensor data
    for key, value in arch.items():
        got = h.metadata[key]
        assert (list(got) if isinstance(value, list) else got) == pytest.approx(value)
    assert h.file_type == parse_quant(quant).file_type
    planned = plan_tensors(arch, quant, **kwargs)
    assert [(t.name, t.dims, t.type_name) for t in h.tensors] == [
        (t.name, t.dims, t.type_name) for t in planned
    ]
    assert h.weight_bytes == sum(t.nbytes for t in planned)
    assert gguf_weight_bytes(arch, quant, **kwargs) == sum(_pad32(t.nbytes) for t in h.tensors)
    # offsets are laid out back to back, each tensor padded to the alignment
    offsets = [t.offset for t in h.tensors]
    assert offsets == [sum(_pad32(t.nbytes) for t in h.tensors[:i]) for i in range(len(offsets))]
    vocab = kwargs.get("vocab_size") or arch.get(f"{h.architecture}.vocab_size")
    assert len(h.metadata["tokenizer.ggml.tokens"]) == vocab
    assert len(h.metadata["tokenizer.ggml.token_type"]) == vocab


def test_q4_k_m_mix_follows_llama_cpp():
    types = {t.name: t.type_name for t in plan_tensors(LLAMA_8B, "Q4_K_M")}
    assert types["output.weight"] == "Q6_K"
    assert types["token_embd.weight"] == "Q4_K"
    wide_v = [i for i in range(32) if types[f"blk.{i}.attn_v.weight"] == "Q6_K"]
    wide_down = [i for i in range(32) if types[f"blk.{i}.ffn_down.weight"] == "Q6_K"]
    assert len(wide_v) == 16 and wide_v == wide_down
    assert wide_v[:5] == [0, 1, 2, 3, 6] and wide_v[-4:] == [28, 29, 30, 31]
    assert all(types[f"blk.{i}.attn_v.weight"] == "Q4_K" for i in range(32) if i not in wide_v)
    norms = [n for n in types if "norm" in n]
    assert len(norms) == 2 * 32 + 1 and all(types[n] == "F32" for n in norms)
    counts = Counter(types.values())
    assert counts["Q4_K"] == 32 * 7 - 32 + 1  # 7 matrices per block, half of v/down widened


def test_sizes_are_close_to_real_files():
    def size(arch, quant, **kw):
        return len(build_gguf_header(arch, quant, **kw)) + gguf_weight_bytes(arch, quant, **kw)

    # llama3.1:8b Q4_0 4 661 230 977 B; llama3 8B Q4_K_M 4 920 733 984 B (fit-model.md §1);
    # llama3.2:3b fp16 (tied) 6 425 849 856 B — all from the shared facts
    assert size(LLAMA_8B, "Q4_0") == pytest.approx(4_661_230_977, rel=0.005)
    assert size(LLAMA_8B, "Q4_K_M") == pytest.approx(4_920_733_984, rel=0.01)
    assert size(LLAMA_3B, "F16", tied_embeddings=True) == pytest.approx(6_425_849_856, rel=0.005)
    assert size(LLAMA_8B, "Q8_0") > size(LLAMA_8B, "Q4_K_M") > size(LLAMA_8B, "Q3_K_M")


def test_real_vocab_makes_a_header_of_megabytes():
    # llama3.2:3b's real model blob is 2,019,377,376 bytes (ollama-api.md §12 manifest) of
    # which llama.cpp's Q4_K_M tensors take 2,011,539,712: a 7.84 MB header for 128,256 tokens.
    raw = build_gguf_header(LLAMA_8B, "Q4_K_M")
    assert 7_600_000 < len(raw) < 8_100_000
    h = parse_gguf_bytes(raw)
    assert len(h.metadata["tokenizer.ggml.merges"]) > 100_000


def test_header_can_be_pinned_to_an_exact_length():
    raw = build_gguf_header(LLAMA_3B, "Q4_K_M", tied_embeddings=True, header_bytes=7_837_664)
    assert len(raw) == 7_837_664
    assert parse_gguf_bytes(raw).tensors[0].name == "token_embd.weight"
    with pytest.raises(ValueError, match="alignment"):
        build_gguf_header(LLAMA_3B, "Q4_K_M", header_bytes=7_837_665)
    assert len(build_gguf_header(LLAMA_8B, "Q4_K_M", vocab_size=1000)) < 100_000


def test_tied_embeddings_drop_the_output_tensor():
    names = {t.name for t in plan_tensors(GEMMA_LIKE, "Q4_K_M", vocab_size=1000)}
    assert "output.weight" not in names and "token_embd.weight" in names
    untied = {t.name for t in plan_tensors(GEMMA_LIKE, "Q4_K_M", vocab_size=1000,
                                           tied_embeddings=False)}
    assert "output.weight" in untied


def test_rows_that_are_not_whole_k_blocks_fall_back_like_llama_cpp():
    types = {t.name: t.type_name for t in plan_tensors(QWEN2_72B, "Q4_K_S", vocab_size=2048)}
    # 29568 is not a multiple of 256: Q4_K falls back to Q5_0, and the Q5_K that Q4_K_S
    # gives the first eighth's ffn_down to Q5_1 (llama-quant.cpp convert_incompatible_tensor)
    assert types["blk.20.ffn_down.weight"] == "Q5_0"
    assert types["blk.0.ffn_down.weight"] == "Q5_1"
    assert types["blk.0.ffn_up.weight"] == "Q4_K"
    assert "blk.0.attn_q.bias" in types  # qwen2 keeps q/k/v biases


def test_moe_layers_use_expert_tensors():
    tensors = {t.name: t for t in plan_tensors(MIXTRAL, "Q4_0")}
    gate = tensors["blk.0.ffn_gate_exps.weight"]
    assert gate.dims == (4096, 14336, 8) and gate.type_name == "Q4_0"
    assert "blk.0.ffn_gate.weight" not in tensors
    assert tensors["blk.0.ffn_gate_inp.weight"].dims == (4096, 8)


def test_results_are_cached():
    assert build_gguf_header(LLAMA_8B, "Q4_K_M") is build_gguf_header(dict(LLAMA_8B), "Q4_K_M")


def test_unknown_quant_is_refused():
    with pytest.raises(ValueError, match="Q9_Z"):
        build_gguf_header(LLAMA_8B, "Q9_Z")
