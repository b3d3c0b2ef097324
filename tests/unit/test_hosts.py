"""The daemon's machine: host profiles, presets, refinement from /api/ps, and which machine a
verdict is for."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from quantdesk.core.config import Settings, load_settings, save_settings
from quantdesk.core.hosts import (
    HostProfile,
    StatedGpu,
    daemon_machine,
    host_key,
    load_profiles,
    profile_for,
    profile_from_preset,
    refine,
    remove_profile,
    save_profile,
)
from quantdesk.core.hosts.presets import UnknownPreset
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.ollama import ModelDetails, RunningModel

GiB = 1 << 30
MiB = 1 << 20
HERE = Machine((Gpu("nvidia", 0, "Laptop GPU", 4 * GiB, 4 * GiB),), Ram(16 * GiB, 8 * GiB),
               Cpu("laptop", 4))


async def probe_here() -> Machine:
    return HERE


def running(size: int, vram: int) -> RunningModel:
    return RunningModel(name="m:latest", model="m:latest", size=size, size_vram=vram,
                        digest="d" * 64, details=ModelDetails.from_json({}),
                        expires_at=datetime(2030, 1, 1, tzinfo=UTC))


def test_host_keys_resolve_like_ollama_host():
    assert host_key("192.168.1.20") == "192.168.1.20:11434"
    assert host_key("http://gpu-box:8080/") == "gpu-box:8080"
    assert host_key(" 0.0.0.0 ") == "127.0.0.1:11434"


def test_presets_give_the_card_or_the_mac():
    card = profile_from_preset("gpu-box", "rtx-3060-12gb", ram_bytes=64 * GiB).machine()
    (gpu,) = card.gpus
    assert (gpu.name, gpu.total_bytes, gpu.compute_capability) == \
        ("NVIDIA GeForce RTX 3060", 12 * GiB, "8.6")
    assert card.ram.total_bytes == 64 * GiB
    typical = profile_from_preset("gpu-box", "rtx-3060-12gb")
    assert typical.ram_bytes == 32 * GiB and "assumed" in typical.notes[0]
    mac = profile_from_preset("mac", "mac-m2-pro-32gb").machine()
    # macOS lets the GPU use 2/3 of RAM below 36 GiB (fit-model.md §4)
    assert mac.unified and mac.gpus[0].total_bytes == 32 * GiB * 2 // 3
    with pytest.raises(UnknownPreset):
        profile_from_preset("gpu-box", "rtx-9999")


def test_profiles_live_beside_the_settings(tmp_path):
    path = tmp_path / "config.json"
    save_settings(Settings(keep_alive="1h"), path)
    save_profile(profile_from_preset("gpu-box", "rtx-4090-24gb"), path)
    assert load_settings(path).keep_alive == "1h"
    save_settings(Settings(keep_alive="2h"), path)  # the app saving settings keeps profiles
    assert profile_for("gpu-box", path) is not None
    data = json.loads(path.read_text())
    data["host_profiles"]["bad:1"] = {"gpus": "nonsense"}
    path.write_text(json.dumps(data))
    profiles, skipped = load_profiles(path)
    assert list(profiles) == ["gpu-box:11434"] and "bad:1" in skipped[0]
    assert remove_profile("gpu-box", path) and profile_for("gpu-box", path) is None


def test_a_simulators_profile_lapses_with_its_process(tmp_path):
    path = tmp_path / "config.json"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(gone.stdout)
    sim = HostProfile("127.0.0.1:11434", (StatedGpu("Simulated GPU 12 GB", 12 * GiB),),
                      32 * GiB, "simulated", pid=dead)
    save_profile(sim, path)
    assert profile_for("127.0.0.1:11434", path) is None
    import os

    save_profile(HostProfile(sim.host, sim.gpus, sim.ram_bytes, "simulated", pid=os.getpid()),
                 path)
    assert profile_for("127.0.0.1:11434", path) is not None
    assert not remove_profile("127.0.0.1:11434", path, pid=dead)  # someone else's: kept


def test_refine_from_ps():
    stated = profile_from_preset("gpu-box", "rtx-3060-12gb")
    # a split load: the daemon filled the card with 9 GiB and kept its 1 GiB margin free, so
    # about 10 GiB is usable, less than the 12 GiB stated (a desktop holds the rest)
    split = refine(stated, [running(14 * GiB, 9 * GiB)], version="0.32.15", at="t")
    assert split is not None and split.refined.usable_vram_bytes == 10 * GiB
    assert split.machine().gpus[0].free_bytes == 10 * GiB
    # a full load under what is known teaches nothing
    assert refine(split, [running(6 * GiB, 6 * GiB)], version="0.32.15", at="t") is None
    # a full load above what is known raises it, up to what must be there
    raised = refine(split, [running(10 * GiB, 10 * GiB)], version="0.32.15", at="t")
    assert raised.refined.usable_vram_bytes == 11 * GiB and raised.refined.loads == 2
    # before llama-server the margin was the 457 MiB minimum
    old = refine(stated, [running(14 * GiB, 9 * GiB)], version="0.12.10", at="t")
    assert old.refined.usable_vram_bytes == 9 * GiB + 457 * MiB


async def test_which_machine_a_verdict_is_for(tmp_path):
    path = tmp_path / "config.json"
    local = await daemon_machine("127.0.0.1:11434", probe=probe_here, path=path)
    assert local.source == "probed" and local.machine is HERE
    far = await daemon_machine("192.168.1.20", probe=probe_here, path=path)
    assert far.source == "assumed" and far.machine is HERE
    assert "quantdesk host set 192.168.1.20:11434" in far.notes[0]
    save_profile(profile_from_preset("192.168.1.20", "rtx-4090-24gb", ram_bytes=64 * GiB), path)
    stated = await daemon_machine("192.168.1.20", probe=probe_here, path=path)
    assert stated.source == "preset" and stated.machine.gpus[0].total_bytes == 24 * GiB
    assert "RTX 4090 24 GB" in stated.headline and "192.168.1.20:11434" in stated.headline
    what_if = Machine((), Ram(GiB, GiB), Cpu("x", 1), override="what if: CPU only")
    asked = await daemon_machine("192.168.1.20", probe=probe_here, path=path, what_if=what_if)
    assert asked.source == "what-if" and asked.machine is what_if


async def test_a_reachable_daemon_refines_and_saves_its_profile(tmp_path):
    path = tmp_path / "config.json"
    save_profile(profile_from_preset("192.168.1.20", "rtx-3060-12gb"), path)

    class Client:
        async def ps(self) -> list[RunningModel]:
            return [running(14 * GiB, 9 * GiB)]

    view = await daemon_machine("192.168.1.20", probe=probe_here, client=Client(),  # type: ignore[arg-type]
                                version="0.32.15", path=path)
    assert view.source == "refined" and view.machine.gpus[0].free_bytes == 10 * GiB
    assert "from 1 loads" in view.notes[-1]
    assert profile_for("192.168.1.20", path).refined.usable_vram_bytes == 10 * GiB
