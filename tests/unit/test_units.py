"""The shared size and duration wording, and the front ends that word through it."""

from __future__ import annotations

import pytest

from quantdesk.cli import output
from quantdesk.cli.commands.pull import _duration
from quantdesk.core import units


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (999, "999 B"), (1000, "1.0 KB"), (4_900_000_000, "4.9 GB"),
    (999_960, "1000.0 KB"), (3.2e15, "3200.0 TB"), (-2_500_000, "-2.5 MB"),
])
def test_decimal_units_like_ollama_list(n: float, text: str) -> None:
    assert units.human_bytes(n, missing="?") == text


def test_each_front_end_keeps_its_own_mark_for_unknown() -> None:
    assert units.human_bytes(None, missing="?") == "?"
    assert output.human_bytes(None) == "-"
    assert output.human_bytes(1500) == "1.5 KB"


def test_gib_is_binary() -> None:
    assert units.gib(24 << 30) == "24.0 GiB"
    assert units.gib(3 << 29) == "1.5 GiB"


@pytest.mark.parametrize(("seconds", "compact", "words", "clock"), [
    (5, "5s", "5 s", "0:05"),
    (60, "1m00s", "1 min 00 s", "1:00"),
    (245, "4m05s", "4 min 05 s", "4:05"),
    (3599, "59m59s", "59 min 59 s", "59:59"),
    (3600, "1h00m", "1 h 00 min", "1 h 00 min"),
    (3725, "1h02m", "1 h 02 min", "1 h 02 min"),
])
def test_duration_styles(seconds: int, compact: str, words: str, clock: str) -> None:
    assert units.duration_text(seconds, units.COMPACT) == compact
    assert units.duration_text(seconds, units.WORDS) == words
    assert units.duration_text(seconds, units.CLOCK) == clock


def test_cli_eta_truncates_and_marks_unknown() -> None:
    assert _duration(None) == "--"
    assert _duration(59.9) == "59s"
    assert _duration(-3.0) == "-3s"

