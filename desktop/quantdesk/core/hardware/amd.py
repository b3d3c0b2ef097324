"""AMD GPUs on Linux, read from the amdgpu driver's sysfs files, as Ollama itself does.

Each ``/sys/class/drm/cardN/device`` with vendor 0x1002 is an AMD device; its
``mem_info_vram_total`` and ``mem_info_vram_used`` give the memory (free = total − used,
``discover/amd_linux.go``). Devices with under 1 GiB of VRAM are integrated GPUs, which Ollama
(before its Vulkan backend) treated as unsupported.
"""

from __future__ import annotations

import re
from pathlib import Path

from quantdesk.core.hardware._common import ProbeUnavailable
from quantdesk.core.machine import Gpu
from quantdesk.core.units import GiB, gib

AMD_VENDOR = 0x1002
IGPU_LIMIT = 1 * GiB
_CARD = re.compile(r"^card(\d+)$")  # skips connector entries such as card0-DP-1

# PCI device ids of common cards, for kernels without a product_name file (pci.ids names).
DEVICE_NAMES: dict[int, str] = {
    0x66AF: "Radeon VII",
    0x738C: "Instinct MI100",
    0x740C: "Instinct MI250X / MI250",
    0x74A1: "Instinct MI300X",
    0x73BF: "Radeon RX 6800 / 6800 XT / 6900 XT",
    0x73DF: "Radeon RX 6700 XT / 6750 XT",
    0x73FF: "Radeon RX 6600 / 6600 XT",
    0x744C: "Radeon RX 7900 XT / 7900 XTX",
    0x747E: "Radeon RX 7700 XT / 7800 XT",
    0x7480: "Radeon RX 7600",
    0x7550: "Radeon RX 9070 / 9070 XT",
    0x1681: "Radeon 680M (integrated)",
    0x15BF: "Radeon 780M (integrated)",
    0x164E: "Radeon Graphics (Ryzen 7000, integrated)",
}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _read_int(path: Path, base: int = 10) -> int | None:
    text = _read(path)
    if not text:
        return None
    try:
        return int(text, base)
    except ValueError:
        return None


def _name(dev: Path) -> str:
    product = _read(dev / "product_name")
    if product:
        return product
    device_id = _read_int(dev / "device", 16)
    if device_id is not None and device_id in DEVICE_NAMES:
        return f"AMD {DEVICE_NAMES[device_id]}"
    return "AMD GPU"


def _card_number(path: Path) -> int:
    match = _CARD.match(path.name)
    return int(match.group(1)) if match else -1


def _read_card(dev: Path, index: int) -> Gpu:
    name = _name(dev)
    total = _read_int(dev / "mem_info_vram_total")
    if total is None:
        return Gpu(
            vendor="amd",
            index=index,
            name=name,
            total_bytes=0,
            free_bytes=0,
            usable=False,
            note="no VRAM figure in sysfs; is the amdgpu driver loaded?",
        )
    used = _read_int(dev / "mem_info_vram_used")
    note = "" if used is not None else "VRAM in use unknown; counted as all free"
    used = min(used or 0, total)
    usable = total >= IGPU_LIMIT
    if not usable:
        note = (
            f"integrated GPU with only {gib(total)} of dedicated VRAM; Ollama runs models "
            "on the CPU instead"
        )
    return Gpu(
        vendor="amd",
        index=index,
        name=name,
        total_bytes=total,
        free_bytes=total - used,
        used_bytes=used,
        usable=usable,
        note=note,
    )


def probe_amd(sysfs_root: str | Path = "/") -> list[Gpu]:
    """Every AMD GPU under ``<sysfs_root>/sys/class/drm``; ProbeUnavailable when there is none."""
    drm = Path(sysfs_root) / "sys" / "class" / "drm"
    if not drm.is_dir():
        raise ProbeUnavailable("no /sys/class/drm (no graphics driver is loaded)")
    cards = sorted((p for p in drm.iterdir() if _CARD.match(p.name)), key=_card_number)
    gpus: list[Gpu] = []
    for card in cards:
        dev = card / "device"
        if _read_int(dev / "vendor", 16) != AMD_VENDOR:
            continue
        gpus.append(_read_card(dev, len(gpus)))
    if not gpus:
        raise ProbeUnavailable("no AMD GPU found")
    return gpus
