"""The fit in words, line by line, from sizes chosen so that each figure is easy to write by
hand in ``ollama ps``'s decimal units (Go ``format.HumanBytes``: 5.5 GB, 12 GB, 457 MB)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quantdesk.core.fit.explain import (
    context_words,
    device_words,
    explain,
    layers_words,
    verdict_and_reason,
)
from quantdesk.core.fit.layout import Device, Layout
from quantdesk.core.fit.result import Estimate, FitResult, Placement
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

GiB, GB = 1 << 30, 10**9
CARD = Gpu("nvidia", 0, "NVIDIA GeForce RTX 3060", 12 * GiB, 11 * GB)
CPU = Cpu("Ryzen", 8)


def machine(*gpus: Gpu, ram: int = 16 * GB, swap: int = 0) -> Machine:
    return Machine(gpus, Ram(32 * GB, ram, swap_total_bytes=swap, swap_free_bytes=swap), CPU)


def layout(layers: list[int], *, size: int, vram: int = 0, cpu: int = 0) -> Layout:
    return Layout(layers=layers, device_bytes=[vram] * len(layers), vram=vram, size=size,
                  cpu_bytes=cpu, graph=0, reserved=0)


ON_CARD = [Device(0, "CUDA0", 11 * GB, 0)]
NAMES = {0: "NVIDIA GeForce RTX 3060"}


def test_devices_are_named_with_their_nominal_size_once():
    totals = {0: 12 * GiB, 1: 24 * GiB}
    two = [Device(0, "CUDA0", 1, 0), Device(1, "CUDA1", 1, 0)]
    assert device_words(two, {0: "RTX 3060", 1: "RTX 4090"}, totals) == \
        "RTX 3060 (12 GB card) + RTX 4090 (24 GB card)"
    # a name that already says its size is not told it twice
    assert device_words(two[:1], {0: "GPU with 12 GB (what if)"}, totals) == \
        "GPU with 12 GB (what if)"
    # without a name or a total
    assert device_words(two[:1], {}, totals) == "the GPU (12 GB card)"
    assert device_words(two[1:], {1: "RTX 4090"}, {}) == "RTX 4090"
    assert device_words([], NAMES, totals) == "the GPU"


def test_all_layers_on_the_gpu():
    verdict, why = verdict_and_reason(machine(CARD), layout([33], size=5_500_000_000,
                                      vram=5_500_000_000), ON_CARD, 33, NAMES)
    assert verdict == "gpu"
    assert why == ("Needs 5.5 GB, 11 GB free on NVIDIA GeForce RTX 3060 (12 GB card): all 33 "
                   "layers on the GPU")


def test_some_layers_on_the_gpu():
    verdict, why = verdict_and_reason(machine(CARD), layout([14], size=6 * GB, vram=3 * GB,
                                      cpu=3 * GB), ON_CARD, 33, NAMES)
    assert verdict == "partial"
    assert why == ("14 of 33 layers fit in 11 GB free on NVIDIA GeForce RTX 3060 (12 GB card); "
                   "the rest runs on the CPU, expect it several times slower")


def test_more_than_the_ram_will_not_load():
    # 10 GB free and 2 GB of free swap is 12 GB: 13 GB does not load
    verdict, why = verdict_and_reason(machine(CARD, ram=10 * GB, swap=2 * GB),
                                      layout([0], size=13 * GB, cpu=13 * GB), ON_CARD, 33, NAMES)
    assert verdict == "no"
    assert why == "Needs 13 GB of RAM but only 12 GB of RAM is free: it will not load"
    # with exactly 12 GB it does
    assert verdict_and_reason(machine(CARD, ram=10 * GB, swap=2 * GB),
                              layout([0], size=12 * GB, cpu=12 * GB), ON_CARD, 33,
                              NAMES)[0] == "cpu"


def test_unified_memory_has_no_swap_to_count():
    mac = Gpu("apple", 0, "Apple M2", 16 * GiB, 10 * GB, unified=True)
    verdict, why = verdict_and_reason(machine(mac, ram=10 * GB, swap=4 * GB),
                                      layout([0], size=12 * GB, cpu=12 * GB),
                                      [Device(0, "Metal", 10 * GB, 0, metal=True)], 33,
                                      {0: "Apple M2"})
    assert verdict == "no"
    assert why == "Needs 12 GB of RAM but only 10 GB of RAM is free: it will not load"
    # one byte over the free RAM is already too much
    assert verdict_and_reason(machine(mac, ram=10 * GB, swap=4 * GB),
                              layout([0], size=10 * GB + 1, cpu=10 * GB + 1),
                              [Device(0, "Metal", 10 * GB, 0, metal=True)], 33,
                              {0: "Apple M2"})[0] == "no"


def test_the_three_ways_to_run_on_the_cpu():
    unusable = replace(CARD, usable=False)
    verdict, why = verdict_and_reason(machine(unusable), layout([0], size=5 * GB, cpu=5 * GB),
                                      [], 33, NAMES)
    assert (verdict, why) == ("cpu", "No usable GPU: runs on the CPU with 5 GB of RAM (16 GB "
                                     "free), expect it several times slower than on a GPU")
    # a GPU too small to be tried at all: the model needs more than the machine holds
    verdict, why = verdict_and_reason(machine(CARD), layout([0], size=5 * GB, vram=40 * GB,
                                      cpu=5 * GB), [], 33, NAMES)
    assert (verdict, why) == ("cpu", "Needs 40 GB, more than this machine's 32 GB of memory, "
                                     "so Ollama runs it on the CPU")
    verdict, why = verdict_and_reason(machine(CARD), layout([0], size=5 * GB, cpu=5 * GB), [],
                                      33, NAMES)
    assert why == ("Needs 5 GB, more than this machine's 32 GB of memory, so Ollama runs it on "
                   "the CPU")
    verdict, why = verdict_and_reason(machine(CARD), layout([0], size=5 * GB, cpu=5 * GB),
                                      [Device(0, "CUDA0", 200 * 10**6, 0)], 33, NAMES)
    assert (verdict, why) == ("cpu", "Not even one layer fits in 200 MB free on NVIDIA GeForce "
                                     "RTX 3060 (12 GB card); it runs on the CPU with 5 GB of "
                                     "RAM, expect it several times slower")


def test_layer_count_words():
    assert layers_words(33) == "33 layers (32 blocks and the output layer)"


@pytest.mark.parametrize(("tokens", "text"), [
    (1024, "1k"), (2048, "2k"), (131072, "128k"), (11520, "11.2k"), (1536, "1.5k"),
    (1023, "1023"), (256, "256"), (4097, "4.0k"), (100_000, "97.7k"),
])
def test_context_words(tokens, text):
    assert context_words(tokens) == text


def result(**kw: object) -> FitResult:
    base: dict[str, object] = dict(
        model="m", quant="Q4_K_M", num_ctx=8192, num_parallel=1, kv_cache_type="f16",
        flash_attention=False, ollama_version="0.12.10", era="static",
        estimate=Estimate(4_300_000_000, 1_100_000_000, 560_000_000, 457_000_000,
                          6_400_000_000),
        placement=Placement(33, 33, (), 0), verdict="gpu", max_gpu_ctx=32768,
        reason="Needs 6.4 GB", ps_size=6_900_000_000, ps_size_vram=6_900_000_000,
    )
    base.update(kw)
    return FitResult(**base)  # type: ignore[arg-type]


def test_the_breakdown_of_a_full_fit():
    assert explain(result()) == [
        "Needs 6.4 GB",
        "Weights 4.3 GB; KV cache 1.1 GB (f16, 8k context)",
        "Compute graph 560 MB; reserved by Ollama 457 MB; total 6.4 GB",
        "On the GPU: 33 of 33 layers (32 blocks and the output layer)",
        "Largest context fully on the GPU: 32k",
        "Ollama 0.12.10 would show 6.9 GB, 100% GPU",
    ]


def test_the_breakdown_of_a_partial_fit_with_slots():
    # ps size 6.1 GB, 3.3 GB of it on the GPU: 2.8/6.1 = 45.9 % on the CPU -> 46%/54%
    lines = explain(result(num_parallel=4, kv_cache_type="q8_0", num_ctx=2048,
                           placement=Placement(14, 33, (), 2_800_000_000), max_gpu_ctx=0,
                           ps_size=6_100_000_000, ps_size_vram=3_300_000_000))
    assert lines[1] == "Weights 4.3 GB; KV cache 1.1 GB (q8_0, 2k context x 4 slots)"
    assert lines[3] == ("On the GPU: 14 of 33 layers (32 blocks and the output layer); 2.8 GB "
                        "in system RAM")
    assert lines[4] == "No context length runs fully on the GPU here"
    assert lines[5] == "Ollama 0.12.10 would show 6.1 GB, 46%/54% CPU/GPU"


def test_two_slots_are_named():
    lines = explain(result(num_parallel=2))
    assert lines[1] == "Weights 4.3 GB; KV cache 1.1 GB (f16, 8k context x 2 slots)"
