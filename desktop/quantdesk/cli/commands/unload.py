"""``quantdesk unload MODEL | --all``: free the memory a loaded model holds."""

from __future__ import annotations

import argparse
import asyncio
import sys

from quantdesk.cli.output import print_json
from quantdesk.core.ollama import OllamaClient

NAME = "unload"
HELP = "unload a model from memory now (or every loaded model with --all)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", nargs="?", help="a loaded model")
    parser.add_argument("--all", action="store_true", help="unload every loaded model")
    parser.set_defaults(_unload_parser=parser)


async def _unload(host: str | None, model: str | None) -> list[str]:
    async with OllamaClient(host) as client:
        names = [m.name for m in await client.ps()] if model is None else [model]
        for name in names:
            await client.unload(name)
    return names


def run(args: argparse.Namespace) -> int:
    if (args.model is None) == (not args.all):
        args._unload_parser.error("give either a MODEL or --all, not both")
    names = asyncio.run(_unload(args.host, None if args.all else args.model))
    if getattr(args, "json", False):
        print_json({"unloaded": names})
    elif not names:
        sys.stderr.write("no model was loaded\n")
    else:
        for name in names:
            sys.stderr.write(f"unloaded '{name}'\n")
    return 0
