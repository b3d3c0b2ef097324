"""``quantdesk history``: the stored comparisons — list, show, export, remove, re-run."""

from __future__ import annotations

import argparse
import asyncio
import sys

from quantdesk.cli.commands.compare import (
    Progress,
    open_history,
    print_result,
    result_json,
)
from quantdesk.cli.main import _common
from quantdesk.cli.output import err, print_json, print_table
from quantdesk.core.compare import export_to_file, rerun
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.store import HistoryStore

NAME = "history"
HELP = "list, show, export, re-run or remove stored comparisons"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    for name, help_text in (("show", "print one comparison"),
                            ("rm", "delete one comparison"),
                            ("rerun", "run a comparison again and say what changed"),
                            ("export", "write a comparison to FILE (.json, .csv or .md)")):
        # The global options again, 'unset' by default, so they may also follow ID (FILE)
        # without overwriting a value given before the action.
        p = sub.add_parser(name, help=help_text, description=help_text,
                           parents=[_common(suppress=True)])
        p.add_argument("id", metavar="ID")
        if name == "export":
            p.add_argument("file", metavar="FILE")


def _list(store: HistoryStore, as_json: bool) -> None:
    items = store.comparisons.summaries()
    if as_json:
        print_json([s.to_dict() for s in items])
        return
    print_table(("ID", "CREATED", "COMPLETE", "MODELS"),
                [(s.id, s.created_at[:19].replace("T", " "), "yes" if s.complete else "no",
                  ", ".join(s.models)) for s in items])


async def _rerun(args: argparse.Namespace, store: HistoryStore) -> int:
    machine = await probe_machine_async()
    async with OllamaClient(getattr(args, "host", None)) as client:
        new, diff = await rerun(client, store, args.id, machine=machine, on_event=Progress())
    if getattr(args, "json", False):
        print_json({**result_json(new), "changes": diff.lines()})
    else:
        print_result(new)
        sys.stdout.write("\n" + "\n".join(diff.lines()) + "\n")
    if new.unsaved:
        err(f"This re-run is not in the history ({new.unsaved}); the results above are all "
            "there is.")
        return 1
    return 0 if new.complete else 1


def run(args: argparse.Namespace) -> int:
    as_json = getattr(args, "json", False)
    with open_history() as store:
        action = getattr(args, "action", None)
        if action is None:
            _list(store, as_json)
        elif action == "show":
            result = store.comparisons.get(args.id)
            if as_json:
                print_json(result.to_dict())
            else:
                print_result(result)
        elif action == "export":
            path = export_to_file(store.comparisons.get(args.id), args.file)
            if as_json:
                print_json({"exported": args.id, "file": str(path)})
            else:
                sys.stderr.write(f"exported {args.id} to {path}\n")
        elif action == "rm":
            store.comparisons.delete(args.id)
            if as_json:
                print_json({"removed": args.id})
            else:
                sys.stderr.write(f"removed {args.id}\n")
        elif action == "rerun":
            return asyncio.run(_rerun(args, store))
    return 0
