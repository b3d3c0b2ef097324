"""Sizes and durations as people read them, shared by the CLI and the app.

One unit system: decimal GB/MB, the way ``ollama ps`` and ``ollama list`` print them, for every
size a model needs or a card has free. A card itself is named by its vendor's nominal size
("a 12 GB card"), which is binary (12 GiB); :func:`card_text` says so and :func:`gb` keeps the
arithmetic decimal. Each front end keeps its own wording for durations (the CLI's ``1h02m``,
the Downloads page's ``1 h 02 min left``, the Running page's ``4:05``); what they share is one
split of seconds into hours, minutes and seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

GiB = 1 << 30
MiB = 1 << 20


def human_bytes(n: int | float | None, *, missing: str) -> str:
    """Decimal units, as ``ollama list`` prints them (4.9 GB); ``missing`` stands for None."""
    if n is None:
        return missing
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - loop always returns


def gb(n: int | float) -> str:
    """``ollama ps``'s SIZE wording (Go ``format.HumanBytes``): decimal units, a whole number
    from 10 up ("11 GB"), one decimal below ("6.5 GB", "457 MB" stays whole)."""
    value = float(n)
    units = (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3))
    unit, scale = next(((u, s) for u, s in units if value >= s), ("B", 1.0))
    scaled = value / scale
    if unit == "B" or scaled >= 10 or scaled == int(scaled):
        return f"{int(scaled)} {unit}"
    return f"{scaled:.1f} {unit}"


def card_text(total_bytes: int) -> str:
    """A card's memory as its vendor names it: "12 GB" for 12 GiB (the box says GB and means
    GiB); sizes that are not a whole number of GiB fall back to :func:`gb`."""
    whole = round(total_bytes / GiB)
    if whole and abs(total_bytes - whole * GiB) <= GiB // 64:
        return f"{whole} GB"
    return gb(total_bytes)


def gib(n: int) -> str:
    """Sizes of memory in GiB, the unit GPU makers and Ollama's logs use (``24.0 GiB``)."""
    return f"{n / GiB:.1f} GiB"


@dataclass(frozen=True, slots=True)
class DurationStyle:
    """Templates for the three ranges: ``hours`` gets ``h`` and ``m``, ``minutes`` gets ``m``
    and ``s``, ``seconds`` gets ``s``."""

    hours: str
    minutes: str
    seconds: str


COMPACT = DurationStyle("{h}h{m:02d}m", "{m}m{s:02d}s", "{s}s")
WORDS = DurationStyle("{h} h {m:02d} min", "{m} min {s:02d} s", "{s} s")
CLOCK = DurationStyle("{h} h {m:02d} min", "{m}:{s:02d}", "0:{s:02d}")


def duration_text(seconds: int, style: DurationStyle) -> str:
    """Whole seconds in ``style``: hours and minutes from an hour up, minutes and seconds from
    a minute up, else seconds (negative counts fall to the seconds template)."""
    if seconds >= 3600:
        return style.hours.format(h=seconds // 3600, m=seconds % 3600 // 60)
    if seconds >= 60:
        return style.minutes.format(m=seconds // 60, s=seconds % 60)
    return style.seconds.format(s=seconds)
