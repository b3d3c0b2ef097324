"""Version rules, default contexts, multi-GPU, CPU-only, won't-fit, unified memory, max context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitOptions, estimate_fit
from quantdesk.core.fit.rules import (
    default_num_ctx,
    era_for,
    parse_version,
    processor_text,
    ps_size_text,
)
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "model-architectures.json"
MiB, GiB = 1 << 20, 1 << 30
MODELS = json.loads(DATA.read_text())["models"]


def arch(name: str) -> Architecture:
    return Architecture.from_model_info(MODELS[name]["model_info"])


def machine(
    *free_gib: float,
    total_gib: float = 24,
    ram_gib: float = 32,
    swap_gib: float = 0,
    vendor: str = "nvidia",
) -> Machine:
    gpus = tuple(
        Gpu(vendor, i, f"GPU{i}", int(total_gib * GiB), int(f * GiB))
        for i, f in enumerate(free_gib)
    )
    ram = Ram(
        int(ram_gib * GiB), int(ram_gib * 0.9 * GiB), int(swap_gib * GiB), int(swap_gib * GiB)
    )
    return Machine(gpus, ram, Cpu("cpu", 8))


LLAMA = arch("llama3.1:8b")


def fit(m: Machine, ctx: int | None = 4096, version: str | None = "0.12.10", a=LLAMA, **kw):
    return estimate_fit(a, m, FitOptions(num_ctx=ctx, ollama_version=version, **kw), quant="Q4_K_M")


@pytest.mark.parametrize(
    ("version", "arch_name", "era"),
    [
        ("0.5.7", "llama", "static"),
        ("0.12.10", "llama", "static"),
        ("0.11.11", "gemma3", "measured"),  # Ollama-engine models were measured earlier
        ("0.11.10", "gemma3", "static"),
        ("0.12.11", "llama", "measured"),
        ("0.29.3", "qwen2", "measured"),
        ("0.30.0", "llama", "server"),
        (None, "llama", "server"),
    ],
)
def test_era_by_version(version, arch_name, era):
    assert era_for(parse_version(version), arch_name) == era


def test_parse_version_accepts_prefixes_and_missing_patch():
    assert parse_version("v0.6.7-rc1") == (0, 6, 7)
    assert parse_version("0.13") == (0, 13, 0)


@pytest.mark.parametrize(
    ("version", "vram_gib", "ctx"),
    [
        ("0.6.6", 24, 2048),
        ("0.6.7", 24, 4096),
        ("0.15.4", 48, 4096),
        ("0.15.5", 8, 4096),
        ("0.15.5", 24, 32768),
        ("0.20.0", 48, 131072),  # 262144 tier, capped at the trained context
    ],
)
def test_default_context_tiers(version, vram_gib, ctx):
    assert default_num_ctx(parse_version(version), "llama", 131072, vram_gib * GiB) == ctx
    r = fit(machine(vram_gib - 1, total_gib=vram_gib), ctx=None, version=version)
    assert r.num_ctx == ctx


def test_gpt_oss_low_vram_mode():
    v = parse_version("0.12.0")
    assert default_num_ctx(v, "gptoss", 131072, 16 * GiB) == 4096
    assert default_num_ctx(v, "gptoss", 131072, 24 * GiB) == 8192


def test_ps_text_formats():
    assert ps_size_text(6_495_000_000) == "6.5 GB"
    assert ps_size_text(11_910_000_000) == "11 GB"  # whole numbers from 10 up, truncated
    assert ps_size_text(5_000_000_000) == "5 GB"
    assert ps_size_text(512) == "512 B"
    assert processor_text(100, 0) == "100% CPU"
    assert processor_text(100, 100) == "100% GPU"
    assert processor_text(1000, 475) == "53%/47% CPU/GPU"  # 52.5 rounds half away from zero


def test_one_gpu_that_fits_is_preferred_over_a_split():
    r = fit(machine(20, 4))
    assert r.verdict == "gpu"
    assert [s.index for s in r.placement.per_gpu] == [0]


@pytest.mark.parametrize("version", ["0.12.10", "0.20.0", None])
def test_split_over_two_gpus_when_neither_holds_the_model(version):
    r = fit(machine(5, 5, total_gib=5), version=version)
    assert r.verdict == "gpu", r.reason
    shares = r.placement.per_gpu
    assert [s.index for s in shares] == [0, 1]
    assert sum(s.layers for s in shares) == 33
    assert all(s.layers >= 10 for s in shares)  # both carry a real share
    # each GPU runs its own graph: the pair needs more than one big card
    single = fit(machine(40), version=version)
    assert r.estimate.total_bytes > single.estimate.total_bytes
    assert r.estimate.graph_bytes > single.estimate.graph_bytes


def test_static_multi_gpu_plans_with_the_partial_graph():
    two = fit(machine(4, 4, total_gib=4))
    assert round(two.estimate.graph_bytes / MiB, 1) == 677.5 * 2


def test_partial_keeps_the_rest_in_ram_and_reports_it():
    r = fit(machine(2.5, total_gib=4))
    assert r.verdict == "partial"
    assert 0 < r.placement.gpu_layers < 33
    assert r.placement.cpu_bytes == r.ps_size - r.ps_size_vram
    assert "several times slower" in r.reason


def test_no_gpu_runs_on_cpu():
    r = fit(machine(ram_gib=16))
    assert r.verdict == "cpu" and r.placement.per_gpu == ()
    assert r.reason.startswith("No usable GPU")


def test_gpu_too_small_for_one_layer_runs_on_cpu():
    r = fit(machine(1.0, total_gib=2))
    assert r.verdict == "cpu" and r.placement.gpu_layers == 0 and r.ps_size_vram == 0


@pytest.mark.parametrize("version", ["0.12.10", "0.20.0", None])
def test_wont_fit_when_ram_cannot_hold_the_cpu_part(version):
    r = fit(machine(ram_gib=4), version=version)
    assert r.verdict == "no"
    assert "will not load" in r.reason
    big = estimate_fit(
        arch("CognitiveComputations/dolphin-qwen2:72b-v2.9.2-q4_k_s"),
        machine(24, ram_gib=16),
        FitOptions(num_ctx=2048, ollama_version=version),
        quant="Q4_K_S",
        weight_bytes=43_890_000_000,
    )
    assert big.verdict == "no"
    swap = estimate_fit(
        arch("CognitiveComputations/dolphin-qwen2:72b-v2.9.2-q4_k_s"),
        machine(24, ram_gib=16, swap_gib=32),
        FitOptions(num_ctx=2048, ollama_version=version),
        quant="Q4_K_S",
        weight_bytes=43_890_000_000,
    )
    assert swap.verdict == "partial"  # swap counts on Linux/Windows


def test_unified_memory_mac():
    mac = Machine(
        (Gpu("apple", 0, "M2", int(21.3 * GiB), int(21.3 * GiB), unified=True),),
        Ram(32 * GiB, 20 * GiB, 8 * GiB, 8 * GiB),
        Cpu("m2", 8),
    )
    r = fit(mac, ctx=8192, version="0.20.0")
    assert r.verdict == "gpu"
    assert "M2" in r.reason


def test_metal_estimate_above_physical_ram_runs_on_cpu():
    def mac(ram: int) -> Machine:
        gpu = Gpu("apple", 0, "M1", 64 * GiB, 64 * GiB, unified=True)  # wired limit raised
        return Machine((gpu,), Ram(ram, ram), Cpu("m1", 8))

    vram = fit(mac(128 * GiB), ctx=32768).ps_size_vram
    r = fit(mac(vram - 256 * MiB), ctx=32768)
    assert r.verdict == "cpu" and r.ps_size_vram == 0
    assert "memory" in r.reason


def test_old_default_parallel_falls_back_to_one_when_it_does_not_fit():
    roomy = fit(machine(40), ctx=2048, version="0.5.0")
    assert roomy.num_parallel == 4
    tight = fit(machine(5.9, total_gib=8), ctx=2048, version="0.5.0")
    assert tight.num_parallel == 1 and tight.verdict == "gpu"


def test_gemma3_sliding_window_kv():
    gemma = arch("gemma3:12b")
    r = estimate_fit(
        gemma,
        machine(40),
        FitOptions(num_ctx=8192, ollama_version="0.12.10"),
        quant="Q4_K_M",
        weight_bytes=MODELS["gemma3:12b"]["file_size_bytes"],
    )
    assert r.estimate.kv_cache_bytes == 992 * MiB  # the case log's figure


def test_hybrid_model_caches_only_attention_layers():
    qwen = arch("qwen3.6:27b")
    assert sum(h > 0 for h in qwen.head_count_kv) == 16
    r = estimate_fit(
        qwen, machine(40), FitOptions(num_ctx=8192, ollama_version="0.20.0"), quant="Q4_K_M"
    )
    attention = 16 * 8192 * 4 * 512 * 2
    assert attention < r.estimate.kv_cache_bytes < attention + 200 * MiB  # + recurrent state


@settings(max_examples=15, deadline=None)
@given(
    free=st.floats(min_value=5.0, max_value=30.0),
    version=st.sampled_from(["0.12.10", "0.20.0", None]),
)
def test_max_gpu_ctx_is_the_edge_of_a_full_fit(free, version):
    m = machine(free, total_gib=32)
    r = fit(m, ctx=2048, version=version)
    best = r.max_gpu_ctx
    assert 0 <= best <= LLAMA.context_length
    if best:
        assert fit(m, ctx=best, version=version).verdict == "gpu"
    if best < LLAMA.context_length:
        assert fit(m, ctx=best + 256, version=version).verdict != "gpu"


def test_max_gpu_ctx_grows_with_free_memory():
    small, big = fit(machine(8)).max_gpu_ctx, fit(machine(16)).max_gpu_ctx
    assert 0 < small < big


def test_gpu_overhead_is_reserved_on_each_gpu():
    base = fit(machine(6.3, total_gib=8))
    reserved = fit(machine(6.3, total_gib=8), gpu_overhead=1 * GiB)
    assert base.verdict == "gpu" and reserved.verdict == "partial"
