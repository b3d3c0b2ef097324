"""Lenient readers for daemon JSON: a missing or mistyped field gives a default, never a crash.

The daemon omits zero-valued fields (``omitempty``), adds fields across versions and, behind
proxies or in forks, sometimes sends numbers as strings; the response types read through these
helpers so one odd field never hides a whole model list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

# Go writes nanoseconds; Python keeps microseconds, so extra digits are cut before parsing.
_FRACTION = re.compile(r"(\.\d{6})\d+")


def as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def get_str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def get_int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def get_float(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A finite number (infinities and NaN, which no daemon means, give ``default``)."""
    value = data.get(key)
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float | str):
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            return default
        return number if math.isfinite(number) else default
    return default


def get_bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


def get_str_tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with nanoseconds and offset, else None (also for Go's zero time)."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year <= 1:
        return None
    return parsed


def get_time(data: Mapping[str, Any], key: str) -> datetime | None:
    return parse_time(data.get(key))


MAX_SIZE = 2**63 - 1  # Go's int64, what every size on the wire is


def as_size(value: Any) -> int | None:
    """A byte count from a registry or daemon: a whole number 0 ≤ n < 2^63 (a numeric
    string too); None for anything else (negative, 1e999, NaN, a bool, text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or len(text) > 19:
            return None
        value = int(text)
    if isinstance(value, int) and 0 <= value <= MAX_SIZE:
        return value
    return None


def get_size(data: Mapping[str, Any], key: str) -> int:
    """A byte count (``as_size``), 0 when missing or impossible: a size of -5 or 2^63 is a
    daemon gone wrong, and showing it would only mislead."""
    return as_size(data.get(key)) or 0
