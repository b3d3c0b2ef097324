"""NVIDIA GPUs through NVML (the ``pynvml`` module of nvidia-ml-py).

NVML ships with the driver, so "library not found" simply means "no NVIDIA driver": that and
the other usual failures become reasons a person can act on. Ollama's CUDA builds need compute
capability 5.0 or newer (docs.ollama.com/gpu, checked 2025: "compute capability 5.0+ and driver
version 550 and newer", and cards of 5.0–6.2 "require driver version 570 or newer"). A card below
5.0 is listed but marked unusable; driver shortfalls only add a note, because older Ollama
releases accepted older drivers (531+) and the user may run one of those.
"""

from __future__ import annotations

import contextlib
from types import ModuleType
from typing import Any

from quantdesk.core.hardware._common import ProbeUnavailable
from quantdesk.core.machine import Gpu

MIN_COMPUTE = (5, 0)
MIN_DRIVER = 550
# Maxwell and Pascal (5.0–6.2) are built against an older CUDA that needs a newer driver.
OLD_ARCH_MAX = (6, 2)
OLD_ARCH_MIN_DRIVER = 570

# NVML return codes (nvml.h); compared by value so an injected module need not subclass.
_LIBRARY_NOT_FOUND = 12
_DRIVER_NOT_LOADED = 9
_NO_PERMISSION = 4
_INSUFFICIENT_POWER = 8
_FUNCTION_NOT_FOUND = 13
_GPU_IS_LOST = 15
_RM_VERSION_MISMATCH = 18

_REASONS = {
    _LIBRARY_NOT_FOUND: "no NVIDIA driver found (the NVML library is not installed)",
    _DRIVER_NOT_LOADED: "the NVIDIA driver is installed but not loaded; reboot, or check "
    "`nvidia-smi`",
    _NO_PERMISSION: "no permission to query the NVIDIA driver; check access to /dev/nvidia*",
    _INSUFFICIENT_POWER: "an NVIDIA GPU is not getting enough power; check its power cables",
    _FUNCTION_NOT_FOUND: "the NVIDIA driver is too old for this query; update the driver",
    _GPU_IS_LOST: "an NVIDIA GPU stopped responding (GPU is lost); reboot the machine",
    _RM_VERSION_MISMATCH: "the NVIDIA driver and its library do not match (usually after a "
    "driver update); reboot the machine",
}


def nvml_reason(exc: BaseException) -> str:
    """A sentence for an NVML error; unknown codes keep NVML's own words."""
    code = getattr(exc, "value", None)
    if isinstance(code, int) and code in _REASONS:
        return _REASONS[code]
    return f"NVML error: {exc}"


def _text(value: str | bytes) -> str:
    # nvidia-ml-py before 11.515 returned bytes; later versions return str.
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _driver_major(driver: str) -> int | None:
    head = driver.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _assess(cc: tuple[int, int] | None, driver: str) -> tuple[bool, str]:
    """Whether Ollama can use a card of this compute capability, and why not / what limits it."""
    if cc is None:
        return True, "compute capability unknown"
    text = f"{cc[0]}.{cc[1]}"
    if cc < MIN_COMPUTE:
        return False, (
            f"compute capability {text} is below {MIN_COMPUTE[0]}.{MIN_COMPUTE[1]}, the minimum "
            "Ollama's CUDA build supports; models run on the CPU instead"
        )
    major = _driver_major(driver)
    if major is not None and cc <= OLD_ARCH_MAX and major < OLD_ARCH_MIN_DRIVER:
        return True, (
            f"current Ollama needs NVIDIA driver {OLD_ARCH_MIN_DRIVER}+ for compute capability "
            f"{text} (found {driver}); update the driver"
        )
    if major is not None and major < MIN_DRIVER:
        return True, (
            f"current Ollama needs NVIDIA driver {MIN_DRIVER}+ (found {driver}); update the driver"
        )
    return True, ""


def _read_device(nvml: Any, index: int, driver: str) -> Gpu:
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        name = _text(nvml.nvmlDeviceGetName(handle))
        mem = nvml.nvmlDeviceGetMemoryInfo(handle)
    except nvml.NVMLError as exc:
        # One broken card must not hide the others; list it as unusable with the reason.
        return Gpu(
            vendor="nvidia",
            index=index,
            name=f"NVIDIA GPU {index}",
            total_bytes=0,
            free_bytes=0,
            driver_version=driver,
            usable=False,
            note=f"could not read this GPU: {nvml_reason(exc)}",
        )
    try:
        uuid = _text(nvml.nvmlDeviceGetUUID(handle))
    except nvml.NVMLError:
        uuid = ""
    try:
        major, minor = nvml.nvmlDeviceGetCudaComputeCapability(handle)
        cc: tuple[int, int] | None = (int(major), int(minor))
    except nvml.NVMLError:
        cc = None
    usable, note = _assess(cc, driver)
    return Gpu(
        vendor="nvidia",
        index=index,
        name=name or f"NVIDIA GPU {index}",
        total_bytes=int(mem.total),
        free_bytes=int(mem.free),
        used_bytes=int(mem.used),
        uuid=uuid,
        driver_version=driver,
        compute_capability=f"{cc[0]}.{cc[1]}" if cc else "",
        usable=usable,
        note=note,
    )


def probe_nvidia(nvml: ModuleType | Any | None = None) -> list[Gpu]:
    """Every NVIDIA GPU NVML reports; raises ProbeUnavailable with a reason when NVML cannot run.

    ``nvml`` is the pynvml module (default: imported here, so a missing package is a reason and
    not a crash at import time of QuantDesk).
    """
    if nvml is None:
        try:
            import pynvml
        except ImportError as exc:
            raise ProbeUnavailable("the nvidia-ml-py package is not installed") from exc
        nvml = pynvml
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        raise ProbeUnavailable(nvml_reason(exc)) from exc
    try:
        try:
            driver = _text(nvml.nvmlSystemGetDriverVersion())
        except nvml.NVMLError:
            driver = ""
        count = int(nvml.nvmlDeviceGetCount())
        return [_read_device(nvml, i, driver) for i in range(count)]
    except nvml.NVMLError as exc:
        raise ProbeUnavailable(nvml_reason(exc)) from exc
    finally:
        # A failed shutdown tells the user nothing useful; the figures are already read.
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()
