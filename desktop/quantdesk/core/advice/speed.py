"""Expected generation speed: tokens per second from memory bandwidth and where the layers are.

Generating a token reads every weight once, so a token takes the weight bytes on each device
divided by that device's effective bandwidth: the GPU's (by the name its driver reports, the
Apple chip, or a figure a preset or the simulator gives) for the layers offloaded, the RAM's
for the rest. Effective is a fraction of the peak, the median of llama.cpp's published
generation rates over the chips' bandwidths (``data/memory-bandwidth.json`` cites both).
Compare history's measured rates replace the estimate where this model ran here
(``measured.py``).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from quantdesk.core.datafiles import load_json
from quantdesk.core.fit import FitResult
from quantdesk.core.machine import Gpu, Machine

GB = 1e9


@dataclass(frozen=True, slots=True)
class Speed:
    tokens_per_s: float | None
    kind: Literal["estimate", "measured"]
    basis: str  # where the figure comes from, in words

    def to_json(self) -> dict[str, Any]:
        rate = None if self.tokens_per_s is None else round(self.tokens_per_s, 1)
        return {"tokens_per_s": rate, "kind": self.kind, "basis": self.basis}

    def words(self) -> str:
        if self.tokens_per_s is None:
            return ""
        return f"≈{self.tokens_per_s:.0f} tok/s ({self.kind})"


def _table() -> dict[str, Any]:
    return load_json("memory-bandwidth.json")


@cache
def efficiency() -> float:
    """Share of peak bandwidth llama.cpp reaches while generating (median of the sources)."""
    data = _table()
    size = data["efficiency_model_bytes"]
    return statistics.median(p["tokens_per_s"] * size / (p["bandwidth_gbs"] * GB)
                             for p in data["efficiency_points"])


def _lookup(table: dict[str, float], name: str) -> tuple[str, float] | None:
    """The longest table key found in ``name`` as whole words ("RTX 3060 Ti" before "RTX 3060")."""
    text = " " + re.sub(r"[^A-Za-z0-9]+", " ", name).upper() + " "
    for key in sorted(table, key=len, reverse=True):
        if f" {key.upper()} " in text:
            return key, float(table[key])
    return None


def gpu_bandwidth(gpu: Gpu) -> tuple[float, str] | None:
    """(bytes/s, where from) for ``gpu``: stated, by name, or a typical card when the name is
    unknown (an Apple chip not in the table gives None)."""
    if gpu.bandwidth > 0:
        return gpu.bandwidth, f"{gpu.bandwidth / GB:.0f} GB/s as stated for {gpu.name}"
    table = _table()
    found = _lookup(table["apple"] if gpu.vendor == "apple" else table["gpus"], gpu.name)
    if found is None:
        if gpu.vendor == "apple":
            return None
        gbs = float(table["default_gpu"]["gbs"])
        return gbs * GB, f"GPU assumed {gbs:g} GB/s (an RTX 3060-class card; name not known)"
    key, gbs = found
    return gbs * GB, f"{key} {gbs:g} GB/s"


def ram_bandwidth(machine: Machine) -> tuple[float, str]:
    """(bytes/s, where from): as stated, else a typical dual-channel DDR4-3200 machine."""
    if machine.ram.bandwidth > 0:
        return machine.ram.bandwidth, f"RAM {machine.ram.bandwidth / GB:.0f} GB/s as stated"
    table = _table()
    kind = table["default_ram"]
    return table["ram"][kind] * GB, f"RAM assumed {kind} dual channel {table['ram'][kind]} GB/s"


def estimate_speed(result: FitResult, machine: Machine) -> Speed:
    """Tokens per second for the placement in ``result`` (an estimate, said to be one)."""
    weights = result.estimate.weights_bytes
    total = result.placement.total_layers or 1
    on_gpu = weights * result.placement.gpu_layers / total if result.verdict != "cpu" else 0.0
    on_cpu = weights - on_gpu
    eff = efficiency()
    seconds = 0.0
    basis: list[str] = []
    if on_gpu > 0:
        gpus = [g for g in machine.usable_gpus
                if any(s.index == g.index for s in result.placement.per_gpu)] or \
            list(machine.usable_gpus)
        rates = [gpu_bandwidth(g) for g in gpus]
        if not gpus or any(r is None for r in rates):
            return Speed(None, "estimate", "the GPU's memory bandwidth is not known")
        # layers split over several cards are read one card after another
        bandwidth = min(r[0] for r in rates if r is not None)
        seconds += on_gpu / (bandwidth * eff)
        basis += [r[1] for r in rates if r is not None]
    if on_cpu > 0:
        bandwidth, words = ram_bandwidth(machine)
        if machine.unified and machine.usable_gpus:
            # one pool of memory: the CPU reads the same unified memory as the GPU
            rate = gpu_bandwidth(machine.usable_gpus[0])
            bandwidth, words = rate if rate is not None else (bandwidth, words)
        seconds += on_cpu / (bandwidth * eff)
        basis.append(words)
    if seconds <= 0:
        return Speed(None, "estimate", "nothing to read")
    where = ("all layers on the GPU" if not on_cpu else "on the CPU" if not on_gpu
             else f"{result.placement.gpu_layers} of {total} layers on the GPU")
    return Speed(1 / seconds, "estimate",
                 f"{', '.join(basis)}; {where}; {eff:.0%} of peak as llama.cpp reaches")


def slowdown(partial: Speed, full: Speed) -> float | None:
    """How many times slower ``partial`` runs than ``full`` (None when either is unknown)."""
    if not partial.tokens_per_s or not full.tokens_per_s:
        return None
    return full.tokens_per_s / partial.tokens_per_s
