"""The transformers + bitsandbytes memory estimate, against numbers worked out by hand."""

from __future__ import annotations

import json

import pytest

from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.transformers import (
    SafetensorsError,
    Tensor,
    estimate_transformers,
    kind_of,
    parse_header,
    quant_state_bytes,
    weight_bytes,
)

GiB = 1 << 30
MiB = 1 << 20
CARD = Machine((Gpu("nvidia", 0, "NVIDIA GeForce RTX 4090", 24 * GiB, 24 * GiB),),
               Ram(64 * GiB, 64 * GiB), Cpu("c", 8))

# A tiny llama in transformers' names: hidden 256, 2 layers, 4 heads of 64, 2 KV heads,
# intermediate 512, vocab 1000, untied.
CONFIG = {"hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64,
          "vocab_size": 1000, "max_position_embeddings": 2048}


def tiny() -> list[Tensor]:
    out = [Tensor("model.embed_tokens.weight", "BF16", (1000, 256))]
    for i in range(2):
        p = f"model.layers.{i}."
        out += [Tensor(p + "input_layernorm.weight", "BF16", (256,)),
                Tensor(p + "self_attn.q_proj.weight", "BF16", (256, 256)),
                Tensor(p + "self_attn.k_proj.weight", "BF16", (128, 256)),
                Tensor(p + "self_attn.v_proj.weight", "BF16", (128, 256)),
                Tensor(p + "self_attn.q_proj.bias", "BF16", (256,)),
                Tensor(p + "self_attn.o_proj.weight", "BF16", (256, 256)),
                Tensor(p + "post_attention_layernorm.weight", "BF16", (256,)),
                Tensor(p + "mlp.gate_proj.weight", "BF16", (512, 256)),
                Tensor(p + "mlp.up_proj.weight", "BF16", (512, 256)),
                Tensor(p + "mlp.down_proj.weight", "BF16", (256, 512))]
    return [*out, Tensor("model.norm.weight", "BF16", (256,)),
            Tensor("lm_head.weight", "BF16", (1000, 256))]


def test_which_modules_bitsandbytes_leaves_alone():
    kinds = {t.name: kind_of(t) for t in tiny()}
    assert kinds["model.embed_tokens.weight"] == "embeddings"
    assert kinds["lm_head.weight"] == "lm_head"
    assert kinds["model.norm.weight"] == kinds["model.layers.0.input_layernorm.weight"] == "norms"
    assert kinds["model.layers.0.self_attn.q_proj.bias"] == "biases"
    assert kinds["model.layers.1.mlp.down_proj.weight"] == "linear"


def test_nf4_with_double_quant_by_hand():
    # one 4096 x 4096 weight: 16,777,216 elements
    n = 4096 * 4096
    assert weight_bytes(n, "nf4") == 8_388_608  # two per byte
    # 262,144 blocks of 64: one uint8 absmax each, then one float32 per 256 of those
    # (1,024 x 4 bytes), one float32 offset, the 256-value float32 8-bit map and the 16-value
    # float32 nf4 code
    assert quant_state_bytes(n, "nf4", 4096) == 262_144 + 4_096 + 4 + 1_024 + 64
    # without double quantization every absmax is a float32
    assert quant_state_bytes(n, "nf4", 4096, double_quant=False) == 262_144 * 4 + 64
    # int8: a byte per weight and a float32 scale per output row
    assert weight_bytes(n, "int8") == n and quant_state_bytes(n, "int8", 4096) == 16_384


def test_tiny_model_breakdown_by_hand():
    linear = 2 * (256 * 256 * 2 + 128 * 256 * 2 + 512 * 256 * 3)  # 1,179,648 elements
    kept = 1000 * 256 * 2 + 256 * 5 + 2 * 256  # embeddings + lm_head, 5 norms, 2 biases
    rotary = 2 * 32 * 4  # inv_freq and original_inv_freq: head width / 2 float32 each
    fit = estimate_transformers("t", CONFIG, tiny(), "nf4", 1024, CARD)
    assert fit.quantized_layers == 14
    assert fit.footprint_bytes == linear // 2 + kept * 2 + rotary
    assert fit.kept_bytes == {"embeddings": 512_000, "lm_head": 512_000, "norms": 2_560,
                              "biases": 1_024}
    # KV: 2 (k, v) x 2 layers x 2 heads x 64 x 1024 tokens x 2 bytes
    assert fit.kv_cache_bytes == 1_048_576
    # activations of one 1024-token pass: (4 x 256 + 2 x 512) x 2 bytes a token, plus the
    # last token's float32 logits twice
    assert fit.activation_bytes == 1024 * 2048 * 2 + 1000 * 8
    assert fit.cuda_context_bytes == 500 * MiB
    assert fit.total_bytes == (fit.footprint_bytes + fit.quant_state_bytes + fit.kv_cache_bytes
                               + fit.activation_bytes + fit.cuda_context_bytes)
    bf16 = estimate_transformers("t", CONFIG, tiny(), "bf16", 1024, CARD)
    assert bf16.footprint_bytes == (linear + kept) * 2 + rotary
    assert bf16.quant_state_bytes == 0
    fp32 = estimate_transformers("t", CONFIG, tiny(), "fp32", 1024, CARD)
    assert fp32.footprint_bytes == (linear + kept) * 4 + rotary


def llama31_8b() -> list[Tensor]:
    e, f, v, kv = 4096, 14336, 128256, 1024
    out = [Tensor("model.embed_tokens.weight", "BF16", (v, e)),
           Tensor("lm_head.weight", "BF16", (v, e)), Tensor("model.norm.weight", "BF16", (e,))]
    for i in range(32):
        p = f"model.layers.{i}."
        out += [Tensor(p + n, "BF16", s) for n, s in (
            ("self_attn.q_proj.weight", (e, e)), ("self_attn.k_proj.weight", (kv, e)),
            ("self_attn.v_proj.weight", (kv, e)), ("self_attn.o_proj.weight", (e, e)),
            ("mlp.gate_proj.weight", (f, e)), ("mlp.up_proj.weight", (f, e)),
            ("mlp.down_proj.weight", (e, f)), ("input_layernorm.weight", (e,)),
            ("post_attention_layernorm.weight", (e,)))]
    return out


def test_llama31_8b_in_nf4_as_get_memory_footprint_counts_it():
    # 32 layers x 218,103,808 linear weights = 6,979,321,856, packed two per byte
    # = 3,489,660,928; embeddings + lm_head 2 x 525,336,576 and 65 norms of 4096, in bf16:
    # 2,101,346,304 + 532,480; and 512 bytes of rotary buffers. In all 5,591,540,224 bytes:
    # the 5.6 GB people see.
    config = {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
              "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
              "max_position_embeddings": 131072}
    fit = estimate_transformers("hf.co/meta-llama/Llama-3.1-8B-Instruct", config, llama31_8b(),
                                "nf4", 4096, CARD)
    assert fit.footprint_bytes == 5_591_540_224
    assert fit.verdict == "gpu"
    # at 4096 tokens the bf16 KV cache is 32 x 8 x 128 x 2 x 2 bytes x 4096 = 512 MiB
    assert fit.kv_cache_bytes == 512 * MiB


def test_verdicts():
    small = Machine((Gpu("nvidia", 0, "x", 2 * MiB, 2 * MiB),), Ram(64 * GiB, 64 * GiB),
                    Cpu("c", 8))
    part = estimate_transformers("t", CONFIG, tiny(), "bf16", 1024, small)
    assert part.verdict in ("partial", "no")
    cpu = Machine((), Ram(64 * GiB, 64 * GiB), Cpu("c", 8))
    assert estimate_transformers("t", CONFIG, tiny(), "bf16", 1024, cpu).verdict == "cpu"
    no_cuda = estimate_transformers("t", CONFIG, tiny(), "nf4", 1024, cpu)
    assert no_cuda.verdict == "no" and "CUDA" in no_cuda.reason


def test_safetensors_headers():
    doc = {"__metadata__": {"format": "pt"},
           "a.weight": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]}}
    raw = json.dumps(doc).encode()
    (t,) = parse_header(raw)
    assert (t.name, t.dtype, t.shape, t.elements) == ("a.weight", "BF16", (2, 3), 6)
    for bad in (b"not json", b"[1]", json.dumps({"x": {"dtype": "Q9", "shape": [1]}}).encode(),
                json.dumps({"x": {"dtype": "F16", "shape": [-1]}}).encode()):
        with pytest.raises(SafetensorsError):
            parse_header(bad)
