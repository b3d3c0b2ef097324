"""``quantdesk run MODEL PROMPT``: generate once, streaming text to stdout.

The text is inert on the way out (control characters shown escaped, ``core.inert``) unless
``--raw`` asks for the model's bytes as they are.

``--json`` prints the whole answer with timing taken from the daemon's own durations
(``ttft_s`` = load + prompt evaluation), so runs of different variants compare fairly. The
prompt rate is given for a cold run only (the model was not loaded before): a warm runner's
prompt count includes cached tokens that took no time.

A reply the runner cut off for repeating one token (Ollama ends it after 31 repeats, with no
final figures) is not a failure: the text is printed, stderr says so, and the exit is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from quantdesk.cli.commands.load import keep_alive_arg, positive_int
from quantdesk.cli.output import (
    add_raw_option,
    err,
    print_json,
    raw_refused,
    unfiltered_stdout,
)
from quantdesk.core.ollama import KeepAlive, Metrics, OllamaClient, OllamaError
from quantdesk.core.ollama.generation import REPETITION
from quantdesk.core.ollama.names import same_model

NAME = "run"
HELP = "generate a reply to PROMPT with MODEL (text streams to stdout)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="an installed model")
    parser.add_argument("prompt", metavar="PROMPT", help="the prompt text")
    parser.add_argument("--seed", type=int, help="sampling seed (same seed, same text)")
    parser.add_argument("--temperature", type=float, help="0 = always the likeliest token")
    parser.add_argument("--num-ctx", type=positive_int, metavar="N", help="context length")
    parser.add_argument("--num-predict", type=int, metavar="N", help="at most N tokens")
    parser.add_argument("--keep-alive", type=keep_alive_arg, metavar="D",
                        help="how long to stay loaded afterwards: 10m, -1, seconds")
    add_raw_option(parser)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in ("seed", "temperature", "num_ctx", "num_predict"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    return options


async def _generate(
    host: str | None, model: str, prompt: str, options: dict[str, Any],
    keep_alive: KeepAlive | None, stream: bool,
) -> tuple[str, str, Metrics, str, bool]:
    text: list[str] = []
    thinking: list[str] = []
    metrics = Metrics()
    reason = ""
    async with OllamaClient(host) as client:
        cold = await _is_cold(client, model)
        chunks = client.generate(model, prompt, options=options or None, keep_alive=keep_alive)
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                text.append(chunk.text)
                thinking.append(chunk.thinking)
                if stream and chunk.text:
                    sys.stdout.write(chunk.text)
                    sys.stdout.flush()
                if chunk.metrics is not None:
                    metrics, reason = chunk.metrics, chunk.done_reason
    return "".join(text), "".join(thinking), metrics, reason, cold


async def _is_cold(client: OllamaClient, model: str) -> bool:
    """Whether the model is not loaded yet; unknown (a daemon whose /api/ps fails) counts as
    warm, so no prompt rate is claimed for a run that may have hit the cache."""
    try:
        loaded = await client.ps()
    except OllamaError:
        return False
    return not any(_same(m.name or m.model, model) for m in loaded)


def _same(a: str, b: str) -> bool:
    try:
        return same_model(a, b)
    except OllamaError:
        return False


def run(args: argparse.Namespace) -> int:
    as_json = getattr(args, "json", False)
    if raw_refused(args, NAME):
        return 2
    with unfiltered_stdout(bool(args.raw) and not as_json):
        return _run(args, as_json)


def _run(args: argparse.Namespace, as_json: bool) -> int:
    text, thinking, metrics, reason, cold = asyncio.run(_generate(
        args.host, args.model, args.prompt, _options(args), args.keep_alive, not as_json))
    if as_json:
        result: dict[str, Any] = {"model": args.model, "response": text,
                                  "done_reason": reason, "metrics": metrics.as_dict(cold=cold)}
        if thinking:
            result["thinking"] = thinking
        print_json(result)
    elif text and not text.endswith("\n"):
        sys.stdout.write("\n")
    if reason == REPETITION:
        err(f"{args.model} stopped repeating itself after {metrics.eval_count} tokens: Ollama "
            "ends a reply once one token repeats 31 times (common with low-bit quantizations). "
            "The text above is what it generated; a higher-bit variant or a repeat penalty "
            "usually avoids it.")
    return 0
