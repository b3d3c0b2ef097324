"""``quantdesk gui``: the desktop app (also what ``quantdesk`` with no command opens)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from quantdesk.cli.output import err

NAME = "gui"
HELP = "open the desktop app"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in simulated daemon (no Ollama needed)")
    parser.add_argument("--screenshots", metavar="DIR", type=Path,
                        help="save one PNG per page into DIR (implies --demo) and exit")
    parser.add_argument("--size", metavar="WXH", action="append", type=_size, dest="sizes",
                        help="window size of the screenshots, e.g. 1024x640 (repeatable; "
                             "default 1280x800; several sizes go into DIR/WxH/)")
    # For the start-up benchmark: print the time to a filled first page, then exit.
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)


def _size(text: str) -> tuple[int, int]:
    # Parsed here, Qt-free, so a bad size is an argparse error before any window opens.
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not a window size like 1024x640")
    width, height = (int(p) for p in parts)
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError(f"{text!r} is smaller than 320x240")
    return width, height


GUI_MISSING = ("The desktop app needs PySide6, which is not installed: install it with "
               "`pip install 'quantdesk[gui]'` (or `pipx install 'quantdesk[gui]'`).")


def gui_available() -> bool:
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("PySide6", "pyqtgraph"))
    except (ImportError, ValueError):  # a broken or half-removed install counts as missing
        return False


def run(args: argparse.Namespace) -> int:
    # Qt is imported here, not at module level: `quantdesk --help` and the other commands
    # must not pay for it, and the core and CLI run where Qt is not installed at all.
    if not gui_available():
        err(GUI_MISSING)
        return 1
    from quantdesk.ui.qt_health import binding_problem

    if problem := binding_problem():
        err(problem)
        return 1
    # httpx imports its own command-line client (click, rich, pygments) whenever those are
    # installed, as the test tools install them: about 10 MB and 0.1 s of start-up for code
    # the app never runs. Marking that one module absent makes httpx skip it (its fallback
    # for an install without them); the HTTP client itself is untouched.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    from quantdesk.ui.app import run_app

    return run_app(
        host=getattr(args, "host", None),
        registry=getattr(args, "registry", None),
        demo=bool(getattr(args, "demo", False)),
        screenshots=args.screenshots,
        sizes=getattr(args, "sizes", None),
        exit_when_ready=args.exit_when_ready,
    )
