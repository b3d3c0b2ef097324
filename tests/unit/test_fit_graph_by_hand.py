"""Compute-graph sizes worked out by hand from Ollama's ``GraphSize`` (``fs/ggml/ggml.go``) and
the ≤0.12 fallback of ``llm/memory.go`` (partial = GQA x kvTotal / 6, full = partial). Each case
is picked so that the other side of a ``max`` wins too, so both formulas are checked.
b = min(context x parallel, batch), c = context x parallel, all integer like Go."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.graph import MiB, server_graph, static_graph, vision_graph


def _arch(name: str, e: int, h: int, hkv: int, v: int, k: int = 128) -> Architecture:
    return Architecture(
        arch=name, block_count=2, embedding_length=e, head_count=(h, h), head_count_kv=(hkv, hkv),
        key_length=k, value_length=k, vocab_size=v, context_length=131072)


LLAMA_32K = _arch("llama", 4096, 32, 8, 32000)
LLAMA_128K = _arch("llama", 4096, 32, 8, 128256)


def test_llama_long_context_is_attention_bound() -> None:
    # b = 512, c = 8192, d = 4096 / 32 = 128
    # full = max(4·512·(1 + 4·4096 + 8192·33) = 2048·286721 = 587,204,608,
    #            4·512·(4096 + 32000) = 73,924,608)
    # partial = 4·512·4096 = 8,388,608 + max(
    #   2048·(1 + 4096 + 8192) = 25,167,872 + 4096²·9/16 = 9,437,184
    #     + 4·8192·(512·32 + 128·8) = 570,425,344  -> 605,030,400,
    #   73,924,608 + 4096·32000·105/128 = 107,520,000 -> 181,444,608)
    assert static_graph(LLAMA_32K, 8192, 512, 0) == (587_204_608, 8_388_608 + 605_030_400)
    assert static_graph(replace(LLAMA_32K, arch="llama4"), 8192, 512, 0)[0] == 587_204_608


def test_llama_short_context_is_vocabulary_bound() -> None:
    # c = b = 512: full = max(2048·(1 + 16384 + 512·33) = 68,159,488,
    #                         2048·(4096 + 128256) = 271,056,896)
    # partial = 8,388,608 + max(2048·(1 + 4096 + max(512, 4096)) + 9,437,184
    #   + 4·512·17408 = 61,868,032,   271,056,896 + 4096·128256·105/128 = 430,940,160)
    assert static_graph(LLAMA_128K, 512, 512, 0) == (271_056_896, 8_388_608 + 701_997_056)


def test_batch_is_capped_by_the_context() -> None:
    # c = 256 < batch: b = 256; full = max(1024·(1 + 16384 + 256·33) = 25,428,992,
    #                                      1024·(4096 + 128256) = 135,528,448)
    assert static_graph(LLAMA_128K, 256, 512, 0)[0] == 135_528_448


QWEN2 = _arch("qwen2", 3584, 28, 4, 152064)


def test_qwen2_both_sides_of_each_max() -> None:
    # c = b = 512: full = max(2048·(3584 + 152064) = 318,767,104,
    #                         2048·(1 + 7168 + 512 + 512·28) = 45,090,816)
    # partial = max(318,767,104 + 3584·152064·105/128 = 447,068,160 -> 765,835,264,
    #               4·(512·(1 + 7168 + 512·29) + 3584·513) = 52,445,184)
    assert static_graph(QWEN2, 512, 512, 0) == (318_767_104, 765_835_264)
    # c = 32768: full = 2048·(7169 + 32768·29) = 1,960,839,168;
    # partial = 4·(512·(7169 + 32768·29) + 3584·32769) = 2,430,615,552
    assert static_graph(QWEN2, 32768, 512, 0) == (1_960_839_168, 2_430_615_552)


GEMMA2 = _arch("gemma2", 2304, 8, 4, 256000, k=256)


def test_gemma_short_context_is_vocabulary_bound() -> None:
    # c = b = 512, k = 256: full = max(2048·(2304 + 256000) = 529,006,592,
    #   2048·(2 + 512 + 512·8 + 4608 + 2·256·8) = 27,267,072)
    # partial = max(4·2304·512 + 2304·256000·105/128 + 4·256000·512 = 1,012,846,592,
    #   2048·(4608 + 1 + 4096 + 512 + 4096) + 4·256·512·8 + 2304·256·8·9/16 = 34,113,536)
    assert static_graph(GEMMA2, 512, 512, 0) == (529_006_592, 1_012_846_592)
    for name in ("gemma", "gemma3"):
        assert static_graph(replace(GEMMA2, arch=name), 512, 512, 0) == (
            529_006_592, 1_012_846_592)


def test_gemma_long_context_is_attention_bound() -> None:
    # c = 65536: full = 2048·(2 + 65536·9 + 4608 + 4096) = 1,225,789,440
    # partial = 2048·(4608 + 1 + 4096 + 65536·9) = 1,225,787,392 + 4·256·65536·8 = 536,870,912
    #           + 2304·256·8·9/16 = 2,654,208 -> 1,765,312,512
    assert static_graph(GEMMA2, 65536, 512, 0) == (1_225_789_440, 1_765_312_512)


def test_gemma3n_counts_four_times_the_key_length() -> None:
    gemma3n = _arch("gemma3n", 2048, 8, 2, 262144, k=256)
    # k = 4·256 = 1024, c = 32768, b = 512
    # full = max(2048·(2048 + 262144) = 541,065,216,
    #            2048·(2 + 32768·9 + 4096 + 2·1024·8) = 645,926,912)
    # partial = max(4·2048·512 + 2048·262144·105/128 + 4·262144·512 = 981,467,136,
    #   2048·(4096 + 1 + 16384 + 32768·9) + 4·1024·32768·8 + 2048·1024·8·9/16 = 1,729,103,872)
    assert static_graph(gemma3n, 32768, 512, 0) == (645_926_912, 1_729_103_872)


GPT_OSS = _arch("gptoss", 2880, 64, 8, 201088, k=64)


@pytest.mark.parametrize("name", ["gptoss", "gpt-oss"])
def test_gpt_oss_partial_is_gqa_over_kv_or_the_flash_rule(name: str) -> None:
    oss = replace(GPT_OSS, arch=name)
    # no flash: 2·(64/8)·600,000,000/6 = 1,600,000,000; full falls back to partial
    assert static_graph(oss, 8192, 512, 600_000_000) == (1_600_000_000, 1_600_000_000)
    # flash: (4·parallel + c>>10 + 110) MiB; c = 8192·2 = 16384 -> (8 + 16 + 110) = 134 MiB
    assert static_graph(oss, 16384, 512, 600_000_000, flash=True, parallel=2) == (
        134 * MiB, 134 * MiB)


def test_other_families_use_the_gqa_fallback() -> None:
    phi3 = _arch("phi3", 3072, 32, 8, 32064)
    # memory.go: partial = GQA·kvTotal/6 = (32/8)·300,000,000/6 = 200,000,000; full = partial
    assert static_graph(phi3, 4096, 512, 300_000_000) == (200_000_000, 200_000_000)
    # all layers recurrent (no KV heads): the GQA divides by 1, not 0 -> 32·60/6 = 320
    ssm = replace(phi3, head_count_kv=(0, 0))
    assert static_graph(ssm, 4096, 512, 60) == (320, 320)


def test_vision_graph_is_attention_over_all_patches() -> None:
    assert vision_graph(LLAMA_32K) == 0  # no vision tower
    vit = replace(LLAMA_32K, vision_block_count=27, vision_head_count=16,
                  vision_embedding_length=1152, vision_patches=4096)
    # 4·(16·4096² + 4·4096·1152) = 4·(268,435,456 + 18,874,368) = 1,149,239,296
    assert vision_graph(vit) == 1_149_239_296


def test_server_graph_attention_scores_unless_flash() -> None:
    # flash off, c = 8192, b = 512: max(2048·(1 + 16384 + 8192·33) = 587,204,608,
    #                                   2048·(4096 + 32000) = 73,924,608)
    assert server_graph(LLAMA_32K, 8192, 512, flash=False) == 587_204_608
    # flash on: max(2048·(1 + 16384) = 33,556,480, 73,924,608)
    assert server_graph(LLAMA_32K, 8192, 512, flash=True) == 73_924_608
    # small vocabulary, flash on: max(2048·16385, 2048·(4096 + 1000) = 10,436,608)
    assert server_graph(replace(LLAMA_32K, vocab_size=1000), 8192, 512, flash=True) == 33_556_480
    # c = 256 < batch: b = 256 -> max(1024·(1 + 16384 + 256·33) = 25,428,992,
    #                                 1024·(4096 + 1000) = 5,218,304)
    assert server_graph(replace(LLAMA_32K, vocab_size=1000), 256, 512, flash=False) == 25_428_992
