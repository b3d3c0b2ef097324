"""Version-dependent rules: which layout code path applies, defaults, and ``ollama ps`` text.

Ollama changed how it sizes memory three times (see ``fit-model.md`` §0): a static estimate
up to 0.12.10, measured layouts from 0.12.11 (earlier for its own engine's models), and
llama.cpp's ``llama-server --fit`` from 0.30.
"""

from __future__ import annotations

import math
import re
from typing import Literal

Era = Literal["static", "measured", "server"]
Version = tuple[int, int, int]

NEWEST_VERSION = "0.33.0"
GiB = 1 << 30
MiB = 1 << 20

# Architectures Ollama runs on its own engine (fs/ggml OllamaEngineRequired, grows per release).
OLLAMA_ENGINE = frozenset(
    {
        "gemma3",
        "gemma3n",
        "gemma4",
        "qwen3",
        "qwen3moe",
        "qwen3vl",
        "qwen3vlmoe",
        "qwen3next",
        "qwen35",
        "qwen35moe",
        "gptoss",
        "gpt-oss",
        "llama4",
        "mistral3",
        "qwen25vl",
        "deepseek2",
        "mllama",
    }
)
# Architectures whose flash attention Ollama turns on by itself, and since when.
_FLASH_BY_DEFAULT: dict[str, Version] = {
    "gptoss": (0, 11, 8),
    "gpt-oss": (0, 11, 8),
    "gemma3": (0, 12, 6),
    "qwen3": (0, 12, 0),
    "qwen3moe": (0, 12, 0),
    "qwen3vl": (0, 12, 0),
    "mistral3": (0, 12, 0),
    "qwen35": (0, 12, 0),
    "qwen35moe": (0, 12, 0),
    "qwen3next": (0, 12, 0),
}


def parse_version(text: str | None) -> Version:
    """``"0.12.10"``, ``"v0.6.7-rc1"`` or ``None`` (= the newest rules) as a comparable tuple."""
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or NEWEST_VERSION)
    if not m:
        m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", NEWEST_VERSION)
        assert m is not None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def ollama_engine(arch: str) -> bool:
    return arch in OLLAMA_ENGINE


def era_for(version: Version, arch: str) -> Era:
    if version >= (0, 30, 0):
        return "server"
    if version >= (0, 12, 11):
        return "measured"
    if version >= (0, 11, 11) and ollama_engine(arch):
        return "measured"
    return "static"


def minimum_memory(vendor: str) -> int:
    """Memory Ollama leaves free on each GPU (``MinimumMemory``)."""
    return 512 * MiB if vendor == "apple" else 457 * MiB


def default_parallel(version: Version) -> int:
    """num_parallel when ``OLLAMA_NUM_PARALLEL`` is unset (the scheduler may fall back to 1)."""
    if (0, 2, 0) <= version < (0, 7, 0):
        return 4
    if (0, 7, 0) <= version < (0, 10, 0):
        return 2
    return 1


def default_num_ctx(
    version: Version, arch: str, trained: int, total_vram: int, gpu_overhead: int = 0
) -> int:
    """The context the daemon picks when neither request, Modelfile nor env sets one."""
    if version <= (0, 6, 6):
        ctx = 2048
    elif version < (0, 15, 5):
        ctx = 4096
        # gpt-oss gets 8192; "low VRAM mode" from 0.11.4 keeps cards under 20 GiB at 4096
        big = version < (0, 11, 4) or total_vram >= 20 * GiB
        if arch in ("gptoss", "gpt-oss") and version >= (0, 11, 0) and big:
            ctx = 8192
    else:
        usable = total_vram - gpu_overhead
        ctx = 4096 if usable < 23 * GiB else 32768 if usable < 47 * GiB else 262144
    return max(1, min(ctx, trained)) if trained else ctx


def resolve_flash(
    option: bool | None, version: Version, arch: str, has_gpu: bool
) -> tuple[bool, bool]:
    """(flash attention on, quantised KV honoured) for an option of on/off/None (= default)."""
    if option is not None:
        return option, option
    since = _FLASH_BY_DEFAULT.get(arch)
    if since is not None and version >= since and has_gpu:
        return True, True
    if version >= (0, 30, 0) or (version >= (0, 13, 4) and has_gpu):
        # "auto": on, but a quantised cache still needs OLLAMA_FLASH_ATTENTION=1 explicitly
        return True, ollama_engine(arch)
    return False, False


def ps_size_text(n: int) -> str:
    """``format.HumanBytes``: decimal units, whole numbers from 10 up, one decimal below."""
    units = (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3))
    unit, scale = next(((u, s) for u, s in units if n >= s), ("B", 1))
    value = n / scale
    if value >= 10 or value == math.trunc(value):
        return f"{int(value)} {unit}"
    return f"{value:.1f} {unit}"


def processor_text(size: int, vram: int) -> str:
    """The PROCESSOR column of ``ollama ps``."""
    if vram <= 0:
        return "100% CPU"
    if vram >= size:
        return "100% GPU"
    cpu = math.floor((size - vram) / size * 100 + 0.5)  # Go's math.Round: half away from zero
    return f"{cpu}%/{100 - cpu}% CPU/GPU"


def gib_text(n: int) -> str:
    """Binary gigabytes the way the reason line prints them ("6.5 GiB", "21 GiB")."""
    value = n / GiB
    return f"{value:.1f} GiB" if value < 10 else f"{round(value)} GiB"
