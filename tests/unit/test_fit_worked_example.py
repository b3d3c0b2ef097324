"""fit-model.md §10: llama3.1:8b Q4_K_M must reproduce the worked example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitOptions, estimate_fit, from_shape
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "model-architectures.json"
MiB, GiB = 1 << 20, 1 << 30


@pytest.fixture(scope="module")
def llama8b() -> Architecture:
    info = json.loads(DATA.read_text())["models"]["llama3.1:8b"]["model_info"]
    return Architecture.from_model_info(info)


def nvidia(free_gib: float, total_gib: float = 48) -> Machine:
    gpu = Gpu("nvidia", 0, "RTX", int(total_gib * GiB), int(free_gib * GiB))
    return Machine((gpu,), Ram(64 * GiB, 48 * GiB), Cpu("cpu", 8))


def fit(arch, machine, ctx, version, **kw):
    opts = FitOptions(num_ctx=ctx, ollama_version=version, **kw)
    return estimate_fit(arch, machine, opts, quant="Q4_K_M")


def test_weights_split_like_the_log(llama8b):
    w = from_shape(llama8b, "Q4_K_M")
    assert round(w.blocks[0] / MiB, 1) == 132.5  # a more-bits layer
    assert round(w.blocks[4] / MiB, 1) == 117.0  # a plain layer
    assert sum(b > w.blocks[4] for b in w.blocks) == 16
    assert round(w.repeating / GiB, 2) == 3.90
    assert round(w.output / MiB, 1) == 411.0
    assert round(w.token_embd / MiB, 1) == 281.8
    # the registry's exact file size is explained by the shape: sizes stay exact
    assert from_shape(llama8b, "Q4_K_M", 4_920_733_984).blocks == w.blocks


ROWS = [
    # ctx, KV MiB, graph full, graph partial, required.full GiB, ps <=0.12.10, ps 0.12.11-0.29,
    # free GiB needed for 100% GPU
    (2048, 256, 258.5, 677.5, 5.4, "5.8 GB", "5.2 GB", 5.80),
    (4096, 512, 296.0, 677.5, 5.7, "6.1 GB", "5.5 GB", 6.05),
    (8192, 1024, 560.0, 677.5, 6.5, "6.9 GB", "6.3 GB", 6.57),
    (32768, 4096, 2144.0, 2265.0, 11.1, "11 GB", "11 GB", 11.21),
]


def test_v070_reserves_the_largest_layer(llama8b):
    # llm/memory.go@v0.7.0: layerSize = the largest of GroupLayers() (output: 4096 x 128256
    # Q6_K = 411 MiB) instead of blk.0 (132.5 MiB): 279 MiB less room, two layers fewer
    old = fit(llama8b, nvidia(3.3, 4), 4096, "0.7.1")
    v070 = fit(llama8b, nvidia(3.3, 4), 4096, "0.7.0")
    assert old.placement.gpu_layers - v070.placement.gpu_layers == 2
    grown = v070.estimate.overhead_bytes - old.estimate.overhead_bytes
    assert round(grown / MiB) == round((4096 * 128256 * 210 / 256 - 132.5 * MiB) / MiB)


@pytest.mark.parametrize(("ctx", "kv", "full", "partial", "req", "ps_old", "ps_new", "need"), ROWS)
def test_worked_example_rows(llama8b, ctx, kv, full, partial, req, ps_old, ps_new, need):
    static = fit(llama8b, nvidia(40), ctx, "0.12.10")
    assert static.era == "static" and static.verdict == "gpu"
    assert static.estimate.kv_cache_bytes == kv * MiB
    assert round(static.estimate.graph_bytes / MiB, 1) == full
    assert round(static.estimate.total_bytes / GiB, 1) == req
    assert static.ps_size_text == ps_old
    assert static.processor == "100% GPU"
    assert static.placement.gpu_layers == static.placement.total_layers == 33

    measured = fit(llama8b, nvidia(40), ctx, "0.20.0")
    assert measured.era == "measured"
    assert measured.ps_size_text == ps_new
    assert measured.estimate.overhead_bytes == 0

    # the static estimator reserves the partial graph while placing: just enough free
    # memory for everything is need ± 0.01 GiB
    assert fit(llama8b, nvidia(need + 0.01), ctx, "0.12.10").verdict == "gpu"
    tight = fit(llama8b, nvidia(need - 0.01), ctx, "0.12.10")
    assert tight.verdict == "partial"
    assert round(tight.estimate.graph_bytes / MiB, 1) == partial


def test_partial_offload_example(llama8b):
    # 0.7.1: blk.0 as the buffer again, layers placed last to first (0.7.0 alone reserved the
    # largest layer group, here the Q6_K output: see test_v070_reserves_the_largest_layer)
    r = fit(llama8b, nvidia(3.3, 4), 4096, "0.7.1")
    assert (r.placement.gpu_layers, r.placement.total_layers) == (14, 33)
    assert r.verdict == "partial"
    assert r.ps_size_text == "6.5 GB"
    assert r.processor == "47%/53% CPU/GPU"
    # 3.3 GiB free = 3.54 GB: the reason speaks ollama ps's decimal units
    assert r.reason.startswith("14 of 33 layers fit in 3.5 GB free")
    assert r.placement.cpu_bytes == r.ps_size - r.ps_size_vram


@pytest.mark.parametrize(
    ("ctx", "kv_type", "req"),
    [(32768, "q8_0", 9.0), (32768, "q4_0", 8.0), (8192, "q8_0", 5.9), (8192, "q4_0", 5.7)],
)
def test_quantised_kv_needs_flash_attention(llama8b, ctx, kv_type, req):
    on = fit(llama8b, nvidia(40), ctx, "0.12.10", kv_cache_type=kv_type, flash_attention=True)
    assert on.kv_cache_type == kv_type
    assert round(on.estimate.total_bytes / GiB, 1) == req
    off = fit(llama8b, nvidia(40), ctx, "0.12.10", kv_cache_type=kv_type, flash_attention=False)
    assert off.kv_cache_type == "f16"
    assert off.estimate.kv_cache_bytes == ctx * 128 * 1024


def test_llama_engine_auto_flash_does_not_honour_quantised_kv(llama8b):
    auto = fit(llama8b, nvidia(40), 8192, "0.14.0", kv_cache_type="q8_0")
    assert auto.flash_attention and auto.kv_cache_type == "f16"
    explicit = fit(llama8b, nvidia(40), 8192, "0.14.0", kv_cache_type="q8_0", flash_attention=True)
    assert explicit.estimate.kv_cache_bytes == 512 * MiB


def test_parallel_four_at_2048_behaves_like_8192(llama8b):
    four = fit(llama8b, nvidia(40), 2048, "0.12.10", num_parallel=4)
    one = fit(llama8b, nvidia(40), 8192, "0.12.10", num_parallel=1)
    assert four.estimate == one.estimate
    assert four.num_ctx == 2048 and four.num_parallel == 4


def test_cpu_only_size_drops_the_gpu_minimum(llama8b):
    machine = Machine((), Ram(64 * GiB, 48 * GiB), Cpu("cpu", 8))
    r = fit(llama8b, machine, 8192, "0.12.10")
    assert r.verdict == "cpu" and r.ps_size_vram == 0 and r.processor == "100% CPU"
    assert round(r.ps_size / GiB, 1) == 6.0
    assert r.max_gpu_ctx == 0


def test_metal_uses_512_mib_minimum_and_the_full_graph(llama8b):
    mac = Machine(
        (Gpu("apple", 0, "M1", int(10922.67 * MiB), int(10922.67 * MiB), unified=True),),
        Ram(16 * GiB, 12 * GiB),
        Cpu("m1", 8),
    )
    r = fit(llama8b, mac, 8192, "0.12.10")
    assert r.verdict == "gpu"
    assert round(r.estimate.total_bytes / GiB, 1) == 6.5
    assert r.estimate.overhead_bytes == 512 * MiB + from_shape(llama8b, "Q4_K_M").blocks[0] + (
        32 * MiB
    )
    # the old q4_0 build logged required.full 6.3 GiB on a 16 GiB Mac
    old = estimate_fit(
        llama8b, mac, FitOptions(num_ctx=8192, ollama_version="0.3.0", num_parallel=1), quant="Q4_0"
    )
    assert round(old.estimate.total_bytes / GiB, 1) == 6.3


def test_to_json_contract(llama8b):
    r = estimate_fit(
        llama8b, nvidia(11.2, 12), FitOptions(num_ctx=4096), quant="Q4_K_M", model="llama3.1:8b"
    )
    data = r.to_json()
    assert list(data) == [
        "model",
        "quant",
        "num_ctx",
        "ollama_version",
        "estimate",
        "placement",
        "verdict",
        "max_gpu_ctx",
        "reason",
        "kv_cache_type",
        "flash_attention",
        "flash_note",
    ]
    assert list(data["estimate"]) == [
        "weights_bytes",
        "kv_cache_bytes",
        "graph_bytes",
        "overhead_bytes",
        "total_bytes",
    ]
    assert data["estimate"]["total_bytes"] == sum(
        v for k, v in data["estimate"].items() if k != "total_bytes"
    )
    assert list(data["placement"]) == ["gpu_layers", "total_layers", "per_gpu", "cpu_bytes"]
    assert data["placement"]["per_gpu"] == [{"index": 0, "layers": 33, "bytes": r.ps_size}]
    assert data["model"] == "llama3.1:8b" and data["quant"] == "Q4_K_M"
    assert data["verdict"] == "gpu" and data["reason"].startswith("Needs ")
    json.dumps(data)
