"""RAM and CPU through psutil: a faked psutil for exact figures, and the real one here."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from quantdesk.core.hardware import probe_machine
from quantdesk.core.hardware.host import cpu_model, probe_host

GiB = 1 << 30

CPUINFO_X86 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD Ryzen 9 7950X 16-Core Processor
cpu MHz\t\t: 4500.000

processor\t: 1
model name\t: AMD Ryzen 9 7950X 16-Core Processor
"""

CPUINFO_ARM = """processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid

Hardware\t: BCM2835
Model\t\t: Raspberry Pi 4 Model B Rev 1.4
"""


class FakePsutil:
    def __init__(
        self,
        total: int,
        available: int,
        swap_total: int,
        swap_free: int,
        cores: int | None,
        threads: int,
    ) -> None:
        self.mem = SimpleNamespace(total=total, available=available)
        self.swap = SimpleNamespace(total=swap_total, free=swap_free)
        self.cores, self.threads = cores, threads

    def virtual_memory(self) -> SimpleNamespace:
        return self.mem

    def swap_memory(self) -> SimpleNamespace:
        return self.swap

    def cpu_count(self, logical: bool = True) -> int | None:
        return self.threads if logical else self.cores


def fake_root(tmp_path: Path, cpuinfo: str) -> Path:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "cpuinfo").write_text(cpuinfo)
    return tmp_path


def test_faked_psutil_gives_exact_figures(tmp_path):
    fake = FakePsutil(64 * GiB, 51 * GiB, 8 * GiB, 7 * GiB, cores=16, threads=32)
    machine = probe_machine(
        psutil_mod=fake, sysfs_root=fake_root(tmp_path, CPUINFO_X86), platform="linux/x86_64"
    )
    assert machine.probes["psutil"] == "ok"
    assert machine.ram.total_bytes == 64 * GiB and machine.ram.available_bytes == 51 * GiB
    assert machine.ram.swap_total_bytes == 8 * GiB and machine.ram.swap_free_bytes == 7 * GiB
    assert machine.cpu.model == "AMD Ryzen 9 7950X 16-Core Processor"
    assert (machine.cpu.cores, machine.cpu.threads) == (16, 32)


def test_hidden_physical_cores_fall_back_to_threads():
    _, cores, threads = probe_host(FakePsutil(8 * GiB, 4 * GiB, 0, 0, cores=None, threads=4))
    assert cores == threads == 4


def test_arm_cpuinfo_names_the_hardware(tmp_path):
    assert cpu_model("linux", fake_root(tmp_path, CPUINFO_ARM)) == "BCM2835"


def test_failing_psutil_is_recorded_and_cpu_still_named(tmp_path):
    class Broken(FakePsutil):
        def virtual_memory(self) -> SimpleNamespace:
            raise OSError("/proc/meminfo: permission denied")

    machine = probe_machine(
        psutil_mod=Broken(1, 1, 0, 0, 1, 1),
        sysfs_root=fake_root(tmp_path, CPUINFO_X86),
        platform="linux/x86_64",
    )
    assert machine.probes["psutil"].startswith("unavailable: ")
    assert "permission denied" in machine.probes["psutil"]
    assert machine.ram.total_bytes == 0
    assert machine.cpu.model.startswith("AMD Ryzen 9")


def test_real_probe_on_this_machine():
    machine = probe_machine()
    assert machine.probes["psutil"] == "ok"
    assert machine.ram.total_bytes > 0
    assert 0 < machine.ram.available_bytes <= machine.ram.total_bytes
    assert machine.cpu.cores > 0 and machine.cpu.threads >= machine.cpu.cores
    assert machine.cpu.model.strip()
    assert set(machine.probes) == {"nvml", "amd_sysfs", "apple_sysctl", "psutil"}
    for status in machine.probes.values():
        kind, _, reason = status.partition(": ")
        assert status == "ok" or (kind in ("unavailable", "skipped") and reason.strip())
    nvidia = [g for g in machine.gpus if g.vendor == "nvidia"]
    if machine.probes["nvml"] == "ok":
        assert nvidia  # a GPU machine (bench/device_check.sh)
    else:  # the development machines have no NVIDIA GPU
        assert machine.probes["nvml"].startswith("unavailable: ") and not nvidia


async def test_async_probe_matches_the_sync_one():
    from quantdesk.core.hardware import probe_machine_async

    machine = await probe_machine_async(psutil_mod=FakePsutil(2 * GiB, GiB, 0, 0, 1, 2))
    assert machine.ram.total_bytes == 2 * GiB


@pytest.mark.parametrize("system", ["win32", "freebsd14"])
def test_cpu_name_elsewhere_is_never_empty(system):
    assert cpu_model(system).strip()
