"""Apple Silicon unified memory, read with ``sysctl``.

Metal lets the GPU use a share of RAM (``recommendedMaxWorkingSetSize``): by default 2/3 of RAM
below 36 GiB and 3/4 from 36 GiB up (observed: a 16 GB Mac reports 10922.67 MiB, a 36 GB M3 Max
27 GiB — see shared/fit-model.md §4); ``sudo sysctl iogpu.wired_limit_mb=N`` replaces it with
N MiB. Without Metal there is no live figure, so free is the whole share.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from quantdesk.core.hardware._common import ProbeUnavailable
from quantdesk.core.machine import Gpu
from quantdesk.core.units import GiB, MiB, gib

SysctlRunner = Callable[[str], str]

LARGE_MAC = 36 * GiB


def run_sysctl(key: str) -> str:
    """The value of one sysctl key; raises OSError or CalledProcessError when it is not set."""
    done = subprocess.run(
        ["sysctl", "-n", key], capture_output=True, text=True, check=True, timeout=5
    )
    return done.stdout.strip()


def metal_share(ram_bytes: int, wired_limit_mb: int = 0) -> int:
    """Bytes of unified memory the GPU may use, as macOS decides it."""
    if wired_limit_mb > 0:
        return wired_limit_mb * MiB
    if ram_bytes < LARGE_MAC:
        return ram_bytes * 2 // 3
    return ram_bytes * 3 // 4


def share_note(ram_bytes: int, wired_limit_mb: int = 0) -> str:
    if wired_limit_mb > 0:
        return f"unified memory; limit set by iogpu.wired_limit_mb={wired_limit_mb}"
    fraction = "2/3" if ram_bytes < LARGE_MAC else "3/4"
    return f"unified memory; macOS lets the GPU use {fraction} of {gib(ram_bytes)} RAM"


def _wired_limit(runner: SysctlRunner) -> int:
    try:
        value = runner("iogpu.wired_limit_mb").strip()
    except Exception:  # older macOS has no such key: the default share applies
        return 0
    return int(value) if value.isdigit() else 0


def probe_apple(runner: SysctlRunner | None = None) -> list[Gpu]:
    """The one Apple GPU with its share of unified memory; ProbeUnavailable if RAM is unknown."""
    run = runner or run_sysctl
    try:
        memsize = int(run("hw.memsize").strip())
    except Exception as exc:
        raise ProbeUnavailable(f"could not read hw.memsize with sysctl ({exc})") from exc
    if memsize <= 0:
        raise ProbeUnavailable("sysctl reported no memory (hw.memsize is 0)")
    try:
        chip = run("machdep.cpu.brand_string").strip() or "Apple Silicon"
    except Exception:  # the name is cosmetic; the memory figures matter
        chip = "Apple Silicon"
    wired = _wired_limit(run)
    share = metal_share(memsize, wired)
    return [
        Gpu(
            vendor="apple",
            index=0,
            name=chip,
            total_bytes=share,
            free_bytes=share,
            unified=True,
            note=share_note(memsize, wired),
        )
    ]
