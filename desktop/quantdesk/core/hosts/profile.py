"""The machine a daemon runs on, when it is not this one: a host profile, and the view of the
machine every verdict states (which machine, and where its figures came from).

A profile holds hardware the user stated (or a preset, or what a simulator says of itself)
and, once the daemon has loaded models, a refinement learnt from its ``/api/ps``
(``refine.py``). Profiles live in ``config.json`` under ``host_profiles``, keyed by the
daemon's address (``store.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from quantdesk.core.hardware.apple import metal_share, share_note
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram, Vendor
from quantdesk.core.ollama.host import parse_host
from quantdesk.core.units import card_text, gb

# probed: this computer's probes; stated / preset: what the user said of the daemon's machine;
# refined: a profile corrected by the daemon's own /api/ps; simulated: the simulator's own
# machine; what-if: a machine asked about; assumed: this computer, for a daemon elsewhere that
# has no profile yet.
Source = Literal["probed", "stated", "preset", "refined", "simulated", "what-if", "assumed"]


def host_key(host: str) -> str:
    """The profile key of an address: ``host:port`` the way Ollama resolves it."""
    h = parse_host(host)
    return h.netloc + h.path


@dataclass(frozen=True, slots=True)
class StatedGpu:
    name: str
    vram_bytes: int
    vendor: Vendor = "other"
    bandwidth: float = 0.0  # bytes/s; 0: looked up by name
    compute_capability: str = ""


@dataclass(frozen=True, slots=True)
class Refinement:
    """What the daemon's own loads taught: how much it really places on its GPU(s)."""

    loads: int
    usable_vram_bytes: int
    at: str


@dataclass(frozen=True, slots=True)
class HostProfile:
    host: str  # host_key() of the daemon's address
    gpus: tuple[StatedGpu, ...]
    ram_bytes: int
    source: Literal["stated", "preset", "simulated"] = "stated"
    unified: bool = False
    ram_bandwidth: float = 0.0
    preset: str = ""
    registry: str = ""  # the registry that daemon pulls from, when it is not the public one
    pid: int = 0  # a simulator's process: its profile lapses when the process is gone
    refined: Refinement | None = None
    notes: tuple[str, ...] = field(default=())

    def machine(self) -> Machine:
        """The profile as the fit estimate takes a machine (all stated memory free, unless
        the daemon's loads showed less is usable)."""
        gpus: list[Gpu] = []
        for i, g in enumerate(self.gpus):
            if self.unified:
                share = g.vram_bytes or metal_share(self.ram_bytes)
                gpus.append(Gpu("apple", i, g.name, share, share, unified=True,
                                bandwidth=g.bandwidth, note=share_note(self.ram_bytes)))
                continue
            gpus.append(Gpu(g.vendor, i, g.name, g.vram_bytes, g.vram_bytes,
                            compute_capability=g.compute_capability, bandwidth=g.bandwidth,
                            note="stated for the daemon's machine"))
        if self.refined is not None and gpus:
            stated = sum(g.total_bytes for g in gpus)
            scale = min(1.0, self.refined.usable_vram_bytes / stated) if stated else 1.0
            gpus = [replace(g, free_bytes=int(g.total_bytes * scale)) for g in gpus]
        return Machine(
            gpus=tuple(gpus),
            ram=Ram(self.ram_bytes, self.ram_bytes, bandwidth=self.ram_bandwidth),
            cpu=Cpu(model="the daemon's CPU", cores=0),
            probes={"profile": f"{self.source} for {self.host}"},
            override=f"{self.source}: {self.describe()}",
        )

    def describe(self) -> str:
        if self.unified and self.gpus:
            return f"{self.gpus[0].name}, {card_text(self.ram_bytes)} unified memory"
        cards = " + ".join(g.name if card_text(g.vram_bytes) in g.name
                           else f"{g.name} {card_text(g.vram_bytes)}"
                           for g in self.gpus) or "no GPU"
        return f"{cards}, {card_text(self.ram_bytes)} RAM"

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host, "source": self.source, "unified": self.unified,
            "gpus": [{"name": g.name, "vram_bytes": g.vram_bytes, "vendor": g.vendor,
                      "bandwidth": g.bandwidth, "compute_capability": g.compute_capability}
                     for g in self.gpus],
            "ram_bytes": self.ram_bytes, "ram_bandwidth": self.ram_bandwidth,
            "preset": self.preset, "registry": self.registry, "pid": self.pid,
            "refined": None if self.refined is None else {
                "loads": self.refined.loads,
                "usable_vram_bytes": self.refined.usable_vram_bytes, "at": self.refined.at},
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HostProfile:
        """Raises KeyError/TypeError/ValueError on a malformed entry (the store skips it)."""
        refined = data.get("refined")
        source = str(data.get("source") or "stated")
        if source not in ("stated", "preset", "simulated"):
            raise ValueError(f"unknown profile source {source!r}")
        return cls(
            host=host_key(str(data["host"])),
            gpus=tuple(StatedGpu(str(g["name"]), int(g["vram_bytes"]),
                                 g.get("vendor") or "other", float(g.get("bandwidth") or 0),
                                 str(g.get("compute_capability") or ""))
                       for g in data.get("gpus") or ()),
            ram_bytes=int(data["ram_bytes"]),
            # checked against the Source values just above, so it is one of them
            source=source,  # type: ignore[arg-type]
            unified=bool(data.get("unified")),
            ram_bandwidth=float(data.get("ram_bandwidth") or 0),
            preset=str(data.get("preset") or ""),
            registry=str(data.get("registry") or ""),
            pid=int(data.get("pid") or 0),
            refined=None if not refined else Refinement(
                int(refined["loads"]), int(refined["usable_vram_bytes"]), str(refined["at"])),
            notes=tuple(str(n) for n in data.get("notes") or ()),
        )


@dataclass(frozen=True, slots=True)
class MachineView:
    """The machine a set of verdicts is for, and where its figures came from."""

    machine: Machine
    host: str
    source: Source
    description: str
    notes: tuple[str, ...] = ()
    registry: str | None = None  # the daemon's own registry (a simulator's), if any

    @property
    def headline(self) -> str:
        """"For the daemon at 192.168.1.20:11434: RTX 3060 12 GB, 32 GB RAM (preset)"."""
        return f"For the daemon at {self.host}: {self.description} ({self.source})"

    def to_json(self) -> dict[str, Any]:
        m = self.machine
        return {
            "host": self.host, "source": self.source, "description": self.description,
            "gpus": [{"name": g.name, "total_bytes": g.total_bytes, "free_bytes": g.free_bytes,
                      "unified": g.unified} for g in m.usable_gpus],
            "ram_bytes": m.ram.total_bytes, "notes": list(self.notes),
        }


def describe_machine(machine: Machine) -> str:
    """"NVIDIA GeForce RTX 3060 12 GB (11 GB free), 32 GB RAM" for any machine."""
    cards = " + ".join(
        (g.name if card_text(g.total_bytes) in g.name else f"{g.name} {card_text(g.total_bytes)}")
        + (f" ({gb(g.free_bytes)} free)" if g.free_bytes < g.total_bytes else "")
        for g in machine.usable_gpus) or "no usable GPU"
    return f"{cards}, {card_text(machine.ram.total_bytes)} RAM"
