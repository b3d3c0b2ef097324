"""``keep_alive`` values the daemon accepts.

A JSON number means seconds and a JSON string must be a Go duration (``"10m"``, ``"1h30m"``,
``"-1m"``); the daemon rejects a numeric *string* such as ``"3600"`` with a 400 (``ollama-api.md``
§7), so numbers typed by a user are sent as numbers.
"""

from __future__ import annotations

import re

_GO_DURATION = re.compile(r"^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$")

KeepAlive = str | int | float


def parse_keep_alive(value: str | float) -> KeepAlive:
    """``"10m"`` stays a string; ``"300"``, ``"-1"``, ``2.5`` become numbers of seconds.
    Raises ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError("keep-alive must be a duration such as 10m or a number of seconds")
    if isinstance(value, int | float):
        return value
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None and text.lower() not in ("nan", "inf", "-inf", "+inf", "infinity"):
        return int(number) if number.is_integer() else number
    if _GO_DURATION.match(text):
        return text
    raise ValueError(
        f"'{value}' is not a keep-alive: use a duration such as 10m, 1h30m or -1m "
        "(forever), or a number of seconds"
    )
