"""probe_machine as a whole: every probe reports, and no failure hides another."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from quantdesk.core.hardware import probe_machine

GiB = 1 << 30


class NvmlError(Exception):
    value = 999


def crashing_nvml() -> SimpleNamespace:
    def init() -> None:
        raise RuntimeError("driver returned garbage")

    return SimpleNamespace(NVMLError=NvmlError, nvmlInit=init)


def amd_tree(root: Path) -> Path:
    dev = root / "sys/class/drm/card0/device"
    dev.mkdir(parents=True)
    (dev / "vendor").write_text("0x1002\n")
    (dev / "device").write_text("0x744c\n")
    (dev / "mem_info_vram_total").write_text(f"{24 * GiB}\n")
    (dev / "mem_info_vram_used").write_text(f"{GiB}\n")
    return root


def test_failures_in_some_probes_leave_the_others(tmp_path):
    def sysctl(key: str) -> str:
        raise PermissionError(f"cannot run sysctl for {key}")

    machine = probe_machine(
        nvml=crashing_nvml(),
        sysfs_root=amd_tree(tmp_path),
        sysctl_runner=sysctl,
        platform="linux/x86_64",
    )
    assert machine.probes["nvml"] == "unavailable: unexpected RuntimeError: driver returned garbage"
    assert machine.probes["apple_sysctl"].startswith("unavailable: could not read hw.memsize")
    assert machine.probes["amd_sysfs"] == "ok"
    assert machine.probes["psutil"] == "ok"
    (gpu,) = machine.gpus
    assert gpu.name == "AMD Radeon RX 7900 XT / 7900 XTX" and gpu.free_bytes == 23 * GiB
    assert machine.ram.total_bytes > 0 and machine.override == ""


def test_gpus_from_several_vendors_are_all_kept(tmp_path):
    values = {"hw.memsize": str(16 * GiB), "machdep.cpu.brand_string": "Apple M2"}
    machine = probe_machine(
        nvml=crashing_nvml(),
        sysfs_root=amd_tree(tmp_path),
        sysctl_runner=values.__getitem__,
        platform="linux/x86_64",
    )
    assert [g.vendor for g in machine.gpus] == ["amd", "apple"]
    assert machine.total_vram_bytes == 24 * GiB + 16 * GiB * 2 // 3
