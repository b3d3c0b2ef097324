"""One ranking for the app, the CLI and the exports (core/compare/ranking.py), checked on
comparisons whose order is worked out by hand."""

from __future__ import annotations

import csv
import io
import json

from quantdesk.core.compare.export import from_json, to_csv, to_json, to_markdown
from quantdesk.core.compare.ranking import ranked, ranks
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult

REF = "m:8b-q8_0"


def comparison(*runs: RunResult) -> ComparisonResult:
    spec = ComparisonSpec(tuple(r.model for r in runs), prompt="hi")
    return ComparisonResult("cmp-20260101-000000", "2026-01-01T00:00:00+00:00", spec, REF, {},
                            list(runs))


def test_done_first_then_quality_then_speed_then_given_order():
    result = comparison(
        RunResult("m:8b-q2_K", 0, "done", agreement=0.40, eval_tps=90.0),
        RunResult("m:8b-q4_K_M", 1, "done", agreement=0.85, eval_tps=60.0),
        RunResult(REF, 2, "done", agreement=None, eval_tps=30.0),  # the reference: quality 1
        RunResult("m:8b-q5_K_M", 3, "done", agreement=0.85, eval_tps=70.0),  # tie, faster
        RunResult("m:8b-q3_K_M", 4, "failed", error="out of memory"),
        RunResult("m:8b-q6_K", 5, "cancelled"),
    )
    # By hand: the reference (1.0); the two 0.85s, the faster first; 0.40; then the
    # unfinished ones in the order given, without a rank.
    expected = [REF, "m:8b-q5_K_M", "m:8b-q4_K_M", "m:8b-q2_K", "m:8b-q3_K_M", "m:8b-q6_K"]
    assert [r.model for r in ranked(result.runs, REF)] == expected
    assert ranks(result) == {REF: 1, "m:8b-q5_K_M": 2, "m:8b-q4_K_M": 3, "m:8b-q2_K": 4,
                             "m:8b-q3_K_M": None, "m:8b-q6_K": None}


def test_accuracy_outranks_agreement_for_a_task_set():
    result = comparison(
        RunResult(REF, 0, "done", accuracy=0.75, agreement=1.0),
        RunResult("m:8b-q4_0", 1, "done", accuracy=0.875, agreement=0.5),
    )
    assert [r.model for r in ranked(result.runs, REF)] == ["m:8b-q4_0", REF]


def test_every_export_ranks_the_same_way_and_json_reads_back_unchanged():
    result = comparison(
        RunResult("m:8b-q2_K", 0, "done", agreement=0.40, eval_tps=90.0),
        RunResult(REF, 1, "done", eval_tps=30.0),
        RunResult("m:8b-q4_K_M", 2, "failed", error="boom"),
    )
    order = [REF, "m:8b-q2_K", "m:8b-q4_K_M"]
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert [(r["rank"], r["model"]) for r in rows] == [("1", REF), ("2", "m:8b-q2_K"),
                                                        ("", "m:8b-q4_K_M")]
    data = json.loads(to_json(result))
    assert [e["model"] for e in data["ranking"]] == order
    assert [e["rank"] for e in data["ranking"]] == [1, 2, None]
    assert from_json(to_json(result)).to_dict() == result.to_dict()  # runs keep their order
    table = [line for line in to_markdown(result).splitlines() if line.startswith("| ")][1:]
    assert [line.split(" | ")[0] for line in table] == ["| 1", "| 2", "| -"]
    assert "q8" in table[0] and "q2" in table[1] and "q4" in table[2]
