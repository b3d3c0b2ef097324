"""Agreement formulas (divergence, prefix share, approximate KL) and the exports."""

from __future__ import annotations

import csv
import io
import math

import pytest

from quantdesk.core.compare import (
    ComparisonResult,
    ComparisonSpec,
    ExportError,
    RunResult,
    Transcript,
    export_to_file,
    from_json,
    import_json,
    score,
    to_csv,
    to_json,
    to_markdown,
)
from quantdesk.core.compare.agreement import first_divergence, position_kl
from quantdesk.core.compare.results import TaskOutcome, now_iso
from quantdesk.core.ollama import Logprob


def lp(token: str, top: dict[str, float]) -> Logprob:
    return Logprob(token, math.log(top[token]),
                   top_logprobs=tuple(Logprob(t, math.log(p)) for t, p in top.items()))


def test_first_divergence():
    assert first_divergence(["a", "b"], ["a", "b"]) is None
    assert first_divergence(["a", "b"], ["a", "c"]) == 1
    assert first_divergence(["a", "b"], ["a"]) == 1
    assert first_divergence([], ["x"]) == 0


def test_kl_by_hand():
    ref = lp("a", {"a": 0.7, "b": 0.2, "c": 0.1})
    run = lp("a", {"a": 0.5, "b": 0.4, "d": 0.1})
    # c is not in the variant's list: it gets the smallest listed probability (0.1).
    expected = (0.7 * math.log(0.7 / 0.5) + 0.2 * math.log(0.2 / 0.4)
                + 0.1 * math.log(0.1 / 0.1))
    assert position_kl(ref, run) == pytest.approx(expected)
    assert position_kl(ref, ref) == 0.0
    assert position_kl(Logprob("a", 0.0), run) is None


def test_score_with_logprobs():
    sharp = {"x": 0.9, "y": 0.05, "z": 0.05}
    flat = {"x": 0.5, "y": 0.3, "z": 0.2}
    ref = Transcript("x x x x", tuple(lp("x", sharp) for _ in range(4)))
    split = {"y": 0.5, "x": 0.3, "z": 0.2}
    run = Transcript("x x y q", (lp("x", flat), lp("x", flat), lp("y", split),
                                 Logprob("q", -1.0)))
    a = score([ref], [run])
    assert a.basis == "logprobs"
    assert a.first_divergence == 2
    assert a.agreement == pytest.approx(2 / 4)
    per_pos = [position_kl(ref.steps[i], run.steps[i]) for i in range(3)]  # 0..d inclusive
    assert a.approx_kl == pytest.approx(sum(per_pos) / 3)
    assert per_pos[2] > per_pos[0] > 0  # the split position costs the most
    same = score([ref], [ref])
    assert (same.first_divergence, same.agreement, same.approx_kl, same.similarity) == (
        None, 1.0, 0.0, 1.0)


def test_score_without_logprobs_uses_words_and_pools_tasks():
    ref = [Transcript("one two three four"), Transcript("alpha beta")]
    run = [Transcript("one two six four"), Transcript("alpha beta")]
    a = score(ref, run)
    assert a.basis == "text" and a.approx_kl is None
    assert a.first_divergence == 2
    assert a.agreement == pytest.approx((2 + 2) / (4 + 2))
    assert a.similarity == pytest.approx((0.75 + 1.0) / 2)
    with pytest.raises(ValueError):
        score(ref, run[:1])


EVIL = ('<script>alert(1)</script> <img src="http://evil.example/x.png"> '
        "[click](javascript:alert(1)) ![pic](http://evil.example/p.png) ``` # Heading | a | b |"
        "\n=HYPERLINK(\"http://evil.example\")\n<a href='http://evil.example'>x</a> **bold**")


def result_with(response: str) -> ComparisonResult:
    spec = ComparisonSpec(("m:q4_0", "m:fp16"), prompt="say <b>hi</b>")
    runs = [RunResult("m:q4_0", 0, state="done", response=response, load_s=0.5, eval_tps=12.5,
                      agreement=0.5, first_divergence=3,
                      tasks=[TaskOutcome("t", response, False)]),
            RunResult("m:fp16", 1, state="failed", error="=cmd|' /C calc'!A0", response="-2+3")]
    return ComparisonResult("cmp-20260101-abcdef", now_iso(), spec, "m:fp16",
                            {"daemon_version": "0.32.15", "digests": {"m:q4_0": "aa"}}, runs)


def test_json_round_trip(tmp_path):
    r = result_with(EVIL)
    assert from_json(to_json(r)) == r
    path = export_to_file(r, tmp_path / "c.json")
    assert import_json(path) == r
    with pytest.raises(ExportError):
        from_json('{"format": "something else"}')
    with pytest.raises(ExportError, match=r"\.json, \.csv or \.md"):
        export_to_file(r, tmp_path / "c.txt")


def test_csv_round_trips_values_and_defuses_formulas():
    r = result_with(EVIL)
    rows = list(csv.DictReader(io.StringIO(to_csv(r))))
    assert [row["model"] for row in rows] == ["m:q4_0", "m:fp16"]
    assert rows[0]["response"] == EVIL  # text kept exactly, newlines included
    assert float(rows[0]["eval_tps"]) == 12.5 and rows[0]["reference"] == "False"
    assert rows[1]["error"].startswith("'=") and rows[1]["response"] == "'-2+3"


def test_markdown_keeps_model_output_inert():
    md = to_markdown(result_with(EVIL))
    # Outside fenced blocks no raw HTML or link syntax from the model survives.
    outside = md.split("\n")
    in_fence, fence, loose = False, "", []
    for line in outside:
        if not in_fence and line.startswith("```"):
            in_fence, fence = True, line.removesuffix("text")
        elif in_fence and line == fence:
            in_fence = False
        elif not in_fence:
            loose.append(line)
    assert "<" not in "\n".join(loose) and "](" not in "\n".join(loose)
    assert EVIL in md  # the response itself is shown verbatim, inside a longer fence
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(md)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or ()}
    assert not kinds & {"html_block", "html_inline", "link_open", "image", "strong_open"}
    headings = ["".join(c.content for c in tokens[i + 1].children if c.type == "text")
                for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Comparison cmp-20260101-abcdef", "Prompt", "Results", "m:q4_0",
                        "m:fp16"]
    assert "&lt;script&gt;" in parser.render(md)  # shown as text
