"""Numbers as people read them in the app: sizes, shares and countdowns."""

from __future__ import annotations

from datetime import timedelta

from quantdesk.core import units


def human_bytes(n: int | float | None) -> str:
    """Decimal units, as ``ollama list`` prints them (4.9 GB); "—" when unknown."""
    return units.human_bytes(n, missing="—")


def countdown(left: timedelta | None, *, forever: bool = False) -> str:
    """"4:05" for 4 min 5 s, "1 h 02 min" past an hour, "Forever", "Stopping…"."""
    if forever:
        return "Forever"
    if left is None:
        return "—"
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return "Stopping…"
    return units.duration_text(seconds, units.CLOCK)


def percent(part: float, whole: float) -> str:
    if whole <= 0:
        return "—"
    return f"{100 * part / whole:.0f}%"
