"""Numbers as people read them in the app: sizes, shares and countdowns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quantdesk.core import units


def human_bytes(n: int | float | None) -> str:
    """Every size in the app, in decimal units exactly as ``ollama ps`` prints them (4.9 GB,
    16 GB, 457 MB), so a figure here can be matched against the terminal; "—" when unknown."""
    if n is None:
        return "—"
    return ("-" if n < 0 else "") + units.gb(abs(n))


def card_size(total_bytes: int | None) -> str:
    """A card's (or RAM's) capacity as its box names it: a 12 GiB card is "12 GB", not the
    12.9 GB its bytes make in decimal units."""
    return "—" if total_bytes is None else units.card_text(total_bytes)


def prediction_gap(predicted: int | None, measured: int) -> float | None:
    """How far Ollama's measured size is from our prediction, as a share of the prediction:
    +0.04 when Ollama uses 4 % more than predicted. The one figure the Running table and its
    panel both show."""
    if not predicted or predicted <= 0 or measured <= 0:
        return None
    return (measured - predicted) / predicted


def gap_text(share: float) -> str:
    """"+4%", and "+0.3%" below one percent, where "+0%" would read as no gap at all."""
    return f"{share:+.1%}" if abs(share) < 0.01 and share else f"{share:+.0%}"


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


def local_time(iso: str, *, now: datetime | None = None) -> str:
    """A stored UTC timestamp in the user's local time: "today 14:05", "yesterday 09:12",
    "3 Dec 2026 18:40"; the text itself when it is not a timestamp."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the store writes UTC
    local = when.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today {clock}"
    if (today - local.date()).days == 1:
        return f"yesterday {clock}"
    return f"{local.day} {local.strftime('%b %Y')} {clock}"
