"""The JSON facts bundled with the core (``core/data/``): read once, by name."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(name: str) -> dict[str, Any]:
    """``data/<name>`` parsed (cached: the files ship with the package and never change)."""
    text = resources.files("quantdesk.core").joinpath(f"data/{name}").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
