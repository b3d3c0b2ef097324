"""What this machine offers a model: NVIDIA (NVML), AMD (sysfs), Apple (sysctl), CPU and RAM.

``probe_machine`` runs each probe on its own; a probe that fails leaves the others intact and
records why in ``Machine.probes`` ("ok" | "unavailable: <reason>" | "skipped: <reason>").
Everything here blocks (NVML, sysfs, a ``sysctl`` subprocess); async callers use
``probe_machine_async``, which runs it in a worker thread.
"""

from __future__ import annotations

import asyncio
import platform as stdlib_platform
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from quantdesk.core.hardware._common import ProbeUnavailable
from quantdesk.core.hardware.amd import probe_amd
from quantdesk.core.hardware.apple import SysctlRunner, metal_share, probe_apple, run_sysctl
from quantdesk.core.hardware.host import cpu_model, fallback_threads, probe_host
from quantdesk.core.hardware.nvidia import probe_nvidia
from quantdesk.core.hardware.overrides import (
    OverrideError,
    SizeError,
    machine_override,
    parse_memory_size,
    parse_size,
)
from quantdesk.core.hardware.serialize import machine_to_json
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

__all__ = [
    "OverrideError",
    "ProbeUnavailable",
    "SizeError",
    "current_platform",
    "machine_override",
    "machine_to_json",
    "metal_share",
    "parse_memory_size",
    "parse_size",
    "probe_machine",
    "probe_machine_async",
]

PROBE_NAMES = ("nvml", "amd_sysfs", "apple_sysctl", "psutil")


def current_platform() -> str:
    """``"<sys.platform>/<machine>"``, e.g. ``linux/x86_64`` or ``darwin/arm64``."""
    return f"{sys.platform}/{stdlib_platform.machine().lower()}"


def _run(probe: Callable[[], list[Gpu]]) -> tuple[list[Gpu], str]:
    try:
        return probe(), "ok"
    except ProbeUnavailable as exc:
        return [], f"unavailable: {exc}"
    except Exception as exc:  # a bug or an odd driver must not take the other probes down
        return [], f"unavailable: unexpected {type(exc).__name__}: {exc}"


def probe_machine(
    *,
    nvml: ModuleType | Any | None = None,
    sysfs_root: str | Path = "/",
    sysctl_runner: SysctlRunner | None = None,
    psutil_mod: ModuleType | Any | None = None,
    platform: str | None = None,
) -> Machine:
    """Probe the GPUs, RAM and CPU of this machine.

    ``platform`` is ``"<sys.platform>/<machine>"`` (default: this machine). The AMD probe runs
    on Linux or when ``sysfs_root`` points elsewhere (a test tree); the Apple probe runs on
    darwin/arm64 or when a ``sysctl_runner`` is given (forced).
    """
    plat = platform or current_platform()
    system, _, arch = plat.partition("/")
    probes: dict[str, str] = {}
    gpus: list[Gpu] = []

    found, probes["nvml"] = _run(lambda: probe_nvidia(nvml))
    gpus += found

    if system.startswith("linux") or Path(sysfs_root) != Path("/"):
        found, probes["amd_sysfs"] = _run(lambda: probe_amd(sysfs_root))
        gpus += found
    else:
        probes["amd_sysfs"] = "skipped: AMD memory is read from Linux sysfs only"

    if (system == "darwin" and arch == "arm64") or sysctl_runner is not None:
        found, probes["apple_sysctl"] = _run(lambda: probe_apple(sysctl_runner))
        gpus += found
    else:
        probes["apple_sysctl"] = "skipped: not an Apple Silicon Mac"

    runner = sysctl_runner or (run_sysctl if system == "darwin" else None)
    try:
        model = cpu_model(system, sysfs_root, runner)
    except Exception:  # the name is cosmetic; never let it cost the RAM figures
        model = "unknown CPU"
    try:
        ram, cores, threads = probe_host(psutil_mod)
        probes["psutil"] = "ok"
    except ProbeUnavailable as exc:
        ram, cores, threads = Ram(0, 0), 0, fallback_threads()
        probes["psutil"] = f"unavailable: {exc}"
    except Exception as exc:
        ram, cores, threads = Ram(0, 0), 0, fallback_threads()
        probes["psutil"] = f"unavailable: unexpected {type(exc).__name__}: {exc}"
    return Machine(
        gpus=tuple(gpus), ram=ram, cpu=Cpu(model=model, cores=cores, threads=threads), probes=probes
    )


async def probe_machine_async(**kwargs: Any) -> Machine:
    """``probe_machine`` off the event loop's thread (NVML and sysctl calls block)."""
    return await asyncio.to_thread(probe_machine, **kwargs)
