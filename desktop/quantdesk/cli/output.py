"""Printing for the CLI: aligned tables for people, JSON for programs, sizes in plain units."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from quantdesk.core import units
from quantdesk.core.inert import raw_stream


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


RAW_HELP = ("write the model's text unfiltered, control characters and escape sequences "
            "included, for a pipe that wants the bytes; on a terminal give it twice")


def add_raw_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", action="count", default=0, help=RAW_HELP)


def raw_refused(args: argparse.Namespace, command: str) -> bool:
    """True (after saying why on stderr) when ``--raw`` was given once with stdout on a
    terminal: a model's escape sequences can retitle, clear or hyperlink the terminal."""
    if getattr(args, "raw", 0) == 1 and sys.stdout.isatty():
        sys.stderr.write(
            f"quantdesk {command}: error: --raw sends the model's escape sequences to this "
            "terminal, which can change its title, clear it or plant links; pipe the output "
            "elsewhere, or give --raw twice to do it anyway\n")
        return True
    return False


@contextmanager
def unfiltered_stdout(enabled: bool) -> Iterator[None]:
    """While inside (when ``enabled``), ``sys.stdout`` is the stream under the inert filter."""
    if not enabled:
        yield
        return
    saved = sys.stdout
    sys.stdout = raw_stream(saved)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = saved
