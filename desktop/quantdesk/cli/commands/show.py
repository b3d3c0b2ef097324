"""``quantdesk show MODEL``: what an installed model is — architecture, size, quantization."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from dataclasses import asdict
from typing import Any

from quantdesk.cli.output import print_json
from quantdesk.core.ollama import OllamaClient, ShowResponse

NAME = "show"
HELP = "show an installed model's architecture, quantization, capabilities and parameters"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="an installed model, e.g. llama3.2:1b")
    parser.add_argument(
        "--verbose", action="store_true",
        help="ask for full metadata (per-layer arrays, tokenizer; can be many MB)",
    )


async def _show(host: str | None, model: str, verbose: bool) -> ShowResponse:
    async with OllamaClient(host) as client:
        return await client.show(model, verbose=verbose)


def as_json(name: str, s: ShowResponse) -> dict[str, Any]:
    quant = s.quant
    return {
        "name": name,
        "architecture": s.architecture,
        "parameter_count": s.parameter_count,
        "context_length": s.context_length,
        "quantization": quant.name if quant else s.details.quantization_level,
        "details": asdict(s.details),
        "capabilities": list(s.capabilities),
        "model_info": s.model_info,
        "projector_info": s.projector_info,
        "tensors": [{"name": t.name, "type": t.type, "shape": list(t.shape)} for t in s.tensors],
        "template": s.template,
        "parameters": s.parameters,
        "system": s.system,
        "license": s.license,
        "modelfile": s.modelfile,
        "modified_at": s.modified_at.isoformat() if s.modified_at else None,
    }


def _section(title: str, rows: list[tuple[str, Any]]) -> None:
    rows = [(k, v) for k, v in rows if v not in (None, "", 0)]
    if not rows:
        return
    sys.stdout.write(f"  {title}\n")
    width = max(len(k) for k, _ in rows)
    gap = "    " if width else ""
    for key, value in rows:
        sys.stdout.write(f"    {key.ljust(width)}{gap}{value}".rstrip() + "\n")
    sys.stdout.write("\n")


def _print_people(s: ShowResponse, verbose: bool) -> None:
    quant = s.quant
    _section("Model", [
        ("architecture", s.architecture or s.details.family),
        ("parameters", s.details.parameter_size
         or (f"{s.parameter_count / 1e9:.2f}B" if s.parameter_count else "")),
        ("quantization", quant.name if quant else s.details.quantization_level),
        ("context length", s.context_length),
        ("embedding length", s.arch_value("embedding_length")),
        ("layers", s.arch_value("block_count")),
    ])
    _section("Capabilities", [("", ", ".join(s.capabilities))])
    _section("Parameters", s.parameter_lines)
    if s.projector_info:
        _section("Projector", [(k, v) for k, v in sorted(s.projector_info.items())
                               if not isinstance(v, list | dict)])
    if s.tensors:
        types = Counter(t.type for t in s.tensors)
        _section("Tensors", [(t, f"{n} tensors") for t, n in types.most_common()])
    if first := next((line.strip() for line in s.license.splitlines() if line.strip()), ""):
        _section("License", [("", first[:80])])
    if verbose:
        _section("Metadata", [(k, v) for k, v in sorted(s.model_info.items())
                              if not isinstance(v, list) or len(v) <= 8])


def run(args: argparse.Namespace) -> int:
    shown = asyncio.run(_show(args.host, args.model, args.verbose))
    if getattr(args, "json", False):
        print_json(as_json(args.model, shown))
    else:
        _print_people(shown, args.verbose)
    return 0
