"""The fit in words: the one-line reason and the breakdown lines, for the app and the CLI.

Every size is in decimal GB/MB as ``ollama ps`` prints them (``core.units.gb``); a card is
named by its vendor's nominal size. The layer count is the fit's own: the repeating blocks plus
the output layer (``block_count + 1``), the number Ollama's logs call ``layers.model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from quantdesk.core.units import card_text, gb

if TYPE_CHECKING:
    from quantdesk.core.fit.layout import Device, Layout
    from quantdesk.core.fit.result import FitResult, Verdict
    from quantdesk.core.machine import Machine

SLOWER = "expect it several times slower"


def device_words(devices: Sequence[Device], names: dict[int, str],
                 totals: dict[int, int]) -> str:
    """"NVIDIA GeForce RTX 3060 (12 GB card)" for each device, joined with "+"."""
    parts = []
    for d in devices:
        name = names.get(d.index, "the GPU")
        total = totals.get(d.index, 0)
        parts.append(f"{name} ({card_text(total)} card)" if total and card_text(total) not in name
                     else name)
    return " + ".join(parts) or "the GPU"


def verdict_and_reason(
    machine: Machine, lay: Layout, devices: Sequence[Device], total_layers: int,
    names: dict[int, str],
) -> tuple[Verdict, str]:
    """The verdict and its one-line reason for the layout the daemon would choose."""
    swap = 0 if machine.unified else machine.ram.swap_free_bytes
    ram_free = machine.ram.available_bytes + swap
    free = sum(d.free for d in devices)
    totals = {g.index: g.total_bytes for g in machine.gpus}
    where = device_words(devices, names, totals)
    if lay.cpu_bytes > ram_free:
        return "no", (f"Needs {gb(lay.cpu_bytes)} of RAM but only {gb(ram_free)} of RAM is "
                      "free: it will not load")
    if lay.gpu_layers == total_layers:
        return "gpu", (f"Needs {gb(lay.size)}, {gb(free)} free on {where}: all "
                       f"{total_layers} layers on the GPU")
    if lay.gpu_layers:
        return "partial", (f"{lay.gpu_layers} of {total_layers} layers fit in {gb(free)} free "
                           f"on {where}; the rest runs on the CPU, {SLOWER}")
    if not machine.usable_gpus:
        return "cpu", (f"No usable GPU: runs on the CPU with {gb(lay.size)} of RAM "
                       f"({gb(ram_free)} free), {SLOWER} than on a GPU")
    if not devices:
        return "cpu", (f"Needs {gb(lay.vram or lay.size)}, more than this machine's "
                       f"{gb(machine.ram.total_bytes)} of memory, so Ollama runs it on the CPU")
    return "cpu", (f"Not even one layer fits in {gb(free)} free on {where}; it runs on the CPU "
                   f"with {gb(lay.size)} of RAM, {SLOWER}")


def layers_words(total_layers: int) -> str:
    """"33 layers (32 blocks and the output layer)"."""
    return f"{total_layers} layers ({total_layers - 1} blocks and the output layer)"


def context_words(tokens: int) -> str:
    """``32768`` -> "32k", ``131072`` -> "128k", ``11520`` -> "11.2k", ``256`` -> "256"."""
    if tokens >= 1024 and tokens % 1024 == 0:
        return f"{tokens // 1024}k"
    if tokens >= 1024:
        return f"{tokens / 1024:.1f}k"
    return str(tokens)


def explain(result: FitResult) -> list[str]:
    """The breakdown behind a verdict, one fact a line (the reason first)."""
    e, p = result.estimate, result.placement
    kv = result.kv_cache_type
    lines = [
        result.reason,
        f"Weights {gb(e.weights_bytes)}; KV cache {gb(e.kv_cache_bytes)} "
        f"({kv}, {context_words(result.num_ctx)} context"
        + (f" x {result.num_parallel} slots" if result.num_parallel > 1 else "") + ")",
        f"Compute graph {gb(e.graph_bytes)}; reserved by Ollama {gb(e.overhead_bytes)}; "
        f"total {gb(e.total_bytes)}",
        f"On the GPU: {p.gpu_layers} of {layers_words(p.total_layers)}"
        + (f"; {gb(p.cpu_bytes)} in system RAM" if p.cpu_bytes else ""),
        ("Largest context fully on the GPU: " + context_words(result.max_gpu_ctx))
        if result.max_gpu_ctx else "No context length runs fully on the GPU here",
        f"Ollama {result.ollama_version} would show {result.ps_size_text}, {result.processor}",
    ]
    return lines
