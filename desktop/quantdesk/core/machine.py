"""What a machine offers a model: GPUs, unified memory, RAM and CPU.

Probes (``core.hardware``) fill these in; overrides build them by hand for "what if"
questions; the fit estimate (``core.fit``) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Vendor = Literal["nvidia", "amd", "apple", "other"]


@dataclass(frozen=True, slots=True)
class Gpu:
    vendor: Vendor
    index: int
    name: str
    total_bytes: int
    free_bytes: int
    used_bytes: int = 0
    uuid: str = ""
    unified: bool = False  # shares system RAM (Apple Silicon)
    driver_version: str = ""
    compute_capability: str = ""  # "8.6" for NVIDIA; "" where it does not apply
    usable: bool = True  # False when Ollama cannot run on it
    note: str = ""  # why it is not usable, or what limits it, in plain words
    bandwidth: float = 0.0  # bytes/s when known (presets, simulator); 0: looked up by name


@dataclass(frozen=True, slots=True)
class Ram:
    total_bytes: int
    available_bytes: int
    swap_total_bytes: int = 0
    swap_free_bytes: int = 0
    bandwidth: float = 0.0  # bytes/s when known (presets, simulator); 0: a typical figure


@dataclass(frozen=True, slots=True)
class Cpu:
    model: str
    cores: int  # physical cores
    threads: int = 0  # logical processors


@dataclass(frozen=True, slots=True)
class Machine:
    gpus: tuple[Gpu, ...]
    ram: Ram
    cpu: Cpu
    # probe name -> "ok" | "unavailable: <reason>" | "skipped: <reason>"
    probes: dict[str, str] = field(default_factory=dict)
    override: str = ""  # a description of the "what if" in use, "" when probed

    @property
    def usable_gpus(self) -> tuple[Gpu, ...]:
        return tuple(g for g in self.gpus if g.usable)

    @property
    def total_vram_bytes(self) -> int:
        return sum(g.total_bytes for g in self.usable_gpus)

    @property
    def unified(self) -> bool:
        return any(g.unified for g in self.gpus)
