"""Flash attention and the KV cache type as Ollama's source decides them, and the fit in words
(decimal GB/MB as ``ollama ps`` prints them, one layer count)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from advice_support import catalog_ladder, what_if

from quantdesk.core import units
from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitOptions, estimate_fit
from quantdesk.core.fit.explain import context_words, explain
from quantdesk.core.fit.flash import resolve
from quantdesk.core.machine import Gpu
from quantdesk.sim.catalog import catalog

GiB = 1 << 30
CUDA = (Gpu("nvidia", 0, "NVIDIA GeForce RTX 3060", 12 * GiB, 12 * GiB,
            compute_capability="8.6"),)


def arch(name: str) -> Architecture:
    return Architecture.from_model_info(catalog().resolve(name).model_info)


LLAMA = "llama3.1:8b-instruct-q4_K_M"


def test_llama_on_032_keeps_an_f16_cache_unless_flash_attention_is_set_on():
    auto = resolve("auto", "q8_0", (0, 32, 15), arch(LLAMA), CUDA)
    assert auto.enabled and auto.kv_used == "f16"
    assert "OLLAMA_FLASH_ATTENTION=1" in auto.note and "q8_0" in auto.note
    on = resolve("on", "q8_0", (0, 32, 15), arch(LLAMA), CUDA)
    assert on.enabled and on.kv_used == "q8_0" and on.note == ""
    off = resolve("off", "q8_0", (0, 32, 15), arch(LLAMA), CUDA)
    assert not off.enabled and off.kv_used == "f16" and "with it off" in off.note


def test_ollama_engine_models_take_a_quantised_cache_on_auto():
    q = resolve("auto", "q8_0", (0, 32, 15), arch("qwen3:4b-q4_K_M"), CUDA)
    assert q.enabled and q.kv_used == "q8_0"


def test_models_and_gpus_that_cannot_run_flash_attention():
    gemma2 = resolve("on", "q8_0", (0, 32, 15), arch("gemma2:9b-instruct-q4_0"), CUDA)
    assert not gemma2.enabled and gemma2.kv_used == "f16" and "gemma2" in gemma2.note
    xavier = (replace(CUDA[0], name="Jetson AGX Xavier", compute_capability="7.2"),)
    jetson = resolve("on", "f16", (0, 32, 15), arch(LLAMA), xavier)
    assert not jetson.enabled and "7.2" in jetson.note
    odd = replace(arch(LLAMA), value_length=64)
    assert "differ in width" in resolve("on", "q4_0", (0, 32, 15), odd, CUDA).note
    # the CPU runs flash attention from 0.12.11, not before
    assert resolve("on", "q8_0", (0, 12, 11), arch(LLAMA), ()).kv_used == "q8_0"
    assert not resolve("on", "q8_0", (0, 12, 10), arch(LLAMA), ()).enabled


def test_before_0_13_4_auto_means_off_for_llama():
    old = resolve("auto", "q8_0", (0, 12, 10), arch(LLAMA), CUDA)
    assert not old.enabled and old.kv_used == "f16" and "leaves off" in old.note


def test_estimate_applies_the_rules():
    a = arch(LLAMA)
    v = catalog().resolve(LLAMA)
    opts = FitOptions(num_ctx=32768, kv_cache_type="q8_0")
    auto = estimate_fit(a, what_if(24), opts, weight_bytes=v.model_bytes, quant=v.quant)
    on = estimate_fit(a, what_if(24), replace(opts, flash_attention=True),
                      weight_bytes=v.model_bytes, quant=v.quant)
    assert auto.kv_cache_type == "f16" and on.kv_cache_type == "q8_0"
    # 32 layers x 8 KV heads x 256 x 32768 tokens: 4 GiB at 2 bytes, 2 GiB at 1 byte
    assert auto.estimate.kv_cache_bytes == 4 * GiB and on.estimate.kv_cache_bytes == 2 * GiB
    assert auto.flash_note and not on.flash_note


@pytest.mark.parametrize(("n", "text"), [
    (4_900_000_000, "4.9 GB"), (11_400_000_000, "11 GB"), (12 * GiB, "12 GB"),
    (479_199_232, "479 MB"), (999, "999 B"), (5_000_000_000, "5 GB"),
])
def test_gb_is_ollamas_human_bytes(n, text):
    assert units.gb(n) == text


def test_cards_are_named_by_their_nominal_size():
    assert units.card_text(12 * GiB) == "12 GB" and units.card_text(8 * GiB) == "8 GB"
    # 7.5 GiB is no card's nominal size: plain decimal, 8.05 GB
    assert units.card_text(int(7.5 * GiB)) == units.gb(int(7.5 * GiB)) == "8.1 GB"


def test_reasons_speak_decimal_gb_and_one_layer_count():
    ladder = catalog_ladder("llama3.1")
    v = next(v for v in ladder.variants if v.tag == "8b-instruct-q4_K_M")
    a = Architecture.from_model_info(ladder.shapes[v.name][1])
    full = estimate_fit(a, what_if(12), FitOptions(num_ctx=4096), weight_bytes=v.model_bytes,
                        quant=v.quant)
    assert "GiB" not in full.reason
    assert full.reason == (f"Needs {units.gb(full.ps_size)}, {units.gb(12 * GiB)} free on "
                           "GPU with 12 GB (what if): all 33 layers on the GPU")
    lines = explain(full)
    assert lines[0] == full.reason
    assert any("33 of 33 layers (32 blocks and the output layer)" in line for line in lines)
    assert all("GiB" not in line for line in lines)
    part = estimate_fit(a, what_if(8), FitOptions(num_ctx=32768), weight_bytes=v.model_bytes,
                        quant=v.quant)
    p = part.placement
    # 8 GiB free is 8.59 GB
    assert part.reason.startswith(f"{p.gpu_layers} of {p.total_layers} layers fit in 8.6 GB")
    assert context_words(11520) == "11.2k" and context_words(16384) == "16k"
