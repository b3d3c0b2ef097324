"""``quantdesk pull MODEL``: download a model, with a progress bar (bytes, speed, ETA) on stderr.

The pull goes through core's pull queue, as the app's Downloads do: on a local daemon the
free space of its models folder is checked first (and again as layer sizes appear); for a
remote daemon the check is skipped and stderr says so.

Ctrl-C stops the download cleanly (exit 130); the daemon keeps the partial files, so running
the same pull again resumes. ``--json`` prints every progress event as one JSON line instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import TextIO

from quantdesk.cli.output import err, human_bytes
from quantdesk.core import units
from quantdesk.core.inert import inert, raw_stream
from quantdesk.core.ollama import OllamaClient, PullProgress
from quantdesk.core.pulls import (
    AsyncPullRunner,
    PullFigures,
    PullQueue,
    PullState,
    pull_and_wait,
    skip_reason,
)

NAME = "pull"
HELP = "download a model from the registry (Ctrl-C stops; pulling again resumes)"

_BAR_WIDTH = 24
_REDRAW_S = 0.1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="e.g. llama3.1:8b-instruct-q4_K_M")
    parser.add_argument(
        "--insecure", action="store_true", help="allow a registry without TLS (plain http)"
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "--"
    return units.duration_text(int(seconds), units.COMPACT)


def progress_line(p: PullProgress) -> str:
    """One line of the bar: status, percent, bar, bytes, speed, ETA."""
    if p.layer_total <= 0:
        return p.status
    filled = int(_BAR_WIDTH * p.fraction)
    bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
    return (
        f"{p.status:<22} {p.fraction * 100:3.0f}% [{bar}] "
        f"{human_bytes(p.completed)}/{human_bytes(p.total)}  "
        f"{human_bytes(p.speed)}/s  ETA {_duration(p.eta_s)}"
    )


class _Bar:
    """Redraws in place on a terminal (at most ~10 times a second); elsewhere prints one line
    per new status so logs stay short."""

    def __init__(self, out: TextIO) -> None:
        # The bar's own CR must reach the terminal, so it writes to the unfiltered stream and
        # makes the daemon's words in each line inert itself.
        self.out = raw_stream(out)
        self.tty = out.isatty()
        self.last_status = ""
        self.last_draw = 0.0
        self.width = 0

    def show(self, p: PullProgress) -> None:
        line = inert(progress_line(p))
        if self.tty:
            now = time.monotonic()
            if p.status == self.last_status and not p.done and now - self.last_draw < _REDRAW_S:
                return
            if p.status != self.last_status and self.width:
                self.out.write("\n")
                self.width = 0
            self.out.write("\r" + line.ljust(self.width))
            self.width, self.last_draw = len(line), now
        elif p.status != self.last_status:
            self.out.write(line + "\n")
        self.last_status = p.status
        self.out.flush()

    def end(self) -> None:
        if self.tty and self.width:
            self.out.write("\n")
            self.out.flush()
        self.width = 0


async def _pull(host: str | None, model: str, insecure: bool, as_json: bool) -> PullState:
    """Through the same queue the app uses: its free-disk check, then the daemon's stream."""
    bar = _Bar(sys.stderr)

    def show(_name: str, figures: PullFigures) -> None:
        if as_json:
            sys.stdout.write(json.dumps(figures.progress.as_dict()) + "\n")
            sys.stdout.flush()
        else:
            bar.show(figures.progress)

    try:
        async with OllamaClient(host) as client:
            if reason := skip_reason(client.host):
                err(reason)
            queue = PullQueue(AsyncPullRunner(), lambda: client, insecure=insecure,
                              on_progress=show)
            return await pull_and_wait(queue, model)
    finally:
        bar.end()


def run(args: argparse.Namespace) -> int:
    as_json = getattr(args, "json", False)
    try:
        last = asyncio.run(_pull(args.host, args.model, args.insecure, as_json))
    except KeyboardInterrupt:
        err(f"pull of {args.model} cancelled; run `quantdesk pull {args.model}` again to "
            "resume where it stopped")
        return 130
    if not as_json:
        sys.stderr.write(f"pulled {args.model} ({human_bytes(last.total)})\n")
    return 0
