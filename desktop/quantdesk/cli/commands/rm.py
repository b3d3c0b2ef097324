"""``quantdesk rm MODEL...``: delete installed models (blobs shared with others are kept)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from quantdesk.cli.output import print_json
from quantdesk.core.ollama import OllamaClient

NAME = "rm"
HELP = "delete installed models"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", metavar="MODEL", nargs="+", help="installed model name(s)")


async def _delete(host: str | None, models: list[str]) -> list[str]:
    deleted = []
    async with OllamaClient(host) as client:
        for model in models:
            # One at a time, so a failure names the model and leaves the rest untouched.
            await client.delete(model)
            deleted.append(model)
            sys.stderr.write(f"deleted '{model}'\n")
    return deleted


def run(args: argparse.Namespace) -> int:
    deleted = asyncio.run(_delete(args.host, args.models))
    if getattr(args, "json", False):
        print_json({"deleted": deleted})
    return 0
