""" "What if" machines: hardware given by the user instead of probed, and the sizes they type.

Sizes follow the usual convention: ``GiB``/``MiB``/``Gi`` are binary, ``GB``/``MB`` decimal,
and a bare letter (``16G``, ``512M``, as docker and java write memory) binary. Memory of a
what-if machine is read the way vendors write it (:func:`parse_memory_size`): an "8 GB card"
and "32 GB of RAM" hold 8 GiB and 32 GiB, so ``8GB`` there means 8 GiB, and the machine's
description says so.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware.apple import metal_share, share_note
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.units import card_text

_PREFIXES = "KMGTP"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgtp]?)(i?)(b?)\s*$", re.IGNORECASE)


class SizeError(QuantDeskError):
    """A size the user typed that is not one."""


class OverrideError(QuantDeskError):
    """A "what if" that contradicts itself or lacks a figure."""


NOMINAL_NOTE = "sizes read as vendors write them: 8 GB = 8 GiB"


def parse_size(text: str, *, nominal: bool = False) -> int:
    """Bytes in ``text``: ``24GiB``, ``24GB``, ``24576MiB``, ``1.5TB``, ``512M`` or plain bytes.

    ``nominal``: every unit is binary, as memory sizes are sold (``8GB`` = 8 GiB)."""
    match = _SIZE.match(text)
    if match is None:
        raise SizeError(f"{text!r} is not a size; write it like 24GiB, 24GB, 512MiB or 1.5TB")
    number, prefix, binary, byte = match.groups()
    if binary and not prefix:
        raise SizeError(f"{text!r} is not a size; 'i' needs a unit letter before it, as in 24GiB")
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise SizeError(f"{text!r} is not a size") from exc
    power = _PREFIXES.index(prefix.upper()) + 1 if prefix else 0
    # Binary when spelled binary or when the unit is a bare letter; decimal only for "GB" & co.
    base = 1000 if (byte and not binary and not nominal) else 1024
    size = int(value * base**power)
    if size <= 0:
        raise SizeError(f"{text!r} is zero bytes; give a size above zero")
    return size


def parse_memory_size(text: str) -> int:
    """A what-if GPU or RAM size: ``8GB``, ``8G`` and ``8GiB`` all mean 8 GiB."""
    return parse_size(text, nominal=True)


def _check_positive(label: str, sizes: list[int]) -> None:
    for size in sizes:
        if size <= 0:
            raise OverrideError(f"{label} must be above zero (got {size} bytes)")


def _hypothetical_gpus(sizes: list[int]) -> tuple[Gpu, ...]:
    return tuple(
        Gpu(
            vendor="other",
            index=i,
            name=f"GPU with {card_text(size)} (what if)",
            total_bytes=size,
            free_bytes=size,
            note="hypothetical card, all memory free",
        )
        for i, size in enumerate(sizes)
    )


def _unified_gpu(ram_bytes: int, share: int | None = None) -> Gpu:
    if share is None:
        size, note = metal_share(ram_bytes), share_note(ram_bytes)
    else:
        size, note = share, f"unified memory; GPU limit set to {card_text(share)} (what if)"
    return Gpu(
        vendor="apple",
        index=0,
        name="Apple unified memory (what if)",
        total_bytes=size,
        free_bytes=size,
        unified=True,
        note=note,
    )


def machine_override(
    base: Machine | None,
    *,
    gpu_mem: list[int] | None = None,
    ram: int | None = None,
    unified: bool = False,
    cpu_only: bool = False,
) -> Machine:
    """``base`` with the hardware the user asked about in place of the probed one.

    ``gpu_mem``: one hypothetical GPU per size, all free. ``ram``: total RAM, all available.
    ``unified``: one Apple-style GPU whose share follows from the RAM (or, with one ``gpu_mem``
    size, that size, as ``iogpu.wired_limit_mb`` would set it). ``cpu_only``: no GPU at all.
    Parts not overridden are kept from ``base``; ``Machine.override`` says what changed.
    """
    sizes = list(gpu_mem or [])
    _check_positive("a GPU memory size", sizes)
    if ram is not None:
        _check_positive("the RAM size", [ram])
    if cpu_only and (sizes or unified):
        raise OverrideError("--cpu-only cannot be combined with --gpu-mem or --unified")
    if unified and len(sizes) > 1:
        raise OverrideError("unified memory means one GPU; give at most one --gpu-mem with it")
    if not (sizes or ram is not None or unified or cpu_only):
        if base is None:
            raise OverrideError("nothing to describe: give GPU memory, RAM, unified or CPU only")
        return base
    if base is None and ram is None:
        raise OverrideError("a what-if machine needs its RAM size (--ram)")

    ram_info = base.ram if base is not None else Ram(0, 0)
    if ram is not None:
        ram_info = Ram(
            total_bytes=ram,
            available_bytes=ram,
            swap_total_bytes=ram_info.swap_total_bytes,
            swap_free_bytes=ram_info.swap_free_bytes,
        )
    gpus = base.gpus if base is not None else ()
    words: list[str] = []
    if cpu_only:
        gpus, words = (), ["CPU only (no GPU)"]
    elif unified:
        gpus = (_unified_gpu(ram_info.total_bytes, sizes[0] if sizes else None),)
        words = [f"Apple unified memory (GPU may use {card_text(gpus[0].total_bytes)})"]
    elif sizes:
        gpus = _hypothetical_gpus(sizes)
        words = [f"{'GPU' if len(sizes) == 1 else 'GPUs'} of "
                 + " + ".join(map(card_text, sizes))]
    elif ram is not None and any(g.unified for g in gpus):
        # On a Mac the GPU's share is a fraction of RAM, so more RAM means a larger share.
        gpus = (_unified_gpu(ram_info.total_bytes),)
        words = [f"Apple unified memory (GPU may use {card_text(gpus[0].total_bytes)})"]
    if ram is not None:
        words.append(f"{card_text(ram)} RAM")
    if sizes or ram is not None:
        words.append(NOMINAL_NOTE)

    cpu = base.cpu if base is not None else Cpu(model="unspecified", cores=0)
    probes = dict(base.probes) if base is not None else {}
    description = "what if: " + ", ".join(words)
    if base is not None:
        return replace(base, gpus=gpus, ram=ram_info, cpu=cpu, probes=probes, override=description)
    return Machine(gpus=gpus, ram=ram_info, cpu=cpu, probes=probes, override=description)
