"""Printing for the CLI: aligned tables for people, JSON for programs, sizes in plain units."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from quantdesk.core import units


def print_json(data: Any, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    json.dump(data, out, indent=2, default=str)
    out.write("\n")


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO | None = None
) -> None:
    out = out or sys.stdout
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def human_bytes(n: int | float | None) -> str:
    """Decimal units, as ``ollama list`` prints them (4.9 GB); "-" when unknown."""
    return units.human_bytes(n, missing="-")


def err(message: str) -> None:
    sys.stderr.write(f"quantdesk: {message}\n")
