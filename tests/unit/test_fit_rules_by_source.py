"""The version rules, release by release, as Ollama's Go source sets them: ``defaultParallel``
(server/sched.go), the default context (envconfig ``OLLAMA_CONTEXT_LENGTH``, routes.go's
low-VRAM mode and VRAM tiers), ``OllamaEngineRequired`` (fs/ggml/ggml.go) and ``ollama ps``'s
PROCESSOR column (cmd/cmd.go)."""

from __future__ import annotations

import pytest

from quantdesk.core.fit.rules import (
    NEWEST_VERSION,
    default_num_ctx,
    default_parallel,
    era_for,
    minimum_memory,
    ollama_engine,
    parse_version,
    processor_text,
)

GiB, MiB = 1 << 30, 1 << 20


@pytest.mark.parametrize(("text", "version"), [
    ("0.12.10", (0, 12, 10)), ("v0.6.7-rc1", (0, 6, 7)), ("0.13", (0, 13, 0)),
    ("ollama version is 0.5.7", (0, 5, 7)), ("10.20.30", (10, 20, 30)),
])
def test_versions_read_from_text(text, version):
    assert parse_version(text) == version


@pytest.mark.parametrize("text", [None, "", "unknown", "v1"])
def test_no_readable_version_means_the_newest_rules(text):
    assert parse_version(text) == parse_version(NEWEST_VERSION) == (0, 33, 0)


@pytest.mark.parametrize(("version", "parallel"), [
    ((0, 1, 33), 1), ((0, 2, 0), 4), ((0, 6, 6), 4), ((0, 6, 7), 2), ((0, 9, 6), 2),
    ((0, 10, 0), 1), ((0, 20, 0), 1),
])
def test_default_parallel_by_release(version, parallel):
    assert default_parallel(version) == parallel


@pytest.mark.parametrize(("version", "arch", "vram_gib", "ctx"), [
    ((0, 6, 6), "llama", 24, 2048),  # OLLAMA_CONTEXT_LENGTH default 2048
    ((0, 6, 7), "llama", 24, 4096),  # ... 4096 from 0.6.7
    ((0, 10, 1), "gptoss", 24, 4096),  # no gpt-oss rule before 0.11
    ((0, 11, 0), "gptoss", 8, 8192),  # max(num_ctx, 8192) for gpt-oss
    ((0, 11, 3), "gpt-oss", 16, 8192),
    ((0, 11, 4), "gptoss", 16, 4096),  # low-VRAM mode under 20 GiB
    ((0, 11, 4), "gptoss", 20, 8192),
    ((0, 15, 4), "gptoss", 48, 8192),
    ((0, 15, 4), "llama", 48, 4096),
    ((0, 15, 5), "llama", 22, 4096),  # VRAM tiers: under 23 GiB
    ((0, 15, 5), "llama", 23, 32768),
    ((0, 15, 5), "llama", 46, 32768),
    ((0, 15, 5), "llama", 47, 262144),
    ((0, 15, 5), "gptoss", 8, 4096),  # the tiers replace the gpt-oss rule
])
def test_default_context_by_release(version, arch, vram_gib, ctx):
    assert default_num_ctx(version, arch, 0, vram_gib * GiB) == ctx


def test_the_default_context_is_capped_by_the_trained_one_and_counts_the_overhead():
    assert default_num_ctx((0, 20, 0), "llama", 131072, 48 * GiB) == 131072
    assert default_num_ctx((0, 6, 6), "llama", 1024, 8 * GiB) == 1024
    # 24 GiB less 2 GiB of OLLAMA_GPU_OVERHEAD is under the 23 GiB tier
    assert default_num_ctx((0, 20, 0), "llama", 131072, 24 * GiB, 2 * GiB) == 4096
    assert default_num_ctx((0, 20, 0), "llama", 131072, 24 * GiB, 1 * GiB) == 32768


ENGINE = ["gemma3", "gemma3n", "gemma4", "qwen3", "qwen3moe", "qwen3vl", "qwen3vlmoe",
          "qwen3next", "qwen35", "qwen35moe", "gptoss", "gpt-oss", "llama4", "mistral3",
          "qwen25vl", "deepseek2", "mllama"]


@pytest.mark.parametrize("arch", ENGINE)
def test_ollama_engine_architectures_measure_from_0_11_11(arch):
    assert ollama_engine(arch)
    assert era_for((0, 11, 11), arch) == "measured"
    assert era_for((0, 11, 10), arch) == "static"


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gemma2", "phi3", ""])
def test_llama_engine_architectures_measure_from_0_12_11(arch):
    assert not ollama_engine(arch)
    assert era_for((0, 12, 10), arch) == "static"
    assert era_for((0, 12, 11), arch) == "measured"
    assert era_for((0, 29, 9), arch) == "measured"
    assert era_for((0, 30, 0), arch) == "server"


def test_minimum_memory_left_free_per_gpu():
    assert minimum_memory("apple") == 512 * MiB
    assert minimum_memory("nvidia") == minimum_memory("amd") == 457 * MiB


@pytest.mark.parametrize(("size", "vram", "text"), [
    (1000, 0, "100% CPU"),
    (1000, 1000, "100% GPU"),
    (200, 99, "51%/49% CPU/GPU"),  # 50.5 % on the CPU rounds half away from zero
    (200, 101, "50%/50% CPU/GPU"),  # 49.5 % -> 50
    (1000, 1, "100%/0% CPU/GPU"),  # 99.9 %
    (6_100_000_000, 3_300_000_000, "46%/54% CPU/GPU"),  # 45.9 %
])
def test_the_processor_column(size, vram, text):
    assert processor_text(size, vram) == text
