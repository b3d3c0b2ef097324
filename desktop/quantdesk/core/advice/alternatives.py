"""What to change so a better variant fits fully on the GPU, with numbers.

Three kinds of change, each checked with the fit itself: a smaller context (the variant's own
largest context fully on the GPU), a quantised KV cache with flash attention switched on (or
flash attention alone where that is what helps), and more GPU memory (the least extra that
makes it fit, in steps of a quarter GB). Each answer names the change, the value to change to,
the variant it brings and the verdict it then gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from quantdesk.core.advice.rows import LadderRow
from quantdesk.core.advice.settings import PlanSettings
from quantdesk.core.fit import FitResult
from quantdesk.core.fit.explain import context_words
from quantdesk.core.machine import Machine
from quantdesk.core.units import GiB, gb

Change = Literal["context", "kv_cache", "flash_attention", "vram"]
Refit = Callable[[LadderRow, Machine, PlanSettings], FitResult | None]

MIN_CONTEXT = 2048  # below this a context is no use for chat: not offered as a fix
VRAM_STEP = 250_000_000
VRAM_LIMIT = 192 * 10**9


@dataclass(frozen=True, slots=True)
class Alternative:
    change: Change
    to: int | str  # tokens (context), bytes of GPU memory (vram), a type or "on"
    pick: str  # the variant it brings
    verdict: str
    text: str
    requires: dict[str, str] = field(default_factory=dict)  # other settings it needs

    def to_json(self) -> dict[str, Any]:
        return {"change": self.change, "to": self.to, "pick": self.pick,
                "verdict": self.verdict, "text": self.text, "requires": self.requires or None}


def _label(row: LadderRow) -> str:
    return row.variant.quant.tag_name if row.variant.quant else row.variant.tag


def context_change(row: LadderRow, ctx: int) -> Alternative | None:
    """The largest context at which ``row`` runs fully on the GPU, when smaller than ``ctx``."""
    if row.fit is None or not (MIN_CONTEXT <= row.fit.max_gpu_ctx < ctx):
        return None
    to = row.fit.max_gpu_ctx
    return Alternative("context", to, row.name, "gpu",
                       f"{_label(row)} fits fully up to {context_words(to)} context")


def flash_changes(row: LadderRow, machine: Machine, settings: PlanSettings,
                  refit: Refit) -> list[Alternative]:
    """Flash attention on, with a q8_0 (else q4_0) KV cache, when that makes ``row`` fit."""
    out: list[Alternative] = []
    if row.fit is None:
        return out
    ctx = row.fit.num_ctx
    if settings.flash_attention != "on" and not row.fit.flash_attention:
        alone = refit(row, machine, settings.changed(flash_attention="on"))
        if alone is not None and alone.verdict == "gpu":
            out.append(Alternative("flash_attention", "on", row.name, "gpu",
                                   f"with flash attention on: {_label(row)} fully on the GPU "
                                   f"at {context_words(ctx)}"))
            return out
    for kv in ("q8_0", "q4_0"):
        if kv == row.fit.kv_cache_type:
            continue
        result = refit(row, machine, settings.changed(flash_attention="on", kv_cache_type=kv))
        if result is None or result.kv_cache_type != kv or result.verdict != "gpu":
            continue
        upto = (f" (up to {context_words(result.max_gpu_ctx)})"
                if result.max_gpu_ctx > ctx else "")
        out.append(Alternative(
            "kv_cache", kv, row.name, "gpu",
            f"with flash attention on and a {kv} KV cache: {_label(row)} fully on the GPU at "
            f"{context_words(ctx)}{upto}", {"flash_attention": "on"}))
        break
    return out


def _grown(machine: Machine, extra: int) -> Machine:
    """``machine`` with ``extra`` bytes more on its largest GPU."""
    gpus = list(machine.gpus)
    usable = [i for i, g in enumerate(gpus) if g.usable]
    big = max(usable, key=lambda i: gpus[i].total_bytes)
    g = gpus[big]
    gpus[big] = replace(g, total_bytes=g.total_bytes + extra, free_bytes=g.free_bytes + extra)
    return replace(machine, gpus=tuple(gpus))


def vram_change(row: LadderRow, machine: Machine, settings: PlanSettings,
                refit: Refit) -> Alternative | None:
    """The least extra GPU memory (in quarter-GB steps) that puts ``row`` fully on the GPU."""
    if row.fit is None or row.fit.verdict == "gpu" or not machine.usable_gpus:
        return None

    def fits(steps: int) -> bool:
        result = refit(row, _grown(machine, steps * VRAM_STEP), settings)
        return result is not None and result.verdict == "gpu"

    hi = VRAM_LIMIT // VRAM_STEP
    if not fits(hi):
        return None
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    extra = hi * VRAM_STEP
    total = max(machine.usable_gpus, key=lambda g: g.total_bytes).total_bytes + extra
    card = -(-total // GiB)  # cards are sold in whole GiB
    return Alternative("vram", total, row.name, "gpu",
                       f"with {gb(extra)} more GPU memory (a card with {card} GB): {_label(row)} "
                       f"fully on the GPU at {context_words(row.fit.num_ctx)}")


def alternatives_for(row: LadderRow, machine: Machine, settings: PlanSettings, refit: Refit,
                     *, with_vram: bool = True) -> list[Alternative]:
    """Every change that puts ``row`` fully on the GPU, cheapest first."""
    if row.fit is None or row.fit.verdict == "gpu":
        return []
    out: list[Alternative] = []
    ctx = context_change(row, row.fit.num_ctx)
    if ctx is not None:
        out.append(ctx)
    out += flash_changes(row, machine, settings, refit)
    if with_vram:
        more = vram_change(row, machine, settings, refit)
        if more is not None:
            out.append(more)
    return out
