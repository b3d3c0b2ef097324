"""Numbers as people read them in the app: sizes, shares and countdowns."""

from __future__ import annotations

from datetime import timedelta


def human_bytes(n: int | float | None) -> str:
    """Decimal units, as ``ollama list`` prints them (4.9 GB)."""
    if n is None:
        return "—"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - loop always returns


def countdown(left: timedelta | None, *, forever: bool = False) -> str:
    """"4:05" for 4 min 5 s, "1 h 02 min" past an hour, "Forever", "Stopping…"."""
    if forever:
        return "Forever"
    if left is None:
        return "—"
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return "Stopping…"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 60}:{seconds % 60:02d}"


def percent(part: float, whole: float) -> str:
    if whole <= 0:
        return "—"
    return f"{100 * part / whole:.0f}%"
