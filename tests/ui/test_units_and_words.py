"""One unit system and words for people, checked against hand-worked figures: every size in
the app is decimal as `ollama ps` prints it (Go's format.HumanBytes), a card is named by its
nominal size, the Running table and its panel give one prediction figure, Details counts the
layers the fit counts, and no field name or CLI command reaches a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quantdesk.core.compare.diff import ComparisonDiff, RunDiff
from quantdesk.core.compare.export import md_escape, to_markdown
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.config import ConfigError, Settings
from quantdesk.core.ollama.errors import ContextOverflow, ModelNotFound, TagNotFound
from quantdesk.ui.formatting import (
    card_size,
    gap_text,
    human_bytes,
    local_time,
    prediction_gap,
)
from quantdesk.ui.widgets.compare_diff import diff_text
from quantdesk.ui.widgets.library_details import overview_rows
from quantdesk.ui.widgets.running_detail import difference_text
from quantdesk.ui.wording import for_people

GiB = 1 << 30


@pytest.mark.parametrize(("n", "text"), [
    (5_600_000_000, "5.6 GB"),  # one decimal below 10
    (16_100_000_000, "16 GB"),  # whole from 10 up, truncated as Go's int() does
    (12 * GiB, "12 GB"),  # 12.88 GB: what `ollama ps` prints for a 12 GiB size
    (457_000_000, "457 MB"),
    (0, "0 B"),
])
def test_sizes_read_as_ollama_ps(n, text):
    assert human_bytes(n) == text


def test_a_12_gb_card_reads_12_gb_not_12_9():
    assert card_size(12 * GiB) == "12 GB"
    assert card_size(8 * GiB) == "8 GB"
    assert "GiB" not in human_bytes(5 * GiB) and "GiB" not in card_size(24 * GiB)


def test_one_prediction_figure_for_table_and_panel():
    predicted, measured = 4_900_000_000, 4_924_500_000  # Ollama uses 0.5 % more
    gap = prediction_gap(predicted, measured)
    assert gap == pytest.approx(0.005)
    assert gap_text(gap) == "+0.5%"
    # The panel says the same figure, in words, with the same sign.
    assert difference_text(predicted, measured).endswith("(+0.5%).")
    assert gap_text(prediction_gap(5_000_000_000, 4_800_000_000)) == "-4%"


def test_running_table_and_panel_share_the_figure(qapp):
    from quantdesk.core.ollama import RunningModel
    from quantdesk.ui.pages.running_model import COL_PREDICTED, RunningTableModel

    m = RunningModel.from_json({"name": "a:b", "model": "a:b", "size": 4_924_500_000,
                                "size_vram": 4_924_500_000, "digest": "d",
                                "details": {}, "expires_at": "2030-01-01T00:00:00Z"})
    model = RunningTableModel()
    model.set_models([m])
    model.set_prediction("a:b", 4_900_000_000)
    cell = model.data(model.index(0, COL_PREDICTED))
    assert cell == "4.9 GB (+0.5%)"
    assert "(+0.5%)" in difference_text(4_900_000_000, m.size)


def test_details_counts_the_output_layer_as_the_fit_does():
    class Show:  # the parts of ShowResponse overview_rows reads
        details = type("D", (), {"family": "llama", "parameter_size": "8.0B",
                                 "quantization_level": "Q4_K_M", "format": "gguf"})()
        parameter_count, quant, context_length, capabilities, tensors = 0, None, 0, [], []
        architecture = "llama"

        @staticmethod
        def arch_value(key: str) -> object:
            return {"block_count": 32, "embedding_length": 4096}.get(key)

    rows = dict(overview_rows("llama3.1:8b", Show()))  # type: ignore[arg-type]
    assert rows["Layers"].startswith("33 layers")  # 32 blocks + the output layer
    assert "32 blocks" in rows["Layers"]


def test_cli_words_become_the_apps():
    tag = for_people(str(TagNotFound("llama3.1:8b-q9", "file does not exist")))
    assert "`quantdesk" not in tag and "Variants page" in tag
    assert "quantdesk pull" not in for_people(str(ModelNotFound("x:y")))
    assert "--num-ctx" not in for_people(str(ContextOverflow("too long")))
    with pytest.raises(ConfigError) as bad:
        Settings(keep_alive="soon").validated()
    said = for_people(str(bad.value))
    assert said.startswith("Keep models loaded for:") and "keep_alive" not in said
    assert str(bad.value).startswith("keep_alive:")  # the CLI keeps the setting's name


def test_rerun_diff_in_words():
    diff = ComparisonDiff("cmp-1", "cmp-2", ["Ollama version 0.32.14 -> 0.32.15"], [
        RunDiff("m:q4", {"load_s": (2.451, 2.4512), "ttft_s": (0.0243, 0.0301),
                         "size": (4_900_000_000, 5_000_000_000)}, ("done", "done"), False),
        RunDiff("m:q8", {"eval_tps": (40.01, 40.04)}, ("done", "done"), False),
    ], [], [])
    text = diff_text(diff, "today 10:12")
    head, *lines = text.splitlines()
    assert head.startswith("Re-run done: 1 of 2 variants differ from the run of today 10:12")
    assert "Ollama version 0.32.14 → 0.32.15" in head
    # 2.451 s and 2.4512 s both read "2.45 s": no change to a reader, so not listed.
    assert lines == ["m:q4: First token 24 ms → 30 ms; Ollama size 4.9 GB → 5 GB"]
    for field in ("load_s", "ttft_s", "eval_tps", "->"):
        assert field not in text


def test_local_times():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    stored = (now - timedelta(minutes=5)).isoformat()
    local = datetime.fromisoformat(stored).astimezone()
    assert local_time(stored, now=now) == f"today {local:%H:%M}"
    old = datetime(2026, 11, 3, 18, 40, tzinfo=UTC)
    shown = local_time(old.isoformat(), now=now)
    assert shown.endswith(old.astimezone().strftime("%H:%M")) and "2026" in shown
    assert local_time("not a time") == "not a time"


def _result() -> ComparisonResult:
    spec = ComparisonSpec(("llama3.1:8b-instruct-q4_K_M", "llama3.1:8b"), prompt="hi")
    runs = [RunResult("llama3.1:8b-instruct-q4_K_M", 0, state="done", response="a",
                      size=4_920_000_000, size_vram=4_920_000_000,
                      predicted_bytes=4_840_000_000, error="bad | pipe"),
            RunResult("llama3.1:8b", 1, state="done", response="b", size=16_100_000_000)]
    return ComparisonResult("cmp-20261207-ee1ae6", "2026-12-07T11:34:29.5+00:00", spec,
                            "llama3.1:8b", {"daemon_version": "0.32.15"}, runs)


def test_markdown_export_reads_like_text():
    md = to_markdown(_result())
    assert "# Comparison cmp-20261207-ee1ae6" in md
    assert "llama3.1:8b-instruct-q4_K_M" in md and "\\:" not in md and "\\." not in md
    assert "2026-12-07 11:34 UTC" in md and "2026\\-12" not in md
    row = next(line for line in md.splitlines() if "q4_K_M" in line and line.startswith("|"))
    assert "4.9 GB" in row and "4840000000" not in row and "4.8 GB" in row
    assert md_escape("a | b\nc") == "a \\| b c"  # only what breaks a table cell
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(md)
    heads = sum(t.type == "th_open" for t in tokens)
    first_row = [t for t in tokens if t.type == "tr_open"][1]
    cells = 0
    for t in tokens[tokens.index(first_row):]:
        if t.type == "tr_close":
            break
        cells += t.type == "td_open"
    assert cells == heads == 13  # every row keeps its cells
