"""The simulated daemon inside the app: ``quantdesk --demo`` and "Explore with the simulated
daemon" both start one on a loopback port, in this process, on the simulator's own threads,
through ``quantdesk.sim.launch`` (which gives its machine and registry with it)."""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, Any

from quantdesk.core.machine import Machine

if TYPE_CHECKING:
    from quantdesk.sim.launch import Simulated

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

_lock = threading.Lock()
_daemon: Any = None  # the running demo's Simulated


def start_demo(*, loaded: bool = True, time_scale: float = 1.0) -> Simulated:
    """Start (once per process) the simulator with a few models installed and one loaded;
    returns it with its host, machine and registry. ``time_scale`` > 1 fast-forwards loads and
    replies (screenshot mode) while the reported speeds stay the simulated card's; the live
    demo runs in real time. ``make demo`` and the banner's "Explore with the simulated daemon"
    both come here, so both judge every variant for the same simulated machine."""
    global _daemon
    with _lock:
        if _daemon is None:
            from quantdesk.sim.launch import start_simulated

            sim = start_simulated(installed=list(DEMO_INSTALLED),
                                  loaded=[DEMO_LOADED] if loaded else None,
                                  vram_bytes=DEMO_VRAM, ram_bytes=DEMO_RAM,
                                  time_scale=time_scale)
            atexit.register(sim.daemon.stop)
            _daemon = sim
        return _daemon  # type: ignore[no-any-return]


def start_demo_daemon(*, loaded: bool = True, time_scale: float = 1.0) -> str:
    """``start_demo`` for callers that need only the host ("127.0.0.1:PORT")."""
    return start_demo(loaded=loaded, time_scale=time_scale).host


def stop_demo_daemon() -> None:
    global _daemon
    with _lock:
        if _daemon is not None:
            _daemon.daemon.stop()
            _daemon = None


def demo_daemon() -> Any:
    """The running demo SimDaemon, or None (screenshot hooks adjust its bandwidth)."""
    return _daemon.daemon if _daemon is not None else None


def demo_machine() -> Machine:
    """The machine the simulator pretends to be, so fit verdicts and the gauge agree with it."""
    if _daemon is not None:
        return _daemon.machine  # type: ignore[no-any-return]
    from quantdesk.sim import SimDaemon
    from quantdesk.sim.launch import machine_of

    return machine_of(SimDaemon(vram_bytes=DEMO_VRAM, ram_bytes=DEMO_RAM))
