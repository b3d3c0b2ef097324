"""Entry point of ``quantdesk``: parses the command line and dispatches to a command module.

Each command lives in its own module under ``quantdesk.cli.commands`` and exposes
``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. Options shared by
every command (``--host``, ``--registry``, ``--json``) are accepted before or after the
command's own arguments.

Exit status: 0 success, 1 a failure the user can fix (message on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from quantdesk import __version__
from quantdesk.cli.output import err
from quantdesk.core.errors import QuantDeskError

# Order is the order shown in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "version", "ls", "ps", "show", "pull", "rm", "cp", "load", "unload", "run",
    "hw", "variants", "fit", "compare", "history", "sim", "gui",
)


def _load_commands() -> list[ModuleType]:
    mods = []
    for name in COMMAND_MODULES:
        try:
            mods.append(importlib.import_module(f"quantdesk.cli.commands.{name}"))
        except ModuleNotFoundError as exc:
            # A command not built yet is absent from the CLI, never a crash of the others.
            if exc.name != f"quantdesk.cli.commands.{name}":
                raise
    return mods


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Options every command accepts; on subcommands they default to 'unset' so a value
    given before the command is not overwritten by the subparser's default."""
    p = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    p.add_argument("--host", default=default, help="Ollama daemon address (else OLLAMA_HOST)")
    p.add_argument("--registry", default=default, help="registry/library base URL for variants")
    p.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print JSON for programs instead of a table",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quantdesk",
        description="Choose, fit-check, pull, switch and compare quantized Ollama models.",
        parents=[_common(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"quantdesk {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open the app against the built-in simulated daemon"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _load_commands():
        sp = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP,
                            parents=[_common(suppress=True)])
        mod.add_arguments(sp)
        sp.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # No command: the desktop window.
        args = parser.parse_args(["gui", *(argv if argv is not None else sys.argv[1:])])
        if getattr(args, "_run", None) is None:  # pragma: no cover - gui module missing
            parser.error("the desktop app is not available in this build")
    try:
        return int(args._run(args) or 0)
    except QuantDeskError as exc:
        err(str(exc))
        return 1
    except KeyboardInterrupt:
        err("cancelled")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
