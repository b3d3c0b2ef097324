"""Values in the daemon's wire formats: Go timestamps, Go durations, keep_alive, versions.

Ollama is written in Go, so timestamps are RFC 3339 with up to nine fraction digits (trailing
zeros trimmed, ``Z`` for UTC) and ``keep_alive`` strings are Go durations; the rules for numbers,
numeric strings and negative values are those of ollama-api.md §7.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

# Go's time.Duration holds at most ~292 years; Ollama's "forever" keep-alive lands there.
FOREVER = timedelta(microseconds=(2**63 - 1) // 1000)
DEFAULT_KEEP_ALIVE = timedelta(minutes=5)

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class WireError(ValueError):
    """A request value the daemon rejects with 400; ``str()`` is Ollama's message."""


def go_timestamp(ns: int | None = None, *, utc: bool = False) -> str:
    """RFC 3339 with nanoseconds, as Go's ``time.Time`` marshals it: in local time (file
    times, timers), or in UTC for a ``time.Now().UTC()`` (every generate/chat reply)."""
    ns = time.time_ns() if ns is None else ns
    seconds, frac = divmod(ns, 1_000_000_000)
    at = datetime.fromtimestamp(seconds, UTC)
    local = at if utc else at.astimezone()
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    offset = local.utcoffset() or timedelta(0)
    if not offset:
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string (``"1h30m"``, ``"-1m"``, ``"0"``); raises WireError."""
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    body = s.lstrip("+-")
    if body == "0":
        return 0.0
    if not body:
        raise WireError(f'time: invalid duration "{text}"')
    pos, total = 0, 0.0
    while pos < len(body):
        m = _DURATION_PART.match(body, pos)
        if not m:
            if re.fullmatch(r"\d+\.?\d*|\.\d+", body[pos:]):
                raise WireError(f'time: missing unit in duration "{text}"')
            raise WireError(f'time: invalid duration "{text}"')
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def parse_keep_alive(value: object) -> timedelta | None:
    """The keep-alive a request asks for; None when absent (server default applies).

    Numbers are seconds, strings Go durations; negative means forever. A numeric string such
    as ``"3600"`` is rejected, as the real daemon does.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise WireError("json: cannot unmarshal bool into Go value of type time.Duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = parse_go_duration(value)
    else:
        raise WireError(
            f"json: cannot unmarshal {type(value).__name__} into Go value of type time.Duration"
        )
    if seconds < 0:
        return FOREVER
    return timedelta(seconds=seconds)


def parse_version(text: str) -> tuple[int, int, int]:
    """``"0.32.15"`` → (0, 32, 15); suffixes such as ``-rc2`` are ignored."""
    nums = [int(p) for p in re.findall(r"\d+", text.split("-")[0])[:3]]
    while len(nums) < 3:
        nums.append(0)
    return nums[0], nums[1], nums[2]
