"""``quantdesk cp SRC DST``: give an installed model a second name (no extra disk)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from quantdesk.cli.output import print_json
from quantdesk.core.ollama import OllamaClient

NAME = "cp"
HELP = "copy an installed model to a new name (shares the same files)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="an installed model")
    parser.add_argument("destination", metavar="DST", help="the new name (overwritten if taken)")


async def _copy(host: str | None, source: str, destination: str) -> None:
    async with OllamaClient(host) as client:
        await client.copy(source, destination)


def run(args: argparse.Namespace) -> int:
    asyncio.run(_copy(args.host, args.source, args.destination))
    if getattr(args, "json", False):
        print_json({"source": args.source, "destination": args.destination})
    else:
        sys.stderr.write(f"copied '{args.source}' to '{args.destination}'\n")
    return 0
