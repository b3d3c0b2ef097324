"""The recommendation: a pick per model size, the headline pick, and what to change.

Per size (0.5b, 7b, 8x7b …): the highest-quality variant that runs fully on the GPU at the
chosen settings. The headline pick is the largest size whose pick is q4_K_M-class or better.
When no such pick fits, a q4_K_M-or-better variant that would fit by changing a setting is
picked instead of a sub-4-bit one, stated as the partial load it is now with its slowdown,
and the alternatives say what to change, with numbers. Only when no setting helps does a
smaller-than-4-bit build, or a partial load, become the pick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from quantdesk.core.advice.alternatives import Alternative, Refit, alternatives_for
from quantdesk.core.advice.quality import is_good, quality_rank
from quantdesk.core.advice.rows import LadderRow
from quantdesk.core.advice.settings import PlanSettings
from quantdesk.core.advice.speed import Speed, estimate_speed, slowdown
from quantdesk.core.fit.explain import context_words
from quantdesk.core.machine import Machine
from quantdesk.core.registry.variants import is_base_model
from quantdesk.core.units import gb

MAX_ALTERNATIVES = 5
MIN_CPU_RATE = 4.0  # tok/s below which a CPU-only pick is too slow to chat with


@dataclass(frozen=True, slots=True)
class SizePick:
    size: str
    pick: LadderRow | None
    why: str

    def to_json(self) -> dict[str, Any]:
        p = self.pick
        return {"size": self.size or None, "pick": p.name if p else None,
                "quant": p.variant.quant.name if p and p.variant.quant else None,
                "verdict": p.fit.verdict if p and p.fit else None, "why": self.why}


@dataclass(frozen=True, slots=True)
class Recommendation:
    pick: LadderRow | None
    why: str
    per_size: tuple[SizePick, ...]
    alternatives: tuple[Alternative, ...]
    slowdown: float | None = None  # how many times slower than fully on the GPU, if partial

    @property
    def verdict(self) -> str | None:
        return self.pick.fit.verdict if self.pick and self.pick.fit else None

    def to_json(self) -> dict[str, Any]:
        p = self.pick
        return {"pick": p.name if p else None,
                "quant": p.variant.quant.name if p and p.variant.quant else None,
                "verdict": self.verdict, "why": self.why,
                "slowdown": None if self.slowdown is None else round(self.slowdown, 1),
                "per_size": [s.to_json() for s in self.per_size],
                "alternatives": [a.to_json() for a in self.alternatives]}


def _label(row: LadderRow) -> str:
    return row.variant.quant.tag_name if row.variant.quant else row.variant.tag


def _preference(row: LadderRow) -> tuple[float, bool, bool, int]:
    # Between builds of one level: the one on disk, then the chat-tuned one, then the larger.
    v = row.variant
    return (quality_rank(v.quant), v.installed, not is_base_model(v), v.model_bytes or 0)


def _by_size(rows: Sequence[LadderRow]) -> list[tuple[str, list[LadderRow]]]:
    """Size groups, largest model first."""
    groups: dict[str, list[LadderRow]] = {}
    for r in rows:
        groups.setdefault(r.size, []).append(r)

    def scale(item: tuple[str, list[LadderRow]]) -> int:
        members = item[1]
        return max((r.parameters for r in members), default=0) or \
            max((r.variant.model_bytes or r.variant.size_bytes or 0) for r in members)

    return sorted(groups.items(), key=scale, reverse=True)


def _full_pick(rows: Sequence[LadderRow]) -> LadderRow | None:
    full = [r for r in rows if r.variant.pullable and r.fit and r.fit.verdict == "gpu"]
    return max(full, key=_preference) if full else None


def _cheapest_good(rows: Sequence[LadderRow]) -> LadderRow | None:
    """The smallest q4_K_M-class-or-better build (the one most likely to fit)."""
    good = [r for r in rows if r.variant.pullable and r.fit and is_good(r.variant.quant)]
    return min(good, key=lambda r: (r.fit.estimate.total_bytes if r.fit else 0,
                                    not r.variant.installed, is_base_model(r.variant)),
               default=None)


def _size_why(size: str, pick: LadderRow | None, rows: Sequence[LadderRow], ctx: str) -> str:
    name = size or "this model"
    if pick is not None:
        return f"{_label(pick)}: the most precise {name} build fully on the GPU at {ctx}"
    best = max((r for r in rows if r.fit), key=lambda r: r.fit.placement.gpu_layers
               if r.fit else 0, default=None)
    if best is None or best.fit is None or not best.fit.placement.gpu_layers:
        return f"nothing of {name} runs on the GPU at {ctx}"
    p = best.fit.placement
    return (f"nothing of {name} runs fully on the GPU at {ctx}; {_label(best)} puts "
            f"{p.gpu_layers} of {p.total_layers} layers there")


def _partial_words(row: LadderRow, machine: Machine) -> tuple[str, float | None]:
    """"25 of 33 layers on the GPU now, expect it about 3× slower (≈12 vs ≈40 tok/s)"."""
    assert row.fit is not None
    p = row.fit.placement
    if row.fit.verdict == "cpu":
        return "it runs on the CPU only now, expect it several times slower", None
    full = _full_speed(row, machine)
    factor = slowdown(row.speed, full) if row.speed and full else None
    words = f"{p.gpu_layers} of {p.total_layers} layers on the GPU now"
    if factor and row.speed and row.speed.tokens_per_s and full and full.tokens_per_s:
        words += (f", expect it about {factor:.1f}x slower than fully on the GPU "
                  f"(≈{row.speed.tokens_per_s:.0f} vs ≈{full.tokens_per_s:.0f} tok/s, "
                  f"{row.speed.kind})")
    else:
        words += ", expect it several times slower than fully on the GPU"
    return words, factor


def _full_speed(row: LadderRow, machine: Machine) -> Speed | None:
    if row.fit is None or row.speed is None or row.speed.kind != "estimate":
        return None
    whole = replace(row.fit.placement, gpu_layers=row.fit.placement.total_layers)
    return estimate_speed(replace(row.fit, placement=whole, verdict="gpu"), machine)


def recommend(rows: Sequence[LadderRow], machine: Machine, settings: PlanSettings,
              refit: Refit) -> Recommendation:
    """The recommendation for ``rows`` (fits at ``settings`` on ``machine``); ``refit``
    evaluates one row at other settings or on a grown machine."""
    usable = [r for r in rows if r.fit is not None]
    if not usable:
        return Recommendation(None, "no variant has a fit estimate", (), ())
    ctx_tokens = usable[0].fit.num_ctx if usable[0].fit else 0
    ctx = f"{context_words(ctx_tokens)} context"
    groups = _by_size(usable)
    per_size = tuple(SizePick(size, _full_pick(members), _size_why(size, _full_pick(members),
                                                                    members, ctx))
                     for size, members in groups)
    if not machine.usable_gpus:
        return _cpu_only(groups, per_size, ctx)
    good = [s for s in per_size if s.pick is not None and is_good(s.pick.variant.quant)]
    if good:
        return _with_good_pick(good[0], per_size, groups, machine, settings, refit, ctx)
    return _without_good_pick(per_size, groups, machine, settings, refit, ctx)


def _with_good_pick(head: SizePick, per_size: tuple[SizePick, ...],
                    groups: list[tuple[str, list[LadderRow]]], machine: Machine,
                    settings: PlanSettings, refit: Refit, ctx: str) -> Recommendation:
    pick = head.pick
    assert pick is not None and pick.fit is not None
    why = (f"{pick.variant.tag}: the most precise build of the largest model that runs fully "
           f"on the GPU at {ctx} ({gb(pick.fit.estimate.total_bytes)})")
    if pick.quality is not None and pick.quality.words():
        why += f"; {pick.quality.words()}"
    alternatives: list[Alternative] = []
    members = dict(groups)[head.size]
    better = [r for r in members if r.variant.pullable and r.fit is not None
              and quality_rank(r.variant.quant) > quality_rank(pick.variant.quant)]
    if better:
        nxt = min(better, key=lambda r: r.fit.estimate.total_bytes if r.fit else 0)
        alternatives += alternatives_for(nxt, machine, settings, refit)
    index = [size for size, _m in groups].index(head.size)
    if index > 0:  # the next larger model: what it would take to run it instead
        target = _cheapest_good(groups[index - 1][1])
        if target is not None:
            alternatives += alternatives_for(target, machine, settings, refit)
    return Recommendation(pick, why, per_size, tuple(alternatives[:MAX_ALTERNATIVES]))


def _without_good_pick(per_size: tuple[SizePick, ...],
                       groups: list[tuple[str, list[LadderRow]]], machine: Machine,
                       settings: PlanSettings, refit: Refit, ctx: str) -> Recommendation:
    # A q4_K_M-class build that fits by changing a setting beats any sub-4-bit one.
    for _size, members in groups:
        target = _cheapest_good(members)
        if target is None or target.fit is None:
            continue
        fixes = alternatives_for(target, machine, settings, refit)
        if any(a.change != "vram" for a in fixes):
            now, factor = _partial_words(target, machine)
            more = f" ({len(fixes) - 1} more ways under what to change)" if len(fixes) > 1 else ""
            why = (f"{target.variant.tag} does not fit fully at {ctx}: {now}. Better than a "
                   f"build below 4 bits: {fixes[0].text}{more}")
            return Recommendation(target, why, per_size, tuple(fixes[:MAX_ALTERNATIVES]),
                                  factor)
    # No setting helps: the largest size that fits at all, then the most layers on the GPU.
    fallback = next((s for s in per_size if s.pick is not None), None)
    if fallback is not None and fallback.pick is not None:
        pick = fallback.pick
        words = pick.variant.quant.words if pick.variant.quant else "a low-precision build"
        why = (f"{pick.variant.tag} is the most precise build that runs fully on the GPU at "
               f"{ctx}, and it is below q4_K_M: {words}")
        target = _cheapest_good(dict(groups)[fallback.size])
        fixes = alternatives_for(target, machine, settings, refit) if target else []
        return Recommendation(pick, why, per_size, tuple(fixes[:MAX_ALTERNATIVES]))
    partial = [r for _s, members in groups for r in members
               if r.fit and r.fit.verdict == "partial" and r.variant.pullable]
    if not partial:
        return Recommendation(None, f"nothing runs on the GPU here at {ctx}", per_size, ())
    pick = max(partial, key=lambda r: (is_good(r.variant.quant),
                                       r.fit.placement.gpu_layers if r.fit else 0))
    now, factor = _partial_words(pick, machine)
    fixes = alternatives_for(pick, machine, settings, refit)
    return Recommendation(pick, f"{pick.variant.tag} runs partly on the GPU at {ctx}: {now}",
                          per_size, tuple(fixes[:MAX_ALTERNATIVES]), factor)


def _cpu_only(groups: list[tuple[str, list[LadderRow]]], per_size: tuple[SizePick, ...],
              ctx: str) -> Recommendation:
    """No GPU: the largest model whose q4_K_M-class build still chats at a usable speed."""
    candidates = [r for _s, members in groups if (r := _cheapest_good(
        [m for m in members if m.fit and m.fit.verdict == "cpu"])) is not None]
    quick = [r for r in candidates if r.speed and (r.speed.tokens_per_s or 0) >= MIN_CPU_RATE]
    pick = quick[0] if quick else (candidates[-1] if candidates else None)
    if pick is None:
        return Recommendation(None, f"nothing fits in this machine's memory at {ctx}",
                              per_size, ())
    rate = f", {pick.speed.words()}" if pick.speed and pick.speed.tokens_per_s else ""
    return Recommendation(pick, f"no usable GPU: {pick.variant.tag} runs on the CPU at {ctx}"
                          f"{rate}", per_size, ())
