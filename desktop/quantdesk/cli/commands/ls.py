"""``quantdesk ls``: the models installed in the daemon."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from quantdesk.cli.output import human_bytes, print_json, print_table
from quantdesk.core.ollama import LocalModel, OllamaClient

NAME = "ls"
HELP = "list the models installed in the Ollama daemon"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


async def _tags(host: str | None) -> list[LocalModel]:
    async with OllamaClient(host) as client:
        return await client.tags()


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "-"
    seconds = (now - when).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def as_json(m: LocalModel) -> dict[str, Any]:
    return {
        "name": m.name,
        "size": m.size,
        "digest": m.digest,
        "modified_at": m.modified_at.isoformat() if m.modified_at else None,
        "family": m.details.family,
        "parameter_size": m.details.parameter_size,
        "quantization_level": m.details.quantization_level,
    }


def run(args: argparse.Namespace) -> int:
    models = asyncio.run(_tags(args.host))
    if getattr(args, "json", False):
        print_json([as_json(m) for m in models])
        return 0
    now = datetime.now().astimezone()
    rows = [
        (m.name, m.short_id, human_bytes(m.size), m.details.parameter_size or "-",
         m.details.quantization_level or "-", _ago(m.modified_at, now))
        for m in models
    ]
    print_table(("NAME", "ID", "SIZE", "PARAMS", "QUANT", "MODIFIED"), rows)
    return 0
