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
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from quantdesk import __version__
from quantdesk.cli.output import err
from quantdesk.cli.settings import apply_settings, set_option_defaults
from quantdesk.core.config import Settings
from quantdesk.core.config_file import read_settings
from quantdesk.core.deadlines import deadlines_for, in_effect
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.inert import inert_stdio

# Order is the order shown in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "version", "ls", "ps", "show", "pull", "rm", "cp", "load", "unload", "run",
    "hw", "variants", "fit", "host", "compare", "history", "sim", "gui",
)


def _load_command(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"quantdesk.cli.commands.{name}")
    except ModuleNotFoundError as exc:
        # A command not built yet is absent from the CLI, never a crash of the others.
        if exc.name != f"quantdesk.cli.commands.{name}":
            raise
        return None


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The command named on the line, found without importing any command module: start-up
    then pays only for the one command that runs (the store, the fit, Qt stay unloaded)."""
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
        elif arg in ("--host", "--registry"):
            skip_next = True
        elif arg in ("-h", "--help"):
            return None
        elif not arg.startswith("-"):
            return arg if arg in COMMAND_MODULES else None
    return None


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


def build_parser(only: str | None = None,
                 settings: Settings | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only``, the other commands are registered by name alone.
    ``settings`` give the defaults of the options they cover."""
    parser = argparse.ArgumentParser(
        prog="quantdesk",
        description="Choose, fit-check, pull, switch and compare quantized Ollama models.",
        parents=[_common(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"quantdesk {__version__}")
    parser.add_argument(
        "--demo", action="store_true", dest="demo_app",
        help="open the app against the built-in simulated daemon",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if only is not None and name != only:
            sub.add_parser(name, add_help=False)
            continue
        mod = _load_command(name)
        if mod is None:
            continue
        sp = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP,
                            parents=[_common(suppress=True)])
        mod.add_arguments(sp)
        sp.set_defaults(_run=mod.run)
        if settings is not None:
            set_option_defaults(sp, settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen_command(argv)
    stored = read_settings()
    parser = build_parser(only=chosen, settings=stored.settings)
    args = parser.parse_args(argv)
    if args.demo_app and args.command not in (None, "gui"):
        # The other commands talk to a daemon: a demo one is `quantdesk sim` plus --host.
        parser.error("--demo opens the desktop app; for the other commands start the "
                     "simulated daemon with `quantdesk sim` and point --host at it")
    if args.demo_app and args.command == "gui":
        args.demo = True  # `quantdesk --demo gui`: the subcommand's own default must not win
    if args.command is None:
        # No command: the desktop window.
        args = build_parser(only="gui").parse_args(["gui", *argv])
        if getattr(args, "_run", None) is None:  # pragma: no cover - gui module missing
            parser.error("the desktop app is not available in this build")
    # Everything printed from here on may quote a daemon, a registry or a model: inert_stdio
    # escapes every control character on the way to the terminal.
    with inert_stdio(), in_effect(deadlines_for(stored.settings.request_timeout)):
        for problem in [*stored.problems, *apply_settings(args, stored.settings)]:
            err(problem)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args._run(args) or 0)
    except QuantDeskError as exc:
        err(str(exc))
        return 1
    except KeyboardInterrupt:
        err("cancelled")
        return 130
    except BrokenPipeError:
        # The reader went away (`quantdesk ls --json | head`): not an error of ours. Point
        # stdout at devnull so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
