"""Starting the simulated daemon with its own machine and its own registry, one way for all.

However it is started (``make demo``, ``gui --demo``, the connection banner's "Explore with the
simulated daemon", ``quantdesk sim``), a simulated daemon comes with the machine it simulates
and the registry it serves, so every verdict about it is made for *its* machine and every
ladder comes from *its* registry — never this computer's hardware or the public registry.

In-process callers take :class:`Simulated` (host, machine, registry). ``quantdesk sim`` runs in
a process of its own, so it tells other QuantDesk processes through a host profile in the
settings file (source "simulated", with its process id, removed when it stops): nothing goes
over the wire, and to any client the daemon stays indistinguishable from Ollama.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from quantdesk.core.hosts import HostProfile, MachineView, StatedGpu, host_key
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.units import card_text
from quantdesk.sim.daemon import SimDaemon

GPU_NAME = "Simulated GPU"


def gpu_name(sim: SimDaemon) -> str:
    return f"{GPU_NAME} {card_text(sim.machine.vram_bytes)}"


def machine_of(sim: SimDaemon) -> Machine:
    """The machine the simulator pretends to be, bandwidths included (its speeds follow them)."""
    m = sim.machine
    gpus: tuple[Gpu, ...] = ()
    if m.vram_bytes:
        gpus = (Gpu(vendor="nvidia", index=0, name=gpu_name(sim), total_bytes=m.vram_bytes,
                    free_bytes=m.vram_bytes, note="the simulated daemon's card",
                    bandwidth=m.gpu_bandwidth),)
    return Machine(
        gpus=gpus,
        ram=Ram(total_bytes=m.ram_bytes, available_bytes=m.ram_bytes, bandwidth=m.cpu_bandwidth),
        cpu=Cpu(model="Simulated CPU", cores=8, threads=16),
        probes={"simulator": "ok: the simulated daemon's own machine"},
        override="simulated: the simulated daemon's machine",
    )


@dataclass(frozen=True, slots=True)
class Simulated:
    daemon: SimDaemon
    host: str  # "127.0.0.1:PORT"
    machine: Machine
    registry: str  # the simulator's registry side, "http://127.0.0.1:PORT"

    @property
    def view(self) -> MachineView:
        m = self.machine
        what = " + ".join(f"{g.name}" for g in m.gpus) or "no GPU"
        return MachineView(m, host_key(self.host), "simulated",
                           f"{what}, {card_text(m.ram.total_bytes)} RAM",
                           ("the simulated daemon's own machine and registry",), self.registry)


def start_simulated(**kwargs: Any) -> Simulated:
    """Start a simulator (``SimDaemon`` keyword arguments) and return what to use it with."""
    sim = SimDaemon(**kwargs).start()
    return Simulated(sim, sim.host, machine_of(sim), sim.url)


def host_profile(sim: SimDaemon) -> HostProfile:
    """The profile ``quantdesk sim`` registers while it runs."""
    m = sim.machine
    gpus = (StatedGpu(gpu_name(sim), m.vram_bytes, "nvidia", m.gpu_bandwidth),) \
        if m.vram_bytes else ()
    return HostProfile(host_key(sim.host), gpus, m.ram_bytes, "simulated",
                       ram_bandwidth=m.cpu_bandwidth, registry=sim.url, pid=os.getpid(),
                       notes=("the simulated daemon's own machine and registry",))
