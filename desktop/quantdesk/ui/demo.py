"""The simulated daemon inside the app: ``quantdesk --demo`` and "Explore with the simulated
daemon" both start one on a loopback port, in this process, on the simulator's own threads."""

from __future__ import annotations

import atexit
import threading
from typing import Any

from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

# Newest first (/api/tags order): the llama3.1 ladder the Compare demo runs, then neighbours.
DEMO_INSTALLED = (
    "llama3.1:8b",  # = 8b-instruct-q4_K_M
    "llama3.1:8b-instruct-q8_0",
    "llama3.1:8b-instruct-fp16",
    "llama3.1:8b-instruct-q2_K",
    "llama3.2:3b",
    "qwen2.5:7b",
    "mistral:7b",
    "gemma2:9b",
)
DEMO_LOADED = "llama3.1:8b"
GIB = 1 << 30
# The product's most common user: a gaming PC with a 12 GB card and 32 GB of RAM. fp16 spills
# into RAM there, q8_0 fits at 4k but not at 32k, and the default context is 4096.
DEMO_VRAM = 12 * GIB
DEMO_RAM = 32 * GIB
DEMO_GPU_NAME = "Simulated GPU 12 GB"

_lock = threading.Lock()
_daemon: Any = None


def start_demo_daemon(*, loaded: bool = True, time_scale: float = 1.0) -> str:
    """Start (once per process) the simulator with a few models installed and one loaded;
    returns its host ("127.0.0.1:PORT"). ``time_scale`` > 1 fast-forwards loads and replies
    (screenshot mode) while the reported speeds stay the simulated card's; the live demo
    runs in real time."""
    global _daemon
    with _lock:
        if _daemon is None:
            from quantdesk.sim import SimDaemon

            sim = SimDaemon(installed=list(DEMO_INSTALLED),
                            loaded=[DEMO_LOADED] if loaded else None,
                            vram_bytes=DEMO_VRAM, ram_bytes=DEMO_RAM,
                            time_scale=time_scale)
            sim.start()
            atexit.register(sim.stop)
            _daemon = sim
        return str(_daemon.host)


def stop_demo_daemon() -> None:
    global _daemon
    with _lock:
        if _daemon is not None:
            _daemon.stop()
            _daemon = None


def demo_daemon() -> Any:
    """The running demo SimDaemon, or None (screenshot hooks adjust its bandwidth)."""
    return _daemon


def demo_machine() -> Machine:
    """The machine the simulator pretends to be, so fit verdicts and the gauge agree with it."""
    from quantdesk.sim.memory import SimMachine

    sim = _daemon.machine if _daemon is not None else SimMachine(DEMO_VRAM, DEMO_RAM)
    gpus: tuple[Gpu, ...] = ()
    if sim.vram_bytes:
        gpus = (Gpu(vendor="nvidia", index=0, name=DEMO_GPU_NAME, total_bytes=sim.vram_bytes,
                    free_bytes=sim.vram_bytes, note="the demo's simulated card"),)
    return Machine(
        gpus=gpus,
        ram=Ram(total_bytes=sim.ram_bytes, available_bytes=sim.ram_bytes),
        cpu=Cpu(model="Simulated CPU", cores=8, threads=16),
        probes={"simulator": "ok: the demo describes the simulated daemon's machine"},
        override="demo: the simulated daemon's machine",
    )
