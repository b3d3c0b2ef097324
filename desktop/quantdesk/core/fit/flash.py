"""Flash attention and the KV cache type: what the daemon really runs with, and why.

The rules come from Ollama's source (``fit-model.md`` §2, §9): a quantised KV cache (q8_0,
q4_0) is honoured only with flash attention on, which needs every GPU to support it
(``ml.FlashAttentionSupported``: the CPU from 0.12.11, Metal, ROCm, Vulkan, CUDA with compute
capability 6.0 or more except the 7.2 of Jetson Xavier) and the model too
(``SupportsFlashAttention``: not an embedding model, not gemma2 or grok, key and value heads of
one width). With the setting left on "auto", Ollama turns flash attention on by itself for
some architectures (``FlashAttention()``) and, for the llama engine from 0.13.4 and for every
model in the llama-server era, on every supported GPU; for the llama engine a quantised cache
then still needs ``OLLAMA_FLASH_ATTENTION=1`` set explicitly, so "auto" keeps it at f16.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import rules
from quantdesk.core.machine import Gpu

FlashSetting = Literal["auto", "on", "off"]
FLASH_SETTINGS: tuple[FlashSetting, ...] = ("auto", "on", "off")

# Architectures Ollama turns flash attention on for by itself, and the first release whose
# ``FlashAttention()`` (fs/ggml/ggml.go) lists them.
_ON_BY_DEFAULT: dict[str, rules.Version] = {
    "gptoss": (0, 11, 8), "gpt-oss": (0, 11, 8), "qwen3": (0, 12, 4), "qwen3moe": (0, 12, 4),
    "gemma3": (0, 12, 6), "qwen3vl": (0, 12, 8), "qwen3vlmoe": (0, 12, 8),
    "mistral3": (0, 13, 2), "qwen3next": (0, 15, 5), "qwen35": (0, 17, 1),
    "qwen35moe": (0, 17, 1), "gemma4": (0, 20, 4),
}
_ALWAYS_SUPPORTED = frozenset({"qwen35", "qwen35moe", "qwen3next"})
_NEVER_SUPPORTED = frozenset({"gemma2", "grok"})
_CPU_SUPPORTED_SINCE: rules.Version = (0, 12, 11)
_AUTO_SINCE: rules.Version = (0, 13, 4)


def as_setting(value: bool | str | None) -> FlashSetting:
    """``True``/``"on"``, ``False``/``"off"``, ``None``/``"auto"`` as one setting."""
    if value is None or value == "auto":
        return "auto"
    if value is True or value == "on":
        return "on"
    if value is False or value == "off":
        return "off"
    raise ValueError(f"flash attention must be auto, on or off, not {value!r}")


def as_option(setting: FlashSetting) -> bool | None:
    """The setting as ``FitOptions.flash_attention`` takes it (None = the daemon decides)."""
    return None if setting == "auto" else setting == "on"


def model_support(arch: Architecture, model_info: Mapping[str, Any] | None = None) -> str:
    """"" when the model can use flash attention, else why not (in words)."""
    if model_info and f"{arch.arch}.pooling_type" in model_info:
        return "it is an embedding model"
    if arch.arch in _ALWAYS_SUPPORTED:
        return ""
    if arch.arch in _NEVER_SUPPORTED:
        return f"Ollama does not use flash attention for {arch.arch}"
    if not arch.key_length or arch.key_length != arch.value_length:
        return "its key and value heads differ in width"
    return ""


def gpu_support(gpus: Sequence[Gpu], version: rules.Version) -> str:
    """"" when every device can run flash attention, else which one cannot and why."""
    if not gpus:
        return "" if version >= _CPU_SUPPORTED_SINCE else \
            f"Ollama {_text(version)} has no flash attention on the CPU"
    for gpu in gpus:
        if gpu.vendor != "nvidia":
            continue  # Metal, ROCm, Vulkan and what-if cards all support it
        major, _, minor = gpu.compute_capability.partition(".")
        if gpu.compute_capability and (int(major or 0) < 6 or (major, minor) == ("7", "2")):
            return (f"{gpu.name} (CUDA compute {gpu.compute_capability}) does not support "
                    "flash attention")
    return ""


def _text(version: rules.Version) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True, slots=True)
class FlashState:
    """How flash attention and the KV cache come out for one model on one machine."""

    setting: FlashSetting
    enabled: bool  # flash attention on in the daemon
    kv_requested: str
    kv_used: str  # the cache type really allocated
    unsupported: str  # why flash attention cannot run here ("" when it can)
    note: str  # one plain sentence for beside the setting ("" when nothing needs saying)

    def to_json(self) -> dict[str, Any]:
        return {"setting": self.setting, "enabled": self.enabled,
                "kv_cache_requested": self.kv_requested, "kv_cache_used": self.kv_used,
                "note": self.note or None}


def resolve(
    setting: FlashSetting,
    kv_type: str,
    version: rules.Version,
    arch: Architecture,
    gpus: Sequence[Gpu],
    model_info: Mapping[str, Any] | None = None,
) -> FlashState:
    """What Ollama ``version`` runs with for ``setting`` and ``kv_type`` (f16/q8_0/q4_0)."""
    why_not = model_support(arch, model_info) or gpu_support(gpus, version)
    has_gpu = bool(gpus)
    explicit = setting == "on"
    by_arch = arch.arch in _ON_BY_DEFAULT and version >= _ON_BY_DEFAULT[arch.arch] and has_gpu
    # 0.13.4-0.29 hand "auto" to the llama engine's runner only; Ollama's own engine keeps
    # flash attention off unless FlashAttention() lists the architecture (llm/server.go).
    auto = version >= (0, 30, 0) or (
        version >= _AUTO_SINCE and has_gpu and not rules.ollama_engine(arch.arch))
    if setting == "off":
        enabled = False
    elif explicit or by_arch or auto:
        enabled = not why_not
    else:
        enabled = False
    # A quantised cache needs flash attention, and for the llama engine an explicit "on".
    kv_ok = enabled and (explicit or by_arch or rules.ollama_engine(arch.arch))
    quantised = kv_type not in ("f16", "")
    kv_used = kv_type if (kv_ok or not quantised) else "f16"
    return FlashState(setting, enabled, kv_type, kv_used, why_not,
                      _note(setting, kv_type, kv_used, enabled, why_not, by_arch, auto,
                            version, arch.arch))


def _note(setting: FlashSetting, kv: str, kv_used: str, enabled: bool, why_not: str,
          by_arch: bool, auto: bool, version: rules.Version, arch: str) -> str:
    v = _text(version)
    if kv != kv_used:
        if why_not:
            return f"A {kv} KV cache needs flash attention, and {why_not}: the cache stays f16."
        if setting == "off":
            return f"A {kv} KV cache needs flash attention; with it off the cache stays f16."
        if enabled:
            return (f"On Ollama {v} a {kv} KV cache for {arch} needs flash attention set to "
                    "on (OLLAMA_FLASH_ATTENTION=1); with auto the cache stays f16.")
        return (f"A {kv} KV cache needs flash attention, which Ollama {v} leaves off unless "
                "set to on (OLLAMA_FLASH_ATTENTION=1): the cache stays f16.")
    if setting == "on" and why_not:
        return f"Flash attention is set to on, but {why_not}: Ollama runs without it."
    if setting == "auto" and enabled and kv == "f16":
        who = f"for {arch}" if by_arch and not auto else "on this hardware"
        return f"Ollama {v} turns flash attention on by itself {who}."
    return ""
