"""KV cache sizes per layer, each figure worked out by hand from the published rules: Ollama's
``fs/ggml/ggml.go`` (``GraphSize``'s per-layer ``kv`` and ``kvCacheBytesPerElement``) and
llama.cpp's recurrent state (``n_embd_r`` / ``n_embd_s`` in ``llama-hparams.cpp``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.kv import KvLayer, kv_plan, layer_bytes

BASE = Architecture(
    arch="llama", block_count=2, embedding_length=4096, head_count=(32, 32),
    head_count_kv=(8, 4), key_length=128, value_length=128, vocab_size=32000,
    context_length=8192)


def _windows(arch: Architecture, *, static: bool = False) -> list[int]:
    return [layer.window for layer in kv_plan(arch, "f16", static=static)]


@pytest.mark.parametrize(("kv_type", "per_token2"), [
    # (k + v) x heads_kv x bytes per element, doubled: 256 x 8 x 2 bytes x 2 = 8192
    ("f16", 8192),
    ("q8_0", 4096),  # 1 byte per element: 256 x 8 x 1 x 2
    ("q4_0", 2048),  # half a byte: 256 x 8 x 0.5 x 2
    ("bf16", 8192),  # any other type counts as f16 (ggml.go's default: 2 bytes)
])
def test_bytes_per_token_follow_the_cache_type(kv_type: str, per_token2: int) -> None:
    plan = kv_plan(BASE, kv_type, static=False)
    assert plan[0] == KvLayer(per_token2, 0, 0)
    assert plan[1].per_token2 == per_token2 // 2  # the second layer has 4 KV heads, not 8


def test_full_attention_bytes_are_context_times_slots() -> None:
    plan = kv_plan(BASE, "f16", static=False)
    # 1000 tokens x 2 slots x 4096 bytes = 8,192,000; the 4-head layer half of that
    assert layer_bytes(plan, 1000, 2, 512) == [8_192_000, 4_096_000]


def test_latent_attention_caches_rank_plus_rope_once() -> None:
    mla = replace(BASE, kv_lora_rank=512, rope_dimension_count=64)
    # (512 + 64) x 2 bytes x 2 = 2304, whatever the head count
    assert [lay.per_token2 for lay in kv_plan(mla, "f16", static=False)] == [2304, 2304]
    # the static estimator knows no latent cache: (128 + 128) x 8 x 2 x 2
    assert kv_plan(mla, "f16", static=True)[0].per_token2 == 8192


def test_gemma3_every_sixth_layer_is_global() -> None:
    gemma3 = replace(BASE, arch="gemma3", block_count=12, head_count=(8,) * 12,
                     head_count_kv=(4,) * 12, sliding_window=512)
    # ggml.go: (i+1) % 6 != 0 is a local layer -> layers 5 and 11 keep the whole context
    assert _windows(gemma3) == [512] * 5 + [0] + [512] * 5 + [0]
    assert _windows(replace(gemma3, arch="gemma3n")) == _windows(gemma3)
    # a stated pattern wins over 6; no stated window -> Gemma 3's published 1024-token window
    assert _windows(replace(gemma3, sliding_window_pattern=4, sliding_window=0)) == \
        [1024, 1024, 1024, 0] * 3


@pytest.mark.parametrize("name", ["gptoss", "gpt-oss"])
def test_gpt_oss_alternates_4096_windows_and_full_layers(name: str) -> None:
    oss = replace(BASE, arch=name, block_count=4, head_count=(8,) * 4, head_count_kv=(2,) * 4)
    assert _windows(oss) == [4096, 0, 4096, 0]  # ggml.go: i % 2 == 0 -> numParallel x 4096
    assert _windows(oss, static=True) == [4096, 0, 4096, 0]


def test_gemma2_windows_only_outside_the_static_estimator() -> None:
    gemma2 = replace(BASE, arch="gemma2", block_count=4, head_count=(8,) * 4,
                     head_count_kv=(4,) * 4, sliding_window=4096)
    assert _windows(gemma2) == [4096, 0, 4096, 0]
    assert _windows(gemma2, static=True) == [0, 0, 0, 0]
    assert _windows(replace(gemma2, sliding_window=0)) == [0, 0, 0, 0]
    # a window on a family that has none is not applied
    assert _windows(replace(BASE, sliding_window=4096)) == [0, 0]


def test_a_window_holds_slots_times_window_plus_batch() -> None:
    layers = (KvLayer(4, 1024, 0), KvLayer(4, 0, 0), KvLayer(4, 1_000_000, 0))
    # 8192 x 2 slots = 16384 tokens; windowed: 2 x 1024 + 512 = 2560; 2 bytes per token
    # a window wider than the context keeps just the context: min(16384, 2_000_512)
    assert layer_bytes(layers, 8192, 2, 512) == [5120, 32768, 32768]


def test_half_bytes_round_down_to_whole_bytes() -> None:
    # q4_0 with 1 element per token: 3 tokens x 0.5 byte = 1.5 -> 1 whole byte
    out = layer_bytes((KvLayer(1, 0, 0),), 3, 1, 512)
    assert out == [1] and type(out[0]) is int


def _ssm(conv: int, inner: int, groups: int, state: int) -> Architecture:
    return replace(BASE, arch="mamba2", head_count_kv=(0, 8), ssm_conv_kernel=conv,
                   ssm_inner_size=inner, ssm_group_count=groups, ssm_state_size=state)


@pytest.mark.parametrize(("conv", "inner", "groups", "state", "fixed"), [
    # r: (4 - 1) x (64 + 2 x 2 x 16) = 384 floats; s: 16 x 64 = 1024; 1408 x 4 bytes
    (4, 64, 2, 16, 5632),
    # mamba1 has no groups: r = 3 x 64 = 192, s = 1024 -> 1216 x 4
    (4, 64, 0, 16, 4864),
    # no convolution: r = 0 (never negative), s = 8 x 32 = 256 -> 1024 bytes
    (0, 32, 1, 8, 1024),
    (1, 32, 1, 8, 1024),
])
def test_recurrent_state_is_llama_cpp_r_plus_s_in_f32(
    conv: int, inner: int, groups: int, state: int, fixed: int,
) -> None:
    plan = kv_plan(_ssm(conv, inner, groups, state), "q4_0", static=False)
    assert plan[0] == KvLayer(0, 0, fixed)
    assert type(plan[0].fixed) is int
    assert plan[1].fixed == 0 and plan[1].per_token2 == 256 * 8  # the attention layer: q4_0
    # the state is per slot and does not grow with the context: 3 slots x fixed
    assert layer_bytes(plan, 100, 3, 512)[0] == 3 * fixed
