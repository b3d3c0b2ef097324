"""``quantdesk load MODEL``: load a model into memory without generating, then report where it
sits (GPU share, context the runner really got) and what we had predicted for it.

The (predicted, observed) pair is recorded in the history file (``core.store.load_pairs``) so
``fit`` and ``variants`` learn this machine's correction. Recording is a side benefit: when
the prediction or the file fails, stderr says so and the load still succeeds.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from typing import Any

from quantdesk.cli.output import err, human_bytes, print_json
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import (
    InvalidModelName,
    KeepAlive,
    OllamaClient,
    RunningModel,
    ShowResponse,
    parse_keep_alive,
)
from quantdesk.core.ollama.names import same_model
from quantdesk.core.store import HistoryStore
from quantdesk.core.store.load_pairs import LoadObservation, record_observed_load

NAME = "load"
HELP = "load a model into memory (optionally pinned with --keep-alive, sized with --num-ctx)"


def keep_alive_arg(text: str) -> KeepAlive:
    try:
        return parse_keep_alive(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be above 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="an installed model")
    parser.add_argument(
        "--keep-alive", type=keep_alive_arg, metavar="D",
        help="how long to stay loaded: 10m, 1h, -1 (forever) or seconds",
    )
    parser.add_argument("--num-ctx", type=positive_int, metavar="N", help="context length")


async def _load(
    host: str | None, model: str, keep_alive: KeepAlive | None, num_ctx: int | None
) -> tuple[float, RunningModel | None, LoadObservation | None]:
    options = {"num_ctx": num_ctx} if num_ctx else None
    async with OllamaClient(host) as client:
        started = time.monotonic()
        final = await client.load(model, keep_alive=keep_alive, options=options)
        waited = time.monotonic() - started
        running = [m for m in await client.ps() if _matches(m, model)]
        observation = await _observe(client, running[0], model) if running else None
    # The daemon's load reply usually carries no durations; then the wait is the load time.
    load_s = final.metrics.load_s if final.metrics and final.metrics.load_s else waited
    return load_s, (running[0] if running else None), observation


async def _observe(client: OllamaClient, running: RunningModel,
                   model: str) -> LoadObservation | None:
    """Our prediction for the load the daemon just reported, recorded next to its figure."""
    try:
        version = await client.version()
        show = await client.show(running.name or model)
        machine = await probe_machine_async()
        return await asyncio.to_thread(_record, running, show, machine, version)
    except (QuantDeskError, OSError) as exc:
        err(f"The load worked, but its size was not kept for calibration: {exc}")
        return None


def _record(running: RunningModel, show: ShowResponse, machine: Machine,
            version: str) -> LoadObservation:
    with HistoryStore() as store:
        return record_observed_load(store.loads, running, show, machine, version)


def _matches(m: RunningModel, model: str) -> bool:
    try:
        return same_model(m.name or m.model, model)
    except InvalidModelName:
        return False


def _is_zero(keep_alive: KeepAlive | None) -> bool:
    if keep_alive is None or isinstance(keep_alive, bool):
        return False
    if isinstance(keep_alive, int | float):
        return keep_alive == 0
    return re.fullmatch(r"[+-]?0+(\.0*)?(ns|us|µs|ms|s|m|h)?", keep_alive.strip()) is not None


async def _unload_reply(host: str | None, model: str, num_ctx: int | None) -> str:
    options = {"num_ctx": num_ctx} if num_ctx else None
    async with OllamaClient(host) as client:
        final = await client.load(model, keep_alive=0, options=options)
    return final.done_reason


def run(args: argparse.Namespace) -> int:
    if _is_zero(args.keep_alive):
        # An empty prompt with keep_alive 0 is Ollama's unload request (routes.go
        # GenerateHandler: done_reason "unload"), not a load.
        reason = asyncio.run(_unload_reply(args.host, args.model, args.num_ctx))
        if getattr(args, "json", False):
            print_json({"model": args.model, "unloaded": reason == "unload",
                        "done_reason": reason})
        else:
            sys.stdout.write(f"unloaded {args.model}: keep-alive 0 asks Ollama to drop it "
                             "from memory now (use --keep-alive 10m or -1 to keep it)\n")
        return 0
    load_s, running, seen = asyncio.run(
        _load(args.host, args.model, args.keep_alive, args.num_ctx))
    result: dict[str, Any] = {
        "model": args.model,
        "load_s": load_s,
        "size": running.size if running else None,
        "size_vram": running.size_vram if running else None,
        "context_length": running.context_length if running else None,
        "predicted_bytes": seen.predicted_bytes if seen else None,
        "observed_bytes": running.size if running else None,
    }
    if getattr(args, "json", False):
        print_json(result)
        return 0
    sys.stdout.write(f"loaded {args.model} in {load_s:.1f} s")
    if running is not None:
        sys.stdout.write(f": {human_bytes(running.size)}, {running.processor}, "
                         f"context {running.context_length}")
    sys.stdout.write("\n")
    if running is not None:
        sys.stdout.write(_pair_line(running, seen) + "\n")
    return 0


def _pair_line(running: RunningModel, seen: LoadObservation | None) -> str:
    line = f"Ollama: {human_bytes(running.size)}"
    if seen is None or seen.predicted_bytes is None or seen.error is None:
        return line + ", no prediction for this model"
    return (f"{line}, predicted {human_bytes(seen.predicted_bytes)} "
            f"({seen.error:+.0%})")
