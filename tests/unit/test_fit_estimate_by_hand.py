"""Version- and device-dependent rules of the fit estimate, each against a figure worked out by
hand from the architecture's published shape (bench/data/model-architectures.json holds the
daemon's /api/show model_info) or against Ollama's own rules as fit-model.md states them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitOptions, LayerWeights, estimate_fit
from quantdesk.core.fit.estimate import _devices
from quantdesk.core.fit.explain import verdict_and_reason
from quantdesk.core.fit.layout import Device, Layout
from quantdesk.core.fit.rules import parse_version
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "model-architectures.json"
MiB, GiB = 1 << 20, 1 << 30


def arch(name: str) -> Architecture:
    info = json.loads(DATA.read_text())["models"][name]["model_info"]
    return Architecture.from_model_info(info)


def machine(*gpus: Gpu, ram_gib: float = 64, free_gib: float = 48, swap_gib: float = 0
            ) -> Machine:
    return Machine(gpus, Ram(int(ram_gib * GiB), int(free_gib * GiB), int(swap_gib * GiB),
                             int(swap_gib * GiB)), Cpu("cpu", 8))


def uniform(blocks: int, block: int = 100 * MiB, output: int = 400 * MiB,
            token_embd: int = 300 * MiB) -> LayerWeights:
    return LayerWeights((block,) * blocks, output, token_embd)


def test_mla_cache_only_after_the_static_estimator():
    # deepseek-v3: 61 layers, 128 KV heads, key 192 + value 128, kv_lora_rank 512, rope 64.
    # The ≤0.12.10 estimator (static era at 0.11.0) counts full heads:
    #   4096 x (192 + 128) x 128 x 2 bytes x 61 = 20,468,203,520
    # llama.cpp caches the compressed latent once: 4096 x (512 + 64) x 2 bytes x 61
    ds = arch("deepseek-v3:671b")
    huge = machine(Gpu("nvidia", 0, "H", 2000 * GiB, 2000 * GiB), ram_gib=4000, free_gib=4000)
    weights = LayerWeights((MiB,) * 61, MiB, MiB)
    static = estimate_fit(ds, huge, FitOptions(num_ctx=4096, ollama_version="0.11.0"),
                          weights=weights)
    measured = estimate_fit(ds, huge, FitOptions(num_ctx=4096, ollama_version="0.20.0"),
                            weights=weights)
    assert (static.era, measured.era) == ("static", "measured")
    assert static.estimate.kv_cache_bytes == 20_468_203_520
    assert measured.estimate.kv_cache_bytes == 287_834_112


def apple(total_gib: float, free_gib: float) -> Machine:
    return machine(Gpu("apple", 0, "Apple M2", int(total_gib * GiB), int(free_gib * GiB),
                       unified=True), ram_gib=total_gib, free_gib=free_gib)


@pytest.mark.parametrize(("version", "verdict"),
                         [("0.11.10", "gpu"), ("0.12.0", "partial"), ("0.12.1", "partial")])
def test_metal_free_memory_before_and_from_0_12(version, verdict):
    # before 0.12 Ollama took Metal's whole working set (16 GiB) as free; from 0.12.0 it reads
    # the real free memory (4 GiB), too little for llama3.1:8b Q4_K_M (about 5.4 GB)
    r = estimate_fit(arch("llama3.1:8b"), apple(16, 4),
                     FitOptions(num_ctx=2048, ollama_version=version), quant="Q4_K_M")
    assert r.verdict == verdict


def test_integrated_gpus_come_after_discrete_ones():
    igpu = Gpu("amd", 0, "Radeon 780M", 16 * GiB, 12 * GiB, unified=True)
    dgpu = Gpu("amd", 1, "Radeon RX 7600", 8 * GiB, 7 * GiB)
    small = Gpu("amd", 2, "Radeon RX 6400", 4 * GiB, 3 * GiB)
    groups, names = _devices(machine(igpu, small, dgpu), parse_version("0.20.0"))
    # discrete cards by free memory, the integrated one last although it has the most
    assert [d.index for d in groups[0]] == [1, 2, 0]
    assert names == {0: "Radeon 780M", 1: "Radeon RX 7600", 2: "Radeon RX 6400"}
    assert [d.minimum for d in groups[0]] == [457 * MiB] * 3


def test_gpu_libraries_are_tried_largest_total_free_first():
    nv = Gpu("nvidia", 0, "RTX 3060", 12 * GiB, 10 * GiB)
    amd_a = Gpu("amd", 1, "RX 7600", 8 * GiB, 6 * GiB)
    amd_b = Gpu("amd", 2, "RX 7600", 8 * GiB, 6 * GiB)
    groups, _ = _devices(machine(nv, amd_a, amd_b), parse_version("0.20.0"))
    assert [[d.index for d in g] for g in groups] == [[1, 2], [0]]  # 12 GiB beats 10 GiB
    assert groups[1][0].free == 10 * GiB


def test_metal_device_minimum_and_free():
    groups, _ = _devices(apple(16, 4), parse_version("0.11.0"))
    (dev,) = groups[0]
    assert (dev.metal, dev.free, dev.minimum) == (True, 16 * GiB, 512 * MiB)
    groups, _ = _devices(apple(16, 4), parse_version("0.12.0"))
    assert groups[0][0].free == 4 * GiB


# (the static estimator, up to 0.12.10, leaves the input embeddings out altogether)
@pytest.mark.parametrize("version", ["0.20.0", "0.30.0"])
def test_cpu_only_counts_the_input_embeddings_once(version):
    llama = arch("llama3.1:8b")
    no_gpu = machine()
    opts = FitOptions(num_ctx=4096, ollama_version=version)
    with_embd = estimate_fit(llama, no_gpu, opts, weights=uniform(32, token_embd=300 * MiB))
    without = estimate_fit(llama, no_gpu, opts, weights=uniform(32, token_embd=0))
    assert with_embd.verdict == "cpu" and with_embd.placement.gpu_layers == 0
    assert with_embd.ps_size - without.ps_size == 300 * MiB
    assert with_embd.placement.cpu_bytes - without.placement.cpu_bytes == 300 * MiB


def test_cpu_only_size_adds_up_after_the_static_era():
    # weights 32 x 100 MiB + output 400 + token_embd 300 = 3,900 MiB; KV at 4096 tokens:
    # 4096 x (128 + 128) x 8 heads x 2 bytes x 32 layers = 512 MiB; + the full graph
    r = estimate_fit(arch("llama3.1:8b"), machine(),
                     FitOptions(num_ctx=4096, ollama_version="0.20.0"), weights=uniform(32))
    assert r.estimate.kv_cache_bytes == 512 * MiB
    assert r.estimate.weights_bytes == 3900 * MiB
    assert r.estimate.overhead_bytes == 0  # no phantom reservation outside the static era
    assert r.ps_size == 3900 * MiB + 512 * MiB + r.estimate.graph_bytes
    assert r.estimate.total_bytes == r.ps_size
    assert r.ps_size_vram == 0 and r.placement.cpu_bytes == r.ps_size
    assert r.estimate.graph_bytes == 296 * MiB + 2048  # the full-offload graph at 4096


def test_server_era_partial_load_adds_cpu_buffers():
    # llama-server (0.30+) once layers stay on the CPU also reports the input embeddings and
    # a CPU compute buffer of 4 x batch x (embedding + vocab) = 4 x 512 x (4096 + 128256)
    # = 271,056,896 bytes for llama3.1:8b
    llama = arch("llama3.1:8b")
    gpu = machine(Gpu("nvidia", 0, "RTX", 4 * GiB, 3 * GiB))
    r = estimate_fit(llama, gpu, FitOptions(num_ctx=4096, ollama_version="0.30.0"),
                     weights=uniform(32))
    assert r.era == "server" and r.verdict == "partial"
    on_cpu = 32 - r.placement.gpu_layers  # the output layer is the first to stay behind
    kv_layer = 4096 * 256 * 8 * 2
    expected_cpu = (on_cpu * (100 * MiB + kv_layer) + 400 * MiB + 300 * MiB + 271_056_896)
    assert r.placement.cpu_bytes == expected_cpu
    assert r.ps_size - r.ps_size_vram == expected_cpu
    no_embd = estimate_fit(llama, gpu, FitOptions(num_ctx=4096, ollama_version="0.30.0"),
                           weights=uniform(32, token_embd=0))
    assert r.placement.cpu_bytes - no_embd.placement.cpu_bytes == 300 * MiB


def test_server_era_full_offload_has_no_cpu_buffers():
    llama = arch("llama3.1:8b")
    r = estimate_fit(llama, machine(Gpu("nvidia", 0, "RTX", 48 * GiB, 40 * GiB)),
                     FitOptions(num_ctx=4096, ollama_version="0.30.0"), weights=uniform(32))
    assert r.verdict == "gpu" and r.placement.cpu_bytes == 0


def cpu_layout(cpu_bytes: int) -> Layout:
    return Layout([0], [0], 0, cpu_bytes, cpu_bytes, 0, 0)


def test_swap_counts_as_free_ram_except_on_unified_memory():
    # 10 GiB must live in RAM; 8 GiB is available and 4 GiB of swap is free
    lay = cpu_layout(10 * GiB)
    pc = machine(ram_gib=16, free_gib=8, swap_gib=4)
    verdict, _ = verdict_and_reason(pc, lay, [], 33, {})
    assert verdict == "cpu"  # 8 + 4 GiB of RAM and swap hold it
    mac = machine(Gpu("apple", 0, "Apple M2", 16 * GiB, 8 * GiB, unified=True),
                  ram_gib=16, free_gib=8, swap_gib=4)
    verdict, reason = verdict_and_reason(mac, lay, [], 33, {})
    assert verdict == "no"  # the GPU shares that memory: swap is no help
    # decimal units as ollama ps prints them: whole numbers from 10 GB up
    assert reason == "Needs 10 GB of RAM but only 8.6 GB of RAM is free: it will not load"


def test_a_layout_that_needs_exactly_the_free_ram_loads():
    pc = machine(ram_gib=16, free_gib=8, swap_gib=0)
    assert verdict_and_reason(pc, cpu_layout(8 * GiB), [], 33, {})[0] == "cpu"
    assert verdict_and_reason(pc, cpu_layout(8 * GiB + 1), [], 33, {})[0] == "no"


def test_the_reasons_in_words():
    nv = Gpu("nvidia", 0, "NVIDIA GeForce RTX 3060", 12 * GiB, 10 * GiB)
    pc = machine(nv, ram_gib=32, free_gib=24)
    dev = [Device(0, nv.name, 10 * GiB, 457 * MiB)]
    full = Layout([33], [6 * GiB], 6 * GiB, 6 * GiB, 0, 0, 0)
    assert verdict_and_reason(pc, full, dev, 33, {0: nv.name}) == (
        "gpu", "Needs 6.4 GB, 10 GB free on NVIDIA GeForce RTX 3060 (12 GB card): all 33 "
        "layers on the GPU")
    part = Layout([20], [9 * GiB], 9 * GiB, 12 * GiB, 3 * GiB, 0, 0)
    assert verdict_and_reason(pc, part, dev, 33, {0: nv.name}) == (
        "partial", "20 of 33 layers fit in 10 GB free on NVIDIA GeForce RTX 3060 (12 GB "
        "card); the rest runs on the CPU, expect it several times slower")
    none = Layout([0], [0], 0, 12 * GiB, 12 * GiB, 0, 0)
    assert verdict_and_reason(pc, none, dev, 33, {0: nv.name}) == (
        "cpu", "Not even one layer fits in 10 GB free on NVIDIA GeForce RTX 3060 (12 GB "
        "card); it runs on the CPU with 12 GB of RAM, expect it several times slower")
    assert verdict_and_reason(pc, none, [], 33, {}) == (
        "cpu", "Needs 12 GB, more than this machine's 34 GB of memory, so Ollama runs it "
        "on the CPU")
    bare = machine(ram_gib=32, free_gib=24)
    assert verdict_and_reason(bare, none, [], 33, {}) == (
        "cpu", "No usable GPU: runs on the CPU with 12 GB of RAM (25 GB free), expect it "
        "several times slower than on a GPU")


def test_a_metal_load_larger_than_ram_runs_on_the_cpu():
    # Ollama refuses a Metal load larger than physical memory: 8 GiB of RAM, a 16 GiB
    # working set before 0.12 (so the layout itself would fit), llama3.1:8b Q4_K_M at 32k
    mac = machine(Gpu("apple", 0, "Apple M1", 16 * GiB, 16 * GiB, unified=True),
                  ram_gib=8, free_gib=8)
    r = estimate_fit(arch("llama3.1:8b"), mac, FitOptions(num_ctx=32768, ollama_version="0.11.0"),
                     quant="Q4_K_M")
    assert (r.placement.gpu_layers, r.ps_size_vram, r.max_gpu_ctx) == (0, 0, 0)
    assert r.verdict == "no"  # and on the CPU it needs more than the 8 GiB there are
    at_2k = estimate_fit(arch("llama3.1:8b"), mac,
                         FitOptions(num_ctx=2048, ollama_version="0.11.0"), quant="Q4_K_M")
    assert at_2k.verdict == "gpu"  # 5.8 GB: under physical memory, so Metal takes it


def test_vision_projector_weights_count_with_its_graph():
    qvl = arch("qwen2.5vl:7b")
    big = machine(Gpu("nvidia", 0, "RTX", 48 * GiB, 40 * GiB))
    opts = FitOptions(num_ctx=4096, ollama_version="0.20.0")
    plain = estimate_fit(qvl, big, opts, weights=uniform(qvl.block_count))
    with_proj = estimate_fit(qvl, big, opts, weights=replace(uniform(qvl.block_count),
                                                             projector=600 * MiB))
    grown = with_proj.ps_size - plain.ps_size
    assert grown > 600 * MiB  # the weights plus the encoder's own scratch
    assert with_proj.placement.cpu_bytes == plain.placement.cpu_bytes == 0


def rtx(free: int) -> Machine:
    return machine(Gpu("nvidia", 0, "RTX", 48 * GiB, free, compute_capability="8.6"))


def test_measured_llama_engine_keeps_one_layer_free():
    # llama3.1:8b at 4096 (0.20.0): a layer is 100 MiB + 16 MiB of KV; everything is 32 x 116
    # + the 400 MiB output = 4,112 MiB; the graph 296 MiB + 2,048 bytes; the GPU keeps 457 MiB
    # free and the llama engine one more layer (116 MiB): 4,981 MiB + 2,048 bytes in all
    llama = arch("llama3.1:8b")
    opts = FitOptions(num_ctx=4096, ollama_version="0.20.0")
    assert estimate_fit(llama, rtx(4982 * MiB), opts, weights=uniform(32)).verdict == "gpu"
    assert estimate_fit(llama, rtx(4981 * MiB), opts, weights=uniform(32)).verdict == "partial"


def test_measured_ollama_engine_keeps_no_buffer_layer():
    # qwen3:4b runs on Ollama's own engine: no buffer layer. 36 x (100 + 16) + 400 = 4,576
    # MiB, the fallback graph (32 / 8 heads) x 576 MiB of KV / 6 = 384 MiB, + 457 MiB
    qwen = arch("qwen3:4b")
    opts = FitOptions(num_ctx=4096, ollama_version="0.20.0")
    fits = estimate_fit(qwen, rtx(5417 * MiB), opts, weights=uniform(36))
    assert fits.verdict == "gpu"
    assert fits.estimate.graph_bytes == 384 * MiB
    # its engine reports the input embeddings (300 MiB) in ps: 4,576 + 384 + 300
    assert fits.ps_size == fits.ps_size_vram == 5260 * MiB
    assert estimate_fit(qwen, rtx(5416 * MiB), opts, weights=uniform(36)).verdict == "partial"


@pytest.mark.parametrize(("flash", "graph"), [(True, 271_056_896), (False, 310_380_544)])
def test_server_graph_with_and_without_flash_attention(flash, graph):
    # llama.cpp's compute buffer at 4096, batch 512 (e 4096, 32 heads, vocab 128256):
    # logits 4 x 512 x (4096 + 128256) = 271,056,896; attention scores without flash
    # 4 x 512 x (1 + 4 x 4096 + 4096 x 33) = 310,380,544
    r = estimate_fit(arch("llama3.1:8b"), rtx(40 * GiB),
                     FitOptions(num_ctx=4096, ollama_version="0.30.0", flash_attention=flash),
                     weights=uniform(32))
    assert r.flash_attention is flash
    assert r.estimate.graph_bytes == graph


def test_static_cpu_only_reserves_one_layer():
    # the ≤0.12.10 estimator on the CPU: minimum 0 + a buffer of blk.0 (100 + 16 MiB);
    # size = 3,200 + 400 (no input embeddings) + 512 KV + graph + 116
    r = estimate_fit(arch("llama3.1:8b"), machine(),
                     FitOptions(num_ctx=4096, ollama_version="0.12.10"), weights=uniform(32))
    assert r.estimate.overhead_bytes == 116 * MiB
    assert r.ps_size == (3200 + 400 + 512 + 116) * MiB + r.estimate.graph_bytes
    assert r.estimate.graph_bytes == 296 * MiB + 2048


def test_exact_tensors_are_used_when_given():
    # 32 blocks of one F16 4096 x 1024 tensor (8 MiB each), an F16 output 4096 x 1024 with an
    # F32 norm of 4096 (16 KiB), F16 input embeddings 4096 x 512 (4 MiB): 256 + 8 + 4 MiB
    tensors = [{"name": f"blk.{i}.attn_q.weight", "type": "F16", "shape": [4096, 1024]}
               for i in range(32)]
    tensors += [{"name": "output.weight", "type": "F16", "shape": [4096, 1024]},
                {"name": "output_norm.weight", "type": "F32", "shape": [4096]},
                {"name": "token_embd.weight", "type": "F16", "shape": [4096, 512]}]
    r = estimate_fit(arch("llama3.1:8b"), machine(),
                     FitOptions(num_ctx=4096, ollama_version="0.20.0"), tensors=tensors)
    assert r.estimate.weights_bytes == 256 * MiB + 8 * MiB + 16 * 1024 + 4 * MiB


def test_ollama_engine_models_measure_from_0_11_11():
    # Ollama's own engine measured its layouts from 0.11.11, the llama engine from 0.12.11
    opts = FitOptions(num_ctx=4096, ollama_version="0.12.0")
    assert estimate_fit(arch("qwen3:4b"), machine(), opts, weights=uniform(36)).era == "measured"
    assert estimate_fit(arch("llama3.1:8b"), machine(), opts, weights=uniform(32)).era == "static"


@pytest.mark.parametrize(("overhead_gib", "ctx"), [(0, 32768), (2, 4096)])
def test_default_context_counts_the_gpu_overhead(overhead_gib, ctx):
    # from 0.15.5 the default context follows usable VRAM: 24 GiB -> 32k, but with 2 GiB of
    # OLLAMA_GPU_OVERHEAD only 22 GiB are usable, under 23 GiB -> 4096
    card = machine(Gpu("nvidia", 0, "RTX 4090", 24 * GiB, 23 * GiB))
    r = estimate_fit(arch("llama3.1:8b"), card,
                     FitOptions(ollama_version="0.20.0", gpu_overhead=overhead_gib * GiB),
                     weights=uniform(32))
    assert r.num_ctx == ctx


def test_what_the_result_says_about_its_inputs():
    r = estimate_fit(arch("llama3.1:8b"), machine(), FitOptions(num_ctx=2048,
                     ollama_version="v0.12"), quant="q4_K_M")
    assert (r.model, r.quant, r.ollama_version) == ("", "Q4_K_M", "0.12.0")
    r = estimate_fit(arch("llama3.1:8b"), machine(), FitOptions(num_ctx=2048),
                     weights=uniform(32), model="llama3.1:8b")
    assert (r.model, r.quant) == ("llama3.1:8b", "")


def test_largest_gpu_context_is_a_multiple_of_256_that_fits():
    # 8 GiB free: llama3.1:8b (uniform 100 MiB layers) fits at some contexts, not at 128k
    llama = arch("llama3.1:8b")
    card = rtx(8 * GiB)
    r = estimate_fit(llama, card, FitOptions(num_ctx=4096, ollama_version="0.20.0"),
                     weights=uniform(32))
    best = r.max_gpu_ctx
    assert 4096 < best < llama.context_length and best % 256 == 0

    def verdict(ctx: int) -> str:
        return estimate_fit(llama, card, FitOptions(num_ctx=ctx, ollama_version="0.20.0"),
                            weights=uniform(32)).verdict

    assert verdict(best) == "gpu"
    assert verdict(best + 256) == "partial"


def test_largest_gpu_context_is_the_trained_one_when_everything_fits():
    r = estimate_fit(arch("llama3.2:3b"), rtx(40 * GiB),
                     FitOptions(num_ctx=4096, ollama_version="0.20.0"), quant="Q4_K_M")
    assert r.max_gpu_ctx == 131072  # llama3.2's trained context
    assert estimate_fit(arch("llama3.2:3b"), machine(), FitOptions(num_ctx=4096),
                        quant="Q4_K_M").max_gpu_ctx == 0
