"""``quantdesk hw`` run as a user runs it: a separate process, table and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

GiB = 1 << 30


def hw(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "quantdesk", "hw", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def hw_json(*args: str) -> dict:
    done = hw("--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_json_has_the_contract_keys():
    data = hw_json()
    assert set(data) == {"gpus", "ram", "cpu", "probes", "override"}
    assert set(data["probes"]) == {"nvml", "amd_sysfs", "apple_sysctl", "psutil"}
    assert data["probes"]["psutil"] == "ok"
    assert data["ram"]["total_bytes"] >= data["ram"]["available_bytes"] > 0
    assert data["cpu"]["model"] and data["cpu"]["cores"] > 0
    for gpu in data["gpus"]:
        assert {"vendor", "index", "name", "total_bytes", "free_bytes", "unified"} <= set(gpu)
    assert data["override"] is None


def test_overrides_change_the_output():
    data = hw_json("--gpu-mem", "24GiB", "--gpu-mem", "12GB", "--ram", "64GiB")
    # "12GB" is a 12 GB card as sold: 12 GiB
    assert [g["total_bytes"] for g in data["gpus"]] == [24 * GiB, 12 * GiB]
    assert [g["free_bytes"] for g in data["gpus"]] == [24 * GiB, 12 * GiB]
    assert data["ram"]["total_bytes"] == 64 * GiB
    assert "24 GB + 12 GB" in data["override"] and "8 GB = 8 GiB" in data["override"]
    unified = hw_json("--unified", "--ram", "16GiB")
    (gpu,) = unified["gpus"]
    assert gpu["unified"] and gpu["total_bytes"] == 16 * GiB * 2 // 3
    assert hw_json("--cpu-only")["gpus"] == []


def test_table_for_people():
    done = hw("--gpu-mem", "24GiB")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("what if: GPU of 24 GB")
    for words in ("GPUs", "RAM", "CPU", "Probes", "nvml", "psutil", "24.0 GiB"):
        assert words in out
    assert not out.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--gpu-mem", "12XB"], "is not a size"),
        (["--ram", "0GB"], "zero"),
        (["--cpu-only", "--gpu-mem", "8GiB"], "cannot be combined"),
        (["--unified", "--gpu-mem", "8GiB", "--gpu-mem", "8GiB"], "one GPU"),
    ],
)
def test_bad_usage_exits_2_with_a_message(args, words):
    done = hw(*args)
    assert done.returncode == 2
    assert words in done.stderr and done.stdout == ""
