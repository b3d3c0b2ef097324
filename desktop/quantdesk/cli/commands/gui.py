"""``quantdesk gui``: the desktop app (also what ``quantdesk`` with no command opens)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "gui"
HELP = "open the desktop app"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in simulated daemon (no Ollama needed)")
    parser.add_argument("--screenshots", metavar="DIR", type=Path,
                        help="save one PNG per page into DIR (implies --demo) and exit")
    # For the start-up benchmark: print the time to a filled first page, then exit.
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    # Qt is imported here, not at module level: `quantdesk --help` and the other commands
    # must not pay for it.
    from quantdesk.ui.app import run_app

    return run_app(
        host=getattr(args, "host", None),
        registry=getattr(args, "registry", None),
        demo=bool(getattr(args, "demo", False)),
        screenshots=args.screenshots,
        exit_when_ready=args.exit_when_ready,
    )
