"""The AMD probe against a fake /sys/class/drm tree built in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from quantdesk.core.hardware import ProbeUnavailable, probe_machine
from quantdesk.core.hardware.amd import IGPU_LIMIT, probe_amd

GiB = 1 << 30


def add_card(
    root: Path,
    name: str,
    *,
    vendor: str = "0x1002",
    device: str = "0x73bf",
    total: int | None = None,
    used: int | None = None,
    product: str | None = None,
) -> None:
    dev = root / "sys" / "class" / "drm" / name / "device"
    dev.mkdir(parents=True)
    (dev / "vendor").write_text(vendor + "\n")
    (dev / "device").write_text(device + "\n")
    if total is not None:
        (dev / "mem_info_vram_total").write_text(f"{total}\n")
    if used is not None:
        (dev / "mem_info_vram_used").write_text(f"{used}\n")
    if product is not None:
        (dev / "product_name").write_text(product + "\n")


# What amdgpu reports for a 16 GB RX 6800 XT (16368 MiB) and a Ryzen 7000 iGPU (512 MiB carve-out).
RX6800XT_TOTAL, RX6800XT_USED = 17163091968, 1288490188
IGPU_TOTAL, IGPU_USED = 536870912, 94371840


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    add_card(tmp_path, "card0", total=RX6800XT_TOTAL, used=RX6800XT_USED)
    add_card(tmp_path, "card1", device="0x164e", total=IGPU_TOTAL, used=IGPU_USED)
    # A display connector and an NVIDIA card share the directory and must be ignored.
    (tmp_path / "sys/class/drm/card0-DP-1").mkdir()
    add_card(tmp_path, "card2", vendor="0x10de", device="0x2684", total=24 * GiB, used=0)
    return tmp_path


def test_discrete_card_and_igpu(tree):
    dgpu, igpu = probe_amd(tree)
    assert (dgpu.vendor, dgpu.index, igpu.index) == ("amd", 0, 1)
    assert dgpu.name.startswith("AMD Radeon RX 6800") and "6800 XT" in dgpu.name
    assert dgpu.total_bytes == RX6800XT_TOTAL
    assert dgpu.used_bytes == RX6800XT_USED
    assert dgpu.free_bytes == RX6800XT_TOTAL - RX6800XT_USED
    assert dgpu.usable and not dgpu.unified
    assert igpu.total_bytes < IGPU_LIMIT
    assert not igpu.usable and "integrated" in igpu.note
    assert igpu.free_bytes == IGPU_TOTAL - IGPU_USED


def test_product_name_file_wins_then_fallback_name(tmp_path):
    add_card(tmp_path, "card0", total=8 * GiB, used=0, product="AMD Radeon RX 6600")
    add_card(tmp_path, "card1", device="0xffff", total=4 * GiB, used=0)
    named, unknown = probe_amd(tmp_path)
    assert named.name == "AMD Radeon RX 6600"
    assert unknown.name == "AMD GPU"


def test_cards_are_ordered_by_number_not_text(tmp_path):
    add_card(tmp_path, "card10", total=8 * GiB, used=0, product="ten")
    add_card(tmp_path, "card2", total=8 * GiB, used=0, product="two")
    assert [g.name for g in probe_amd(tmp_path)] == ["two", "ten"]


def test_missing_used_counts_all_free_and_missing_total_is_unusable(tmp_path):
    add_card(tmp_path, "card0", total=16 * GiB)
    add_card(tmp_path, "card1")
    free_card, no_figure = probe_amd(tmp_path)
    assert free_card.free_bytes == 16 * GiB and "unknown" in free_card.note
    assert not no_figure.usable and no_figure.total_bytes == 0 and "amdgpu" in no_figure.note


def test_no_drm_and_no_amd_are_reasons(tmp_path):
    with pytest.raises(ProbeUnavailable, match="no /sys/class/drm"):
        probe_amd(tmp_path)
    add_card(tmp_path, "card0", vendor="0x8086", device="0x46a6", total=0)
    with pytest.raises(ProbeUnavailable, match="no AMD GPU"):
        probe_amd(tmp_path)


def test_probe_machine_reports_amd_and_skips_it_off_linux(tree):
    machine = probe_machine(sysfs_root=tree, platform="linux/x86_64")
    assert machine.probes["amd_sysfs"] == "ok"
    amd = [g for g in machine.gpus if g.vendor == "amd"]
    assert len(amd) == 2
    assert machine.total_vram_bytes >= RX6800XT_TOTAL  # the iGPU is not counted
    skipped = probe_machine(platform="win32/amd64")
    assert skipped.probes["amd_sysfs"].startswith("skipped: ")
    assert not [g for g in skipped.gpus if g.vendor == "amd"]
