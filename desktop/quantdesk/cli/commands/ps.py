"""``quantdesk ps``: the models loaded in memory right now, and where they sit."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from quantdesk.cli.output import human_bytes, print_json, print_table
from quantdesk.core.ollama import OllamaClient, RunningModel

NAME = "ps"
HELP = "list the models loaded in memory (GPU/CPU split, context, unload time)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


async def _ps(host: str | None) -> list[RunningModel]:
    async with OllamaClient(host) as client:
        return await client.ps()


def _until(m: RunningModel, now: datetime) -> str:
    left = m.expires_in(now)
    if left is None:
        return "-"
    if m.is_forever(now):
        return "Forever"
    seconds = left.total_seconds()
    if seconds < 0:
        return "Stopping..."
    if seconds < 60:
        return f"{int(seconds)} seconds from now"
    if seconds < 3600:
        return f"{int(seconds // 60)} minutes from now"
    return f"{seconds / 3600:.1f} hours from now"


def as_json(m: RunningModel) -> dict[str, Any]:
    return {
        "name": m.name,
        "size": m.size,
        "size_vram": m.size_vram,
        "context_length": m.context_length,
        "expires_at": m.expires_at.isoformat() if m.expires_at else None,
    }


def run(args: argparse.Namespace) -> int:
    models = asyncio.run(_ps(args.host))
    if getattr(args, "json", False):
        print_json([as_json(m) for m in models])
        return 0
    now = datetime.now().astimezone()
    rows = [
        (m.name, m.digest[:12], human_bytes(m.size), m.processor, m.context_length or "-",
         _until(m, now))
        for m in models
    ]
    print_table(("NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"), rows)
    return 0
