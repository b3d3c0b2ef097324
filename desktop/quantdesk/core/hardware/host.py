"""System RAM and CPU, through psutil, plus the CPU's model name.

The model name comes from ``/proc/cpuinfo`` on Linux, ``machdep.cpu.brand_string`` on macOS and
``platform.processor()`` elsewhere; psutil has no portable call for it.
"""

from __future__ import annotations

import os
import platform as stdlib_platform
from pathlib import Path
from types import ModuleType
from typing import Any

from quantdesk.core.hardware._common import ProbeUnavailable
from quantdesk.core.hardware.apple import SysctlRunner
from quantdesk.core.machine import Ram

# Keys that name the CPU in /proc/cpuinfo: x86 first, then what ARM and other kernels print.
_CPUINFO_KEYS = ("model name", "hardware", "processor", "cpu model", "cpu")


def _from_cpuinfo(root: Path) -> str:
    try:
        text = (root / "proc" / "cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if sep and value and key not in fields:
            fields[key] = value
    for key in _CPUINFO_KEYS:
        # "processor" on x86 is just the index ("0"); only a name is of use.
        if key in fields and not fields[key].isdigit():
            return fields[key]
    return ""


def cpu_model(
    system: str, sysfs_root: str | Path = "/", sysctl_runner: SysctlRunner | None = None
) -> str:
    """The CPU's name for people; ``system`` is ``sys.platform`` ("linux", "darwin", "win32")."""
    name = ""
    if system.startswith("linux"):
        name = _from_cpuinfo(Path(sysfs_root))
    elif system == "darwin" and sysctl_runner is not None:
        try:
            name = sysctl_runner("machdep.cpu.brand_string").strip()
        except Exception:  # fall through to the generic name
            name = ""
    return name or stdlib_platform.processor() or stdlib_platform.machine() or "unknown CPU"


def probe_host(psutil_mod: ModuleType | Any | None = None) -> tuple[Ram, int, int]:
    """RAM, physical cores and logical threads; ProbeUnavailable when psutil cannot tell."""
    if psutil_mod is None:
        try:
            import psutil
        except ImportError as exc:
            raise ProbeUnavailable("the psutil package is not installed") from exc
        psutil_mod = psutil
    try:
        vm = psutil_mod.virtual_memory()
        swap = psutil_mod.swap_memory()
        threads = psutil_mod.cpu_count(logical=True) or os.cpu_count() or 0
        # psutil returns None for physical cores where the OS hides them (some VMs, BSDs).
        cores = psutil_mod.cpu_count(logical=False) or threads
    except (OSError, RuntimeError, AttributeError) as exc:
        raise ProbeUnavailable(f"psutil could not read memory or CPU counts ({exc})") from exc
    ram = Ram(
        total_bytes=int(vm.total),
        available_bytes=int(vm.available),
        swap_total_bytes=int(swap.total),
        swap_free_bytes=int(swap.free),
    )
    if ram.total_bytes <= 0:
        raise ProbeUnavailable("psutil reported no memory")
    return ram, int(cores), int(threads)


def fallback_threads() -> int:
    """Logical processors without psutil, so a failed RAM probe still leaves a thread count."""
    return os.cpu_count() or 0
