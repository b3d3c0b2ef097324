"""The generated task sets: reproducible, answers right, graders fair but strict on format."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.tasks import (
    TASK_SETS,
    TaskSetError,
    accuracy,
    make_tasks,
    parse_task_spec,
    wilson_interval,
)

seeds = st.integers(min_value=0, max_value=2**31)
FAST = settings(max_examples=15, deadline=None)


@pytest.mark.parametrize("name", TASK_SETS)
def test_same_seed_same_tasks_other_seed_other_tasks(name):
    a, b = make_tasks(name, 12, 7), make_tasks(name, 12, 7)
    assert [(t.id, t.prompt, t.expected) for t in a] == [(t.id, t.prompt, t.expected) for t in b]
    other = make_tasks(name, 12, 8)
    assert [t.prompt for t in a] != [t.prompt for t in other]
    for t in a:  # the expected answer always passes its own grader
        assert t.grade(t.expected), (t.prompt, t.expected)
        assert not t.grade(""), t.prompt


def test_mixed_covers_every_kind():
    kinds = {t.kind for t in make_tasks("mixed", 10, 1)}
    assert kinds == {"arith", "letters", "sort", "format", "units"}


@FAST
@given(seeds)
def test_arithmetic_answers_are_right(seed):
    for t in make_tasks("arith", 5, seed):
        a, op, b = re.match(r"What is (\d+) (.) (\d+)\?", t.prompt).groups()
        value = {"+": int(a) + int(b), "-": int(a) - int(b), "×": int(a) * int(b)}[op]
        assert t.grade(str(value)) and t.grade(f"The answer is {value:,}.")
        assert t.grade(f"  {value}\n")
        assert not t.grade(str(value + 1))
        assert not t.grade(f"{value} or {value + 1}")  # hedging is not an answer


@FAST
@given(seeds)
def test_letter_counts_are_right(seed):
    for t in make_tasks("letters", 5, seed):
        letter, word = re.search(r"letter '(.)' appear in the word '(\w+)'", t.prompt).groups()
        count = sum(1 for ch in word if ch == letter)
        assert count >= 1
        assert t.grade(str(count)) and t.grade(f"There are {count}.")
        assert not t.grade(str(count + 1))
    three = next((t for t in make_tasks("letters", 200, seed) if t.expected == "3"), None)
    if three is not None:
        assert three.grade("Three") and not three.grade("four")


@FAST
@given(seeds)
def test_sorting_answers_are_right(seed):
    for t in make_tasks("sort", 5, seed):
        items = re.search(r": (.*)\. Answer", t.prompt).group(1).split(", ")
        numeric = "numbers" in t.prompt
        expected = sorted(items, key=int) if numeric else sorted(items)
        assert t.grade(", ".join(expected)) and t.grade("[" + ",".join(expected) + "]")
        assert t.grade(", ".join(expected).upper()) or numeric
        if expected != list(reversed(expected)):
            assert not t.grade(", ".join(reversed(expected)))
        assert not t.grade(", ".join(expected[:-1]))


@FAST
@given(seeds)
def test_format_tasks_are_strict(seed):
    for t in make_tasks("format", 6, seed):
        if "ISO 8601" in t.prompt:
            text = re.search(r"date (\d+ \w+ \d+) as", t.prompt).group(1)
            iso = dt.datetime.strptime(text, "%d %B %Y").date().isoformat()
            assert t.grade(iso) and t.grade(f" {iso}\n")
            assert not t.grade(iso + ".") and not t.grade(f"The date is {iso}")
        elif "capital letters" in t.prompt:
            word = re.search(r"word '(\w+)'", t.prompt).group(1)
            assert t.grade(word.upper()) and not t.grade(word) and not t.grade(word.title())
        else:
            n = int(re.search(r"number (\d+) with", t.prompt).group(1))
            assert t.grade(f"{n:,}") and not t.grade(str(n)) and not t.grade(f"{n:_}")


_FACTORS = {("kilometres", "metres"): 1000, ("kilograms", "grams"): 1000,
            ("hours", "minutes"): 60, ("minutes", "seconds"): 60, ("metres", "centimetres"): 100,
            ("litres", "millilitres"): 1000, ("GiB", "MiB"): 1024, ("days", "hours"): 24,
            ("feet", "inches"): 12}


@FAST
@given(seeds)
def test_unit_conversions_are_right(seed):
    for t in make_tasks("units", 5, seed):
        amount, src, dst = re.match(r"Convert ([\d.]+) (\w+) to (\w+)\.", t.prompt).groups()
        value = float(amount) * _FACTORS[(src, dst)]
        assert t.grade(f"{value:g}") and t.grade(f"{value:,.1f} {dst}")
        assert not t.grade(f"{value + 1:g}")


@FAST
@given(st.integers(0, 60), st.integers(1, 60))
def test_wilson_interval_contains_the_rate(correct, total):
    correct = min(correct, total)
    low, high = wilson_interval(correct, total)
    assert 0.0 <= low <= correct / total <= high <= 1.0
    assert high - low > 0  # never a zero-width interval, even at 0 % or 100 %


def test_wilson_matches_published_values():
    # Wilson 95 % for 0/10 is [0, 0.2775]; for 8/10 it is [0.4902, 0.9433] (z = 1.96).
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    acc = accuracy([True] * 8 + [False] * 2)
    assert (acc.correct, acc.total, acc.rate) == (8, 10, 0.8)
    assert (acc.low, acc.high) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_bad_names_and_counts_say_what_to_do():
    with pytest.raises(TaskSetError, match="Choose one of"):
        make_tasks("trivia", 3, 0)
    with pytest.raises(TaskSetError, match="between 1 and"):
        make_tasks("arith", 0, 0)
    assert parse_task_spec("Mixed:20") == ("mixed", 20)
    for bad in ("mixed", "mixed:x", "nope:3"):
        with pytest.raises(TaskSetError):
            parse_task_spec(bad)
