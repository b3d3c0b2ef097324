"""Ladders for the advice tests, made from the simulator's catalog (real library tags, sizes
from registry-sizes.json, architectures from the models' configs), without any I/O."""

from __future__ import annotations

from quantdesk.core.advice import Ladder
from quantdesk.core.hardware import machine_override
from quantdesk.core.hosts import MachineView
from quantdesk.core.machine import Machine
from quantdesk.core.registry import Variant
from quantdesk.sim.catalog import catalog

GiB = 1 << 30


def catalog_ladder(model: str, *, kinds: tuple[str, ...] = ("instruct",)) -> Ladder:
    variants, shapes = [], {}
    for v in catalog().variants():
        if v.model != model or v.kind not in kinds:
            continue
        variants.append(Variant(name=v.name, tag=v.tag, quant=v.quant,
                                size_bytes=v.model_bytes, model_bytes=v.model_bytes,
                                digest=None, quant_label=v.quant.name))
        shapes[v.name] = (f"{model}:{v.build}", dict(v.model_info))
    return Ladder(model, model, variants, shapes, source="page")


def what_if(vram_gib: float, ram_gib: float = 32) -> Machine:
    return machine_override(None, gpu_mem=[int(vram_gib * GiB)], ram=int(ram_gib * GiB))


def view(machine: Machine) -> MachineView:
    return MachineView(machine, "127.0.0.1:11434", "what-if", "test machine")
