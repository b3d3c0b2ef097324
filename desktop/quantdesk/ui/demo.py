"""The simulated daemon inside the app: ``quantdesk --demo`` and "Explore with the simulated
daemon" both start one on a loopback port, in this process, on the simulator's own threads."""

from __future__ import annotations

import atexit
import threading
from typing import Any

from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

DEMO_INSTALLED = (
    "llama3.1:8b",
    "llama3.1:8b-instruct-q8_0",
    "llama3.2:3b",
    "qwen2.5:7b",
    "mistral:7b",
    "gemma2:9b",
)
DEMO_LOADED = "llama3.1:8b"
GIB = 1 << 30

_lock = threading.Lock()
_daemon: Any = None


def start_demo_daemon(*, loaded: bool = True) -> str:
    """Start (once per process) the simulator with a few models installed and one loaded;
    returns its host ("127.0.0.1:PORT")."""
    global _daemon
    with _lock:
        if _daemon is None:
            from quantdesk.sim import SimDaemon

            sim = SimDaemon(installed=list(DEMO_INSTALLED),
                            loaded=[DEMO_LOADED] if loaded else None)
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


def demo_machine() -> Machine:
    """The machine the simulator pretends to be, so fit verdicts and the gauge agree with it."""
    from quantdesk.sim.memory import SimMachine

    sim = _daemon.machine if _daemon is not None else SimMachine()
    gpus: tuple[Gpu, ...] = ()
    if sim.vram_bytes:
        gpus = (Gpu(vendor="nvidia", index=0, name="Simulated GPU", total_bytes=sim.vram_bytes,
                    free_bytes=sim.vram_bytes, note="the demo's simulated card"),)
    return Machine(
        gpus=gpus,
        ram=Ram(total_bytes=sim.ram_bytes, available_bytes=sim.ram_bytes),
        cpu=Cpu(model="Simulated CPU", cores=8, threads=16),
        probes={"simulator": "ok: the demo describes the simulated daemon's machine"},
        override="demo: the simulated daemon's machine",
    )
