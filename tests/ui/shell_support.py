"""Helpers shared by the shell's GUI tests (imported by name; pytest puts this folder on
sys.path)."""

from __future__ import annotations

from typing import Any

from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

GIB = 1 << 30


def fake_machine(vram_gib: int = 24) -> Machine:
    return Machine(
        gpus=(Gpu(vendor="nvidia", index=0, name="Test GPU", total_bytes=vram_gib * GIB,
                  free_bytes=vram_gib * GIB),),
        ram=Ram(total_bytes=32 * GIB, available_bytes=32 * GIB),
        cpu=Cpu(model="Test CPU", cores=8, threads=16),
        probes={"nvml": "ok", "psutil": "ok"},
    )


def wait_connected(qtbot: Any, window: Any, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: window.services.connection.is_connected, timeout=timeout)
