"""How a comparison's variants rank, best first: one rule for the app's summary table, the
CLI table, ``compare --json`` and every export.

Runs that finished come first; among them higher quality (accuracy for a task set, else
agreement with the reference; the reference itself counts as 1) ranks higher, and faster
generation breaks ties. Unfinished or failed runs follow in the order given, unranked.
"""

from __future__ import annotations

from collections.abc import Iterable

from quantdesk.core.compare.results import ComparisonResult, RunResult


def quality(run: RunResult) -> float | None:
    """Accuracy for a task set, agreement with the reference for a prompt."""
    return run.accuracy if run.accuracy is not None else run.agreement


def rank_key(run: RunResult, reference: str) -> tuple[int, float, float, int]:
    done = run.state == "done"
    q = 1.0 if run.model == reference and run.accuracy is None else quality(run)
    return (0 if done else 1, -(q if q is not None else -1.0), -(run.eval_tps or 0.0),
            run.position)


def ranked(runs: Iterable[RunResult], reference: str) -> list[RunResult]:
    return sorted(runs, key=lambda r: rank_key(r, reference))


def ranks(result: ComparisonResult) -> dict[str, int | None]:
    """Each run's place (1 = best) by model; None for a run that did not finish."""
    out: dict[str, int | None] = {}
    place = 0
    for run in ranked(result.runs, result.reference):
        if run.state == "done":
            place += 1
            out[run.model] = place
        else:
            out[run.model] = None
    return out
