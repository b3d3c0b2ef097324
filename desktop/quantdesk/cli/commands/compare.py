"""``quantdesk compare``: run variants side by side on one prompt or a task set.

Progress goes to stderr (one line per state change, a dot per few tokens); the result goes to
stdout as a table, or as JSON with ``--json``. Every comparison is kept in the history.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from quantdesk.cli.output import (
    add_raw_option,
    err,
    human_bytes,
    print_json,
    print_table,
    raw_refused,
    unfiltered_stdout,
)
from quantdesk.core.compare import (
    CompareEvent,
    CompareOptions,
    ComparisonResult,
    ComparisonSpec,
    ExportError,
    RunResult,
    export_to_file,
    run_comparison,
)
from quantdesk.core.compare.ranking import ranked, ranks
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.store import HistoryStore
from quantdesk.core.tasks import parse_task_spec

NAME = "compare"
HELP = "run 2-6 variants side by side: speed, memory, agreement with the reference, accuracy"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("variants", nargs="+", metavar="VARIANT",
                        help="installed model names, e.g. llama3.2:1b-instruct-q4_K_M")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--prompt", help="the prompt every variant answers")
    what.add_argument("--tasks", metavar="NAME:COUNT",
                      help="a generated task set: arith, letters, sort, format, units, mixed")
    defaults = CompareOptions()
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--num-ctx", type=int, default=defaults.num_ctx)
    parser.add_argument("--num-predict", type=int, default=defaults.num_predict)
    parser.add_argument("--reference", help="the variant to compare against "
                        "(default: the highest precision)")
    parser.add_argument("--together", action="store_true",
                        help="load all variants at once (only when they all fit on the GPU)")
    parser.add_argument("--pull", action="store_true", help="pull variants not installed")
    parser.add_argument("--export", metavar="FILE", help="also write .json, .csv or .md")
    add_raw_option(parser)


def run_json(run: RunResult, rank: int | None = None) -> dict[str, Any]:
    return {"rank": rank} | {k: getattr(run, k) for k in (
        "model", "load_s", "ttft_s", "prompt_tps", "eval_tps", "size", "size_vram",
        "predicted_bytes", "first_divergence", "agreement", "approx_kl", "accuracy",
        "response")} | {"state": run.state, "error": run.error}


def result_json(result: ComparisonResult) -> dict[str, Any]:
    """Runs best first, each with its ``rank`` (null when it did not finish)."""
    places = ranks(result)
    return {"id": result.id, "fingerprint": result.fingerprint, "reference": result.reference,
            "complete": result.complete,
            "runs": [run_json(r, places[r.model])
                     for r in ranked(result.runs, result.reference)]}


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_result(result: ComparisonResult) -> None:
    rows = []
    places = ranks(result)
    for r in ranked(result.runs, result.reference):
        acc = "-" if r.accuracy is None else f"{r.accuracy:.0%}"
        place = places[r.model]
        rows.append(("-" if place is None else place,
                     r.model + (" *" if r.model == result.reference else ""), r.state,
                     _f(r.load_s), _f(r.ttft_s, 3), _f(r.eval_tps, 1), human_bytes(r.size),
                     human_bytes(r.predicted_bytes),
                     "-" if r.first_divergence is None else r.first_divergence,
                     _f(r.agreement, 3), _f(r.approx_kl, 3), acc))
    print_table(("#", "MODEL", "STATE", "LOAD S", "TTFT S", "TOK/S", "SIZE", "PREDICTED",
                 "DIVERGES", "AGREEMENT", "KL", "ACCURACY"), rows)
    sys.stdout.write(f"\n{result.id}  (* reference; "
                     f"{'complete' if result.complete else 'incomplete'})\n")
    for r in result.runs:
        if r.error:
            sys.stdout.write(f"{r.model}: {r.error}\n")


class Progress:
    """Human progress on stderr."""

    def __init__(self) -> None:
        self._tokens = 0

    def __call__(self, e: CompareEvent) -> None:
        out = sys.stderr
        if e.kind == "token":
            self._tokens += 1
            if self._tokens % 20 == 0:
                out.write(".")
                out.flush()
            return
        if e.kind == "pulling" and e.progress is not None:
            if e.progress.done or e.progress.status.startswith("pulling manifest"):
                out.write(f"{e.model}: {e.progress.status}\n")
            return
        if e.kind in ("loading", "running", "done", "failed", "cancelled", "pulling"):
            self._tokens = 0
            extra = f" ({e.error})" if e.error else ""
            out.write(f"\n{e.model}: {e.kind}{extra}\n" if e.kind != "loading"
                      else f"{e.model}: loading\n")


def open_history() -> HistoryStore:
    """The history file, with a line on stderr when opening it had to repair something."""
    store = HistoryStore()
    if note := store.recovery_note():
        err(note)
    if store.abandoned:
        err(f"{len(store.abandoned)} comparison(s) left unfinished by a QuantDesk that was "
            f"closed or killed are marked abandoned: {', '.join(store.abandoned)}")
    return store


async def _compare(args: argparse.Namespace, spec: ComparisonSpec) -> ComparisonResult:
    machine = await probe_machine_async()
    store = await asyncio.to_thread(open_history)
    try:
        async with OllamaClient(getattr(args, "host", None)) as client:
            return await run_comparison(client, spec, store=store, machine=machine,
                                        on_event=Progress(), pull_missing=args.pull)
    finally:
        store.close()


def build_spec(args: argparse.Namespace) -> ComparisonSpec:
    task_set, count = parse_task_spec(args.tasks) if args.tasks else (None, 0)
    for flag, value in (("--num-ctx", args.num_ctx), ("--num-predict", args.num_predict)):
        if value < 1:
            raise argparse.ArgumentTypeError(f"{flag} must be a positive number")
    options = CompareOptions(seed=args.seed, num_ctx=args.num_ctx, num_predict=args.num_predict)
    return ComparisonSpec(tuple(args.variants), prompt=args.prompt, task_set=task_set,
                          task_count=count, options=options, reference=args.reference,
                          together=args.together)


def run(args: argparse.Namespace) -> int:
    try:
        spec = build_spec(args)
    except argparse.ArgumentTypeError as exc:
        sys.stderr.write(f"quantdesk compare: error: {exc}\n")
        return 2
    if raw_refused(args, NAME):
        return 2
    result = asyncio.run(_compare(args, spec))
    code = 0 if result.complete else 1
    # The result is printed whatever else fails: it is the work of the whole comparison.
    if args.export and not export_or_warn(result, args.export):
        code = 1
    with unfiltered_stdout(bool(args.raw) and not getattr(args, "json", False)):
        if getattr(args, "json", False):
            print_json(result_json(result))
        else:
            print_result(result)
    if result.unsaved:
        err(f"This comparison is not in the history ({result.unsaved}); the results above "
            "are all there is, so keep them (--export FILE writes them to a file).")
        code = 1
    return code


def export_or_warn(result: ComparisonResult, file: str) -> bool:
    """Export, or say on stderr why not; never raises, so the result still gets printed."""
    try:
        path = export_to_file(result, file)
    except ExportError as exc:
        err(str(exc))
        return False
    sys.stderr.write(f"exported to {path}\n")
    return True
