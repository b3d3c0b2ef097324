"""Flash attention and the KV cache type, case by case against Ollama's Go source:
``ml.FlashAttentionSupported`` (ml/device.go), ``GGML.SupportsFlashAttention`` and the
architecture list of ``GGML.FlashAttention`` release by release (fs/ggml/ggml.go), and the
server's rule that a quantised cache needs flash attention (llm/server.go)."""

from __future__ import annotations

import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit.flash import as_option, as_setting, gpu_support, model_support, resolve
from quantdesk.core.machine import Gpu

GiB = 1 << 30


def shape(name: str = "llama", key: int = 128, value: int = 128) -> Architecture:
    return Architecture(
        arch=name, block_count=2, embedding_length=256, head_count=(2, 2), head_count_kv=(2, 2),
        key_length=key, value_length=value, vocab_size=100, context_length=2048,
    )


def nvidia(cc: str, name: str = "NVIDIA card") -> Gpu:
    return Gpu("nvidia", 0, name, 8 * GiB, 8 * GiB, compute_capability=cc)


AMPERE = (nvidia("8.6", "RTX 3060"),)
V = (0, 12, 10)


@pytest.mark.parametrize(
    ("value", "setting"),
    [(None, "auto"), ("auto", "auto"), (True, "on"), ("on", "on"), (False, "off"),
     ("off", "off")],
)
def test_settings_read_from_booleans_and_words(value, setting):
    assert as_setting(value) == setting


@pytest.mark.parametrize("value", [1, 0, "yes", "", "ON"])
def test_anything_else_is_refused_by_name(value):
    with pytest.raises(ValueError) as err:
        as_setting(value)
    assert str(err.value) == f"flash attention must be auto, on or off, not {value!r}"


def test_settings_as_the_fit_options_take_them():
    assert (as_option("auto"), as_option("on"), as_option("off")) == (None, True, False)


def test_which_models_can_use_flash_attention():
    # SupportsFlashAttention: no <arch>.pooling_type key, qwen35/qwen35moe/qwen3next always,
    # never gemma2 or grok, else key and value head widths equal and non-zero
    assert model_support(shape()) == ""
    assert model_support(shape(), {"llama.context_length": 8192}) == ""
    assert model_support(shape("bert"), {"bert.pooling_type": 1}) == "it is an embedding model"
    assert model_support(shape("qwen35"), {"qwen35.pooling_type": 0}) == \
        "it is an embedding model"
    assert model_support(shape("qwen3next", 128, 64)) == ""
    assert model_support(shape("gemma2")) == "Ollama does not use flash attention for gemma2"
    assert model_support(shape("grok", 128, 64)) == "Ollama does not use flash attention for grok"
    assert model_support(shape(key=192, value=128)) == "its key and value heads differ in width"
    assert model_support(shape(key=0, value=0)) == "its key and value heads differ in width"


def test_which_devices_can_run_flash_attention():
    # the CPU from 0.12.11; CUDA from compute 6.0 except Jetson Xavier's 7.2; every other
    # library (Metal, ROCm, Vulkan)
    assert gpu_support((), (0, 12, 11)) == ""
    assert gpu_support((), (0, 12, 10)) == "Ollama 0.12.10 has no flash attention on the CPU"
    for cc in ("6.0", "6", "7.0", "7.5", "8.7", "12.0"):
        assert gpu_support((nvidia(cc),), V) == "", cc
    assert gpu_support((nvidia("5.2", "GTX 970"),), V) == \
        "GTX 970 (CUDA compute 5.2) does not support flash attention"
    assert gpu_support((nvidia("7.2", "Xavier"),), V) == \
        "Xavier (CUDA compute 7.2) does not support flash attention"
    assert gpu_support((Gpu("amd", 0, "RX 7900", 24 * GiB, 24 * GiB),
                        Gpu("apple", 1, "Apple M2", 16 * GiB, 12 * GiB)), V) == ""


def test_one_device_without_flash_attention_turns_it_off_for_all():
    old = nvidia("3.5", "Tesla K80")
    assert gpu_support((Gpu("amd", 0, "RX 6800", 16 * GiB, 16 * GiB), old), V) == \
        "Tesla K80 (CUDA compute 3.5) does not support flash attention"
    assert gpu_support((AMPERE[0], old), V) == \
        "Tesla K80 (CUDA compute 3.5) does not support flash attention"


def test_an_unknown_compute_capability_is_given_the_benefit_of_the_doubt():
    assert gpu_support((nvidia(""),), V) == ""


@pytest.mark.parametrize(
    ("arch", "before", "since"),
    [
        ("gptoss", (0, 11, 7), (0, 11, 8)),
        ("qwen3", (0, 12, 3), (0, 12, 4)),
        ("qwen3moe", (0, 12, 3), (0, 12, 4)),
        ("gemma3", (0, 12, 5), (0, 12, 6)),
        ("qwen3vl", (0, 12, 7), (0, 12, 8)),
        ("qwen3vlmoe", (0, 12, 7), (0, 12, 8)),
    ],
)
def test_architectures_ollama_turns_flash_attention_on_for(arch, before, since):
    # the first release whose FlashAttention() lists the architecture; before 0.13.4 "auto"
    # means off for every other model
    off = resolve("auto", "f16", before, shape(arch), AMPERE)
    assert (off.enabled, off.note) == (False, "")
    on = resolve("auto", "f16", since, shape(arch), AMPERE)
    text = ".".join(map(str, since))
    assert on.enabled and on.note == f"Ollama {text} turns flash attention on by itself for {arch}."


@pytest.mark.parametrize("arch", ["mistral3", "qwen3next", "qwen35", "gemma4"])
def test_architectures_listed_after_0_13_4_gain_nothing_before_it(arch):
    assert not resolve("auto", "f16", (0, 13, 1), shape(arch), AMPERE).enabled


def test_an_architecture_default_needs_a_gpu():
    # on the CPU only the general "auto" of 0.30+ turns it on
    assert not resolve("auto", "f16", (0, 12, 11), shape("qwen3"), ()).enabled
    server = resolve("auto", "f16", (0, 30, 0), shape("qwen3"), ())
    assert server.enabled
    assert server.note == "Ollama 0.30.0 turns flash attention on by itself on this hardware."


def test_auto_turns_on_for_every_model_from_0_13_4_on_a_gpu():
    assert not resolve("auto", "f16", (0, 13, 3), shape(), AMPERE).enabled
    s = resolve("auto", "f16", (0, 13, 4), shape(), AMPERE)
    assert s.enabled and s.kv_used == "f16"
    assert s.note == "Ollama 0.13.4 turns flash attention on by itself on this hardware."
    # Ollama's own engine is not the llama engine's "auto": its list still names qwen3
    both = resolve("auto", "f16", (0, 13, 4), shape("qwen3"), AMPERE)
    assert both.note == "Ollama 0.13.4 turns flash attention on by itself for qwen3."
    # from 0.30 llama-server decides for every model
    late = resolve("auto", "f16", (0, 30, 0), shape("qwen3"), AMPERE)
    assert late.note == "Ollama 0.30.0 turns flash attention on by itself on this hardware."
    assert not resolve("auto", "f16", (0, 13, 4), shape(), ()).enabled


def test_on_is_refused_where_the_model_or_the_gpu_cannot():
    s = resolve("on", "f16", V, shape("gemma2"), AMPERE)
    assert (s.enabled, s.kv_used, s.unsupported) == \
        (False, "f16", "Ollama does not use flash attention for gemma2")
    assert s.note == ("Flash attention is set to on, but Ollama does not use flash attention "
                      "for gemma2: Ollama runs without it.")
    q = resolve("on", "q4_0", V, shape(), (nvidia("5.0", "GTX 750"),))
    assert (q.enabled, q.kv_requested, q.kv_used) == (False, "q4_0", "f16")
    assert q.note == ("A q4_0 KV cache needs flash attention, and GTX 750 (CUDA compute 5.0) "
                      "does not support flash attention: the cache stays f16.")


def test_auto_where_it_cannot_run_says_nothing_about_f16():
    s = resolve("auto", "f16", (0, 13, 4), shape("gemma2"), AMPERE)
    assert (s.enabled, s.note) == (False, "")


def test_off_keeps_an_f16_cache():
    s = resolve("off", "q8_0", (0, 13, 4), shape("qwen3"), AMPERE)
    assert (s.enabled, s.kv_used) == (False, "f16")
    assert s.note == "A q8_0 KV cache needs flash attention; with it off the cache stays f16."
    quiet = resolve("off", "f16", (0, 13, 4), shape("qwen3"), AMPERE)
    assert (quiet.enabled, quiet.kv_used, quiet.note, quiet.unsupported) == \
        (False, "f16", "", "")


def test_an_empty_cache_type_is_the_default_f16():
    s = resolve("off", "", V, shape(), AMPERE)
    assert (s.kv_requested, s.kv_used, s.note) == ("", "", "")


def test_a_quantised_cache_on_auto():
    # Ollama-engine models (qwen3) honour it as soon as flash attention is on
    q = resolve("auto", "q8_0", (0, 12, 4), shape("qwen3"), AMPERE)
    assert (q.enabled, q.kv_used, q.note) == (True, "q8_0", "")
    # the llama engine needs OLLAMA_FLASH_ATTENTION=1 even where auto turned it on
    ll = resolve("auto", "q4_0", (0, 13, 4), shape(), AMPERE)
    assert (ll.enabled, ll.kv_used) == (True, "f16")
    assert ll.note == ("On Ollama 0.13.4 a q4_0 KV cache for llama needs flash attention set "
                       "to on (OLLAMA_FLASH_ATTENTION=1); with auto the cache stays f16.")
    # an architecture default counts as asked for: 0.11.8 honours the cache once it is on
    g = resolve("auto", "q8_0", (0, 11, 8), shape("gptoss"), AMPERE)
    assert (g.enabled, g.kv_used) == (True, "q8_0")
    # where auto is off nothing honours it
    old = resolve("auto", "q8_0", (0, 12, 3), shape("qwen3"), AMPERE)
    assert (old.enabled, old.kv_used) == (False, "f16")
    assert old.note == ("A q8_0 KV cache needs flash attention, which Ollama 0.12.3 leaves off "
                        "unless set to on (OLLAMA_FLASH_ATTENTION=1): the cache stays f16.")


def test_the_state_as_json():
    s = resolve("on", "q8_0", V, shape(), AMPERE)
    assert s.to_json() == {"setting": "on", "enabled": True, "kv_cache_requested": "q8_0",
                           "kv_cache_used": "q8_0", "note": None}
    off = resolve("off", "q8_0", V, shape(), AMPERE).to_json()
    assert off["note"] == "A q8_0 KV cache needs flash attention; with it off the cache stays f16."
    assert (off["setting"], off["enabled"], off["kv_cache_used"]) == ("off", False, "f16")


def test_an_embedding_model_runs_without_flash_attention():
    s = resolve("on", "q8_0", V, shape("bert"), AMPERE, {"bert.pooling_type": 1})
    assert (s.enabled, s.kv_used, s.unsupported) == (False, "f16", "it is an embedding model")
    assert resolve("on", "q8_0", V, shape("bert"), AMPERE, {}).enabled


def test_auto_on_ollamas_own_engine_follows_its_list_until_llama_server():
    # 0.13.4's llm/server.go passes "auto" to the llama engine's runner only; an Ollama-engine
    # model that FlashAttention() does not list (gemma3n) runs without it
    assert not resolve("auto", "q8_0", (0, 13, 4), shape("gemma3n"), AMPERE).enabled
    # llama-server decides for every model and takes the cache type as given
    s = resolve("auto", "q8_0", (0, 30, 0), shape("gemma3n"), AMPERE)
    assert (s.enabled, s.kv_used, s.note) == (True, "q8_0", "")
