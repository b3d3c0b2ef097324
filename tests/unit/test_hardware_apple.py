"""The Apple Silicon probe with a fake sysctl, checked against Metal's observed figures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quantdesk.core.hardware import ProbeUnavailable, metal_share, probe_machine
from quantdesk.core.hardware.apple import probe_apple

GiB, MiB = 1 << 30, 1 << 20


def sysctl(values: dict[str, str]) -> Callable[[str], str]:
    def run(key: str) -> str:
        if key not in values:
            raise OSError(f"sysctl: unknown oid '{key}'")
        return values[key] + "\n"

    return run


M2_16 = {"machdep.cpu.brand_string": "Apple M2", "hw.memsize": str(16 * GiB)}
M3_MAX_36 = {
    "machdep.cpu.brand_string": "Apple M3 Max",
    "hw.memsize": str(36 * GiB),
    "iogpu.wired_limit_mb": "0",
}


def test_m2_16gb_gets_two_thirds():
    (gpu,) = probe_apple(sysctl(M2_16))
    assert (gpu.vendor, gpu.name, gpu.unified) == ("apple", "Apple M2", True)
    assert gpu.total_bytes == gpu.free_bytes == 16 * GiB * 2 // 3
    # Metal's recommendedMaxWorkingSetSize on a 16 GB Mac: 10922.67 MiB (fit-model.md §4).
    assert abs(gpu.total_bytes / MiB - 10922.67) < 0.01
    assert "2/3" in gpu.note


def test_wired_limit_replaces_the_default_share():
    (gpu,) = probe_apple(sysctl({**M2_16, "iogpu.wired_limit_mb": "14336"}))
    assert gpu.total_bytes == gpu.free_bytes == 14336 * MiB
    assert "wired_limit_mb=14336" in gpu.note


def test_m3_max_36gb_gets_three_quarters():
    (gpu,) = probe_apple(sysctl(M3_MAX_36))
    assert gpu.name == "Apple M3 Max"
    # Observed on a 36 GB M3 Max: 28991.03 MB, i.e. 27 GiB.
    assert gpu.total_bytes == 36 * GiB * 3 // 4
    assert round(gpu.total_bytes / 1e6, 2) == 28991.03


@pytest.mark.parametrize("ram_gib", [8, 16, 24, 32, 35, 36, 48, 64, 96, 128])
def test_share_is_a_fraction_of_ram(ram_gib):
    share = metal_share(ram_gib * GiB)
    fraction = share / (ram_gib * GiB)
    assert fraction == pytest.approx(2 / 3 if ram_gib < 36 else 3 / 4, abs=1e-9)


def test_unreadable_memsize_is_a_reason_and_missing_chip_is_not():
    with pytest.raises(ProbeUnavailable, match=r"hw\.memsize"):
        probe_apple(sysctl({"machdep.cpu.brand_string": "Apple M1"}))
    (gpu,) = probe_apple(sysctl({"hw.memsize": str(8 * GiB)}))
    assert gpu.name == "Apple Silicon" and gpu.total_bytes == 8 * GiB * 2 // 3


def test_probe_machine_runs_apple_only_on_apple_silicon_or_when_forced():
    forced = probe_machine(sysctl_runner=sysctl(M2_16), platform="linux/x86_64")
    assert forced.probes["apple_sysctl"] == "ok" and forced.unified
    assert forced.cpu.model  # still named, from /proc/cpuinfo on this Linux host
    intel_mac = probe_machine(platform="darwin/x86_64")
    assert intel_mac.probes["apple_sysctl"].startswith("skipped: ")
    assert not intel_mac.unified


def test_probe_machine_on_a_mac_names_the_chip_as_cpu():
    mac = probe_machine(sysctl_runner=sysctl(M3_MAX_36), platform="darwin/arm64")
    assert mac.cpu.model == "Apple M3 Max"
    assert mac.probes["amd_sysfs"].startswith("skipped: ")
    assert [g.total_bytes for g in mac.gpus if g.vendor == "apple"] == [27 * GiB]
