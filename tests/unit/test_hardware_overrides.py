"""Sizes typed by users, "what if" machines, and the JSON contract of ``quantdesk hw``."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware import (
    machine_override,
    machine_to_json,
    metal_share,
    parse_memory_size,
    parse_size,
)
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

GiB = 1 << 30

PROBED = Machine(
    gpus=(
        Gpu(
            "nvidia",
            0,
            "NVIDIA GeForce RTX 3060",
            12 * GiB,
            11 * GiB,
            used_bytes=GiB,
            compute_capability="8.6",
        ),
    ),
    ram=Ram(32 * GiB, 20 * GiB, swap_total_bytes=2 * GiB, swap_free_bytes=GiB),
    cpu=Cpu("AMD Ryzen 7 5800X 8-Core Processor", 8, 16),
    probes={
        "nvml": "ok",
        "amd_sysfs": "unavailable: no AMD GPU found",
        "apple_sysctl": "skipped: not an Apple Silicon Mac",
        "psutil": "ok",
    },
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24GiB", 24 * 1024**3),
        ("24GB", 24 * 1000**3),
        ("24576MiB", 24576 * 1024**2),
        ("1.5TB", 1_500_000_000_000),
        ("512M", 512 * 1024**2),
        ("16g", 16 * 1024**3),
        (" 8 gib ", 8 * 1024**3),
        ("0.5GiB", 1024**3 // 2),
        ("4096", 4096),
        ("2Ti", 2 * 1024**4),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "text", ["", "GiB", "abc", "-5GB", "24XB", "24 GiB GiB", "0GB", "1iB", "nan", "1e9"]
)
def test_bad_sizes_say_what_to_write(text):
    with pytest.raises(QuantDeskError) as info:
        parse_size(text)
    assert repr(text) in str(info.value)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=10**6),
    unit=st.sampled_from(["K", "M", "G", "T", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB"]),
)
def test_integer_sizes_round_trip(n, unit):
    base = 1000 if unit.endswith("B") and "i" not in unit else 1024
    assert parse_size(f"{n}{unit}") == n * base ** ("KMGT".index(unit[0]) + 1)


@pytest.mark.parametrize("text", ["8GB", "8G", "8gb", "8GiB", "8192MB", "8192MiB"])
def test_what_if_memory_reads_as_the_vendors_nominal_gib(text):
    # An "8 GB card" holds 8 GiB; so does "8 GB" typed for a what-if card.
    assert parse_memory_size(text) == 8 * GiB


def test_what_if_gpu_is_named_by_its_nominal_size():
    m = machine_override(None, gpu_mem=[parse_memory_size("12GB")], ram=parse_memory_size("32GB"))
    assert m.gpus[0].name == "GPU with 12 GB (what if)"
    assert m.gpus[0].total_bytes == 12 * GiB and m.ram.total_bytes == 32 * GiB


def test_gpu_sizes_replace_probed_gpus():
    m = machine_override(PROBED, gpu_mem=[24 * GiB, 12 * GiB])
    assert [(g.total_bytes, g.free_bytes) for g in m.gpus] == [
        (24 * GiB, 24 * GiB),
        (12 * GiB, 12 * GiB),
    ]
    assert [g.index for g in m.gpus] == [0, 1] and all(g.usable for g in m.gpus)
    assert m.ram == PROBED.ram and m.cpu == PROBED.cpu and m.probes == PROBED.probes
    assert "GPUs of 24 GB + 12 GB" in m.override and "8 GB = 8 GiB" in m.override
    assert m.total_vram_bytes == 36 * GiB


def test_ram_only_keeps_gpus():
    m = machine_override(PROBED, ram=64 * GiB)
    assert m.gpus == PROBED.gpus
    assert m.ram.total_bytes == m.ram.available_bytes == 64 * GiB
    assert "64 GB RAM" in m.override


def test_unified_share_follows_ram():
    m = machine_override(PROBED, ram=16 * GiB, unified=True)
    (gpu,) = m.gpus
    assert gpu.unified and gpu.vendor == "apple" and m.unified
    assert gpu.total_bytes == gpu.free_bytes == metal_share(16 * GiB)
    big = machine_override(PROBED, ram=64 * GiB, unified=True)
    assert big.gpus[0].total_bytes == 48 * GiB
    fixed = machine_override(PROBED, ram=16 * GiB, unified=True, gpu_mem=[14 * GiB])
    assert fixed.gpus[0].total_bytes == 14 * GiB


def test_more_ram_on_a_mac_grows_the_gpu_share():
    mac = machine_override(None, ram=16 * GiB, unified=True)
    bigger = machine_override(mac, ram=32 * GiB)
    assert bigger.gpus[0].total_bytes == metal_share(32 * GiB) > mac.gpus[0].total_bytes


def test_cpu_only_has_no_gpus():
    m = machine_override(PROBED, cpu_only=True)
    assert m.gpus == () and m.total_vram_bytes == 0 and "CPU only" in m.override


def test_nothing_to_override_returns_the_probe():
    assert machine_override(PROBED) is PROBED


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cpu_only": True, "gpu_mem": [8 * GiB]},
        {"cpu_only": True, "unified": True},
        {"unified": True, "gpu_mem": [8 * GiB, 8 * GiB]},
        {"gpu_mem": [0]},
        {"ram": -1},
    ],
)
def test_contradictions_are_user_errors(kwargs):
    with pytest.raises(QuantDeskError):
        machine_override(PROBED, **kwargs)


def test_no_base_needs_ram():
    with pytest.raises(QuantDeskError, match="RAM"):
        machine_override(None, gpu_mem=[24 * GiB])
    m = machine_override(None, gpu_mem=[24 * GiB], ram=64 * GiB)
    assert m.ram.total_bytes == 64 * GiB and m.probes == {}


def test_json_contract():
    data = json.loads(json.dumps(machine_to_json(PROBED)))
    assert set(data) == {"gpus", "ram", "cpu", "probes", "override"}
    (gpu,) = data["gpus"]
    assert {"vendor", "index", "name", "total_bytes", "free_bytes", "unified"} <= set(gpu)
    assert gpu["total_bytes"] == 12 * GiB and gpu["compute_capability"] == "8.6"
    assert data["ram"]["total_bytes"] == 32 * GiB and data["ram"]["available_bytes"] == 20 * GiB
    assert data["cpu"]["model"].startswith("AMD Ryzen") and data["cpu"]["cores"] == 8
    assert data["probes"] == PROBED.probes
    assert data["override"] is None
    what_if = machine_to_json(machine_override(PROBED, cpu_only=True))
    assert what_if["gpus"] == [] and "CPU only" in what_if["override"]
