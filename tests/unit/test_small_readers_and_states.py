"""Small pieces of core/ that the larger suites pass over: tolerant JSON field readers, pull
states, comparison diffs in words, setup changes, history-file messages, lock owners."""

from __future__ import annotations

import socket

from quantdesk.core.compare.diff import ComparisonDiff, RunDiff
from quantdesk.core.compare.fingerprint import fingerprint_changes
from quantdesk.core.ollama.jsonfields import get_float, get_int, parse_time
from quantdesk.core.pulls.state import LayerState, PullState
from quantdesk.core.store.failures import explain
from quantdesk.core.store.owner import is_gone


def test_get_int_accepts_what_a_daemon_may_send():
    data = {"i": 7, "f": 7.0, "half": 7.5, "s": " 12 ", "bad": "twelve", "b": True, "n": None}
    assert get_int(data, "i") == 7
    assert get_int(data, "f") == 7
    assert get_int(data, "half", -1) == -1  # not a whole number
    assert get_int(data, "s") == 12
    assert get_int(data, "bad", -1) == -1
    assert get_int(data, "b", -1) == -1  # JSON true is no count
    assert get_int(data, "n", -1) == -1
    assert get_int(data, "missing", 3) == 3


def test_get_float_refuses_non_finite_and_non_numbers():
    data = {"f": 1.5, "s": " 2.5 ", "inf": "inf", "nan": float("nan"), "big": 10**400,
            "bad": "x", "b": False, "list": [1]}
    assert get_float(data, "f") == 1.5
    assert get_float(data, "s") == 2.5
    assert get_float(data, "inf", -1.0) == -1.0
    assert get_float(data, "nan", -1.0) == -1.0
    assert get_float(data, "big", -1.0) == -1.0  # too large for a float
    assert get_float(data, "bad", -1.0) == -1.0
    assert get_float(data, "b", -1.0) == -1.0
    assert get_float(data, "list", -1.0) == -1.0


def test_parse_time_reads_go_times_and_refuses_the_zero_time():
    t = parse_time("2024-05-01T10:20:30.123456789+02:00")  # Go writes nanoseconds
    assert t is not None and (t.year, t.microsecond, t.utcoffset().total_seconds()) == (
        2024, 123456, 7200)
    assert parse_time("0001-01-01T00:00:00Z") is None  # Go's zero time: "never"
    assert parse_time("yesterday") is None
    assert parse_time(12) is None


def test_layer_and_pull_fractions():
    layer = LayerState("sha256:0a8c26691023abcdef", 50, 100)
    assert (layer.done, layer.short) == (False, "0a8c26691023")
    assert LayerState("sha256:x", 100, 100).done
    assert not LayerState("sha256:x", 0, 0).done  # an unknown total is not finished
    assert PullState("m", "done").fraction == 1.0
    assert PullState("m", "pulling", completed=25, total=100).fraction == 0.25
    # the size announced before the pull counts while the daemon has not said its total
    assert PullState("m", "pulling", completed=25, expected_bytes=50).fraction == 0.5
    assert PullState("m", "pulling", completed=300, total=100).fraction == 1.0
    assert PullState("m", "queued").fraction == 0.0
    assert PullState("m", "queued").active and not PullState("m", "failed").active


def test_comparison_diff_in_words():
    d = ComparisonDiff(
        "cmp-1", "cmp-2", ["Ollama version 0.12.0 -> 0.13.0"],
        [RunDiff("m:q4", {"eval_tps": (10.0, 12.5), "size": (100, 120)}, ("done", "done"),
                 True),
         RunDiff("m:q8", {}, ("done", "failed"), False),
         RunDiff("m:f16", {}, ("done", "done"), False)],
        ["m:q2"], ["m:q6"])
    assert d.changed
    assert d.lines() == [
        "cmp-1 -> cmp-2",
        "  setup: Ollama version 0.12.0 -> 0.13.0",
        "  m:q4: eval_tps 10 -> 12.5; size 100 -> 120; response changed",
        "  m:q8: state done -> failed",
        "  m:f16: unchanged",
        "  m:q2: only in cmp-1",
        "  m:q6: only in cmp-2",
    ]
    same = ComparisonDiff("a", "b", [], [RunDiff("m", {}, ("done", "done"), False)], [], [])
    assert not same.changed
    assert ComparisonDiff("a", "b", [], [RunDiff("m", {}, ("done", "failed"), False)], [],
                          []).changed


def test_setup_changes_in_words():
    old = {"daemon_version": "0.12.0", "digests": {"m:q4": "a" * 64}, "machine_key": "k1",
           "options": {"temperature": 0}, "quantdesk_version": "0.1.0"}
    new = {"daemon_version": "", "digests": {"m:q4": "b" * 64, "m:q8": "c" * 64},
           "machine_key": "k2", "options": {"temperature": 1}, "quantdesk_version": "0.2.0"}
    assert fingerprint_changes(old, new) == [
        "Ollama version 0.12.0 -> ?",
        f"m:q4: digest {'a' * 12} -> {'b' * 12}",
        f"m:q8: digest none -> {'c' * 12}",
        "hardware changed",
        "options {'temperature': 0} -> {'temperature': 1}",
        "QuantDesk 0.1.0 -> 0.2.0",
    ]
    assert fingerprint_changes(old, dict(old)) == []


def test_history_file_messages(tmp_path):
    path = tmp_path / "history.sqlite"
    missing = FileNotFoundError(2, "No such file or directory")
    assert explain(missing, path) == (
        f"The history file {path} could not be used: No such file or directory. "
        "Check that its folder exists and can be written.")
    assert explain(ValueError("odd"), path) == (
        f"The history file {path} could not be used (odd).")


def test_lock_owners():
    host = socket.gethostname()
    assert is_gone("")  # written before owners were kept
    assert is_gone(f"{host}:not-a-pid:1.0")
    assert not is_gone("some-other-host:1:1.0")  # cannot tell: assume it still runs
    assert is_gone(f"{host}:999999999:1.0")  # no such process
