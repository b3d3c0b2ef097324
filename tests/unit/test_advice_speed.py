"""Expected generation speed from memory bandwidth and where the layers are."""

from __future__ import annotations

import statistics

import pytest
from advice_support import catalog_ladder, what_if

from quantdesk.core.advice import Evaluator, PlanSettings, estimate_speed
from quantdesk.core.advice.speed import efficiency, gpu_bandwidth, ram_bandwidth
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

GiB = 1 << 30
GB = 1e9


def test_efficiency_is_the_median_of_the_published_rates():
    # llama.cpp discussion #4167: LLaMA 7B Q4_0 (3.56 GiB) generation rates, whole tok/s,
    # on chips of known bandwidth; effective share = rate x bytes / bandwidth.
    size = 3.56 * GiB
    points = [(14, 68.25), (36, 200), (61, 400), (94, 800), (66, 400)]
    expected = statistics.median(rate * size / (bw * GB) for rate, bw in points)
    assert efficiency() == pytest.approx(expected, rel=1e-6)
    assert 0.6 < efficiency() < 0.65


@pytest.mark.parametrize(("name", "vendor", "gbs"), [
    ("NVIDIA GeForce RTX 3060", "nvidia", 360),
    ("NVIDIA GeForce RTX 3060 Ti", "nvidia", 448),  # the longer name wins
    ("NVIDIA GeForce RTX 4090 Laptop GPU", "nvidia", 576),
    ("NVIDIA H100 PCIe", "nvidia", 2000),
    ("AMD Radeon RX 7900 XTX", "amd", 960),
    ("Apple M2 Pro", "apple", 200),
    ("Apple M1", "apple", 68.25),
])
def test_bandwidth_by_name(name, vendor, gbs):
    found = gpu_bandwidth(Gpu(vendor, 0, name, 8 * GiB, 8 * GiB))
    assert found is not None and found[0] == gbs * GB


def test_unknown_cards_are_assumed_and_said_so():
    rate, words = gpu_bandwidth(Gpu("other", 0, "GPU with 8 GB (what if)", 8 * GiB, 8 * GiB))
    assert rate == 360 * GB and "assumed" in words
    assert gpu_bandwidth(Gpu("apple", 0, "Apple M9 Hyper", 8 * GiB, 8 * GiB)) is None
    stated = Gpu("other", 0, "x", 8 * GiB, 8 * GiB, bandwidth=123e9)
    assert gpu_bandwidth(stated)[0] == 123e9
    assert ram_bandwidth(Machine((), Ram(1, 1), Cpu("c", 1)))[0] == 51.2 * GB


def _fit(model_tag: str, machine: Machine, ctx: int = 4096):
    ladder = catalog_ladder("llama3.1")
    v = next(v for v in ladder.variants if v.tag == model_tag)
    key, info = ladder.shapes[v.name]
    return Evaluator().fit(v, key, info, machine, PlanSettings(num_ctx=ctx))


def test_all_on_the_gpu_reads_every_weight_at_the_cards_speed():
    card = Machine((Gpu("nvidia", 0, "NVIDIA GeForce RTX 4090", 24 * GiB, 24 * GiB),),
                   Ram(32 * GiB, 32 * GiB), Cpu("c", 8))
    fit = _fit("8b-instruct-q4_K_M", card)
    speed = estimate_speed(fit, card)
    assert fit.verdict == "gpu" and speed.kind == "estimate"
    # 1008 GB/s x 0.63 / 4.62 GB of weights read per token = about 137 tok/s
    assert speed.tokens_per_s == pytest.approx(1008e9 * efficiency() / fit.estimate.weights_bytes)
    assert "RTX 4090 1008 GB/s" in speed.basis


def test_a_partial_load_adds_the_ram_time_of_the_layers_left_behind():
    machine = what_if(8)
    fit = _fit("8b-instruct-q4_K_M", machine, 32768)
    p = fit.placement
    assert fit.verdict == "partial"
    w, eff = fit.estimate.weights_bytes, efficiency()
    seconds = (w * p.gpu_layers / p.total_layers) / (360e9 * eff) + \
        (w * (p.total_layers - p.gpu_layers) / p.total_layers) / (51.2e9 * eff)
    assert estimate_speed(fit, machine).tokens_per_s == pytest.approx(1 / seconds)


def test_cpu_only_reads_from_ram():
    cpu = Machine((), Ram(32 * GiB, 32 * GiB, bandwidth=80e9), Cpu("c", 8))
    fit = _fit("8b-instruct-q4_K_M", cpu)
    speed = estimate_speed(fit, cpu)
    assert speed.tokens_per_s == pytest.approx(80e9 * efficiency() / fit.estimate.weights_bytes)
    assert "on the CPU" in speed.basis
