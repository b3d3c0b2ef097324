"""Version-dependent rules: which layout code path applies, defaults, and ``ollama ps`` text.

Ollama changed how it sizes memory three times (see ``fit-model.md`` §0): a static estimate
up to 0.12.10, measured layouts from 0.12.11 (earlier for its own engine's models), and
llama.cpp's ``llama-server --fit`` from 0.30.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from quantdesk.core import units

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
    """num_parallel when ``OLLAMA_NUM_PARALLEL`` is unset (the scheduler may fall back to 1):
    ``defaultParallel`` in server/sched.go is 4 from 0.2.0, 2 from 0.6.7, 1 from 0.10.0."""
    if (0, 2, 0) <= version < (0, 6, 7):
        return 4
    if (0, 6, 7) <= version < (0, 10, 0):
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


def ps_size_text(n: int) -> str:
    """``format.HumanBytes``: decimal units, whole numbers from 10 up, one decimal below."""
    return units.gb(n)


def processor_text(size: int, vram: int) -> str:
    """The PROCESSOR column of ``ollama ps``."""
    if vram <= 0:
        return "100% CPU"
    if vram >= size:
        return "100% GPU"
    cpu = math.floor((size - vram) / size * 100 + 0.5)  # Go's math.Round: half away from zero
    return f"{cpu}%/{100 - cpu}% CPU/GPU"
