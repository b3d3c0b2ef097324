"""``quantdesk version``: this program's version and the daemon's."""

from __future__ import annotations

import argparse
import asyncio
import sys

from quantdesk import __version__
from quantdesk.cli.output import err, print_json
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama import OllamaClient

NAME = "version"
HELP = "show the QuantDesk version and the Ollama daemon's version"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


async def _daemon_version(host: str | None) -> str:
    async with OllamaClient(host) as client:
        return await client.version()


def run(args: argparse.Namespace) -> int:
    try:
        daemon: str | None = asyncio.run(_daemon_version(args.host))
        failure: QuantDeskError | None = None
    except QuantDeskError as exc:
        daemon, failure = None, exc
    if getattr(args, "json", False):
        print_json({"client": __version__, "daemon": daemon})
    else:
        sys.stdout.write(f"quantdesk {__version__}\n")
        if daemon is not None:
            sys.stdout.write(f"ollama {daemon}\n")
    if failure is not None:
        # The client version is still worth printing; the missing daemon is the error.
        err(str(failure))
        return 1
    return 0
