"""The history file gone wrong: damaged, locked, from a newer QuantDesk, bad JSON in a
column, two programs writing at once, a killed comparison, a full disk during a comparison.
Each gives a clear message, keeps what it cannot read and loses nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from local_support import SMALL, TASKS, THREE, cli, comparison, writer

from quantdesk.core.compare import ComparisonSpec, run_comparison
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.store import HistoryStore, StoreError

# -- the history file --------------------------------------------------------------------------

@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QUANTDESK_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data" / "history.sqlite3"


def test_a_corrupt_history_is_moved_aside_with_a_message(data, capsys):
    data.write_bytes(b"SQLite format 3\0" + b"\xde\xad" * 4000)
    code, _out, err = cli(capsys, "history")
    assert code == 0
    [kept] = [p for p in data.parent.iterdir() if ".damaged-" in p.name
              and not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes().startswith(b"SQLite format 3\0\xde\xad")
    assert str(kept) in err and "new history was started" in err


def test_a_history_from_a_newer_quantdesk_is_refused_and_untouched(data, capsys):
    HistoryStore(data).close()
    with sqlite3.connect(data) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    before = data.read_bytes()
    code, _out, err = cli(capsys, "history")
    assert code == 1 and "newer QuantDesk" in err
    assert data.read_bytes() == before


def test_a_locked_history_says_who_to_close(data):
    HistoryStore(data).close()
    holder = sqlite3.connect(data, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked; close other QuantDesk windows"):
            HistoryStore(data, busy_timeout_s=0.3)
        assert time.monotonic() - started < 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    HistoryStore(data).close()  # free again: it opens


def test_damaged_pages_give_a_message_not_a_traceback(data, capsys):
    with HistoryStore(data) as store:
        for _ in range(40):
            cmp = comparison()
            cmp.runs[0].response = "x" * 3000
            store.comparisons.begin(cmp)
        store.db.pragma("wal_checkpoint(TRUNCATE)")
    raw = bytearray(data.read_bytes())
    page = 4096
    for n in range(3, len(raw) // page - 1, 2):  # every other page after the schema's
        raw[n * page + 100 : n * page + 600] = os.urandom(500)
    data.write_bytes(bytes(raw))
    damaged = data.read_bytes()
    outcomes = [cli(capsys, "history"), cli(capsys, "history", "show", cmp.id)]
    for code, _out, err in outcomes:
        assert code in (0, 1) and "Traceback" not in err
    assert any("damaged" in err or "malformed" in err for _, _, err in outcomes)
    assert data.read_bytes() == damaged  # left for `sqlite3 .recover`, not overwritten


def test_bad_json_in_a_stored_column_costs_only_that_comparison(data, capsys):
    good, bad = comparison(), comparison()
    with HistoryStore(data) as store:
        store.comparisons.begin(good)
        store.comparisons.begin(bad)
        with store.db.transaction() as conn:
            conn.execute("UPDATE comparisons SET spec='{oops' WHERE id=?", (bad.id,))
            conn.execute("UPDATE runs SET tasks='[[[' WHERE comparison_id=?", (good.id,))
    code, out, err = cli(capsys, "history")
    assert code == 0 and good.id in out and bad.id in out
    code, out, err = cli(capsys, "history", "show", bad.id)
    assert code == 1 and f"Comparison '{bad.id}' is damaged" in err and "history rm" in err
    code, out, err = cli(capsys, "history", "show", good.id)
    assert code == 0 and good.runs[0].model in out


def test_two_programs_writing_the_history_at_once_lose_nothing(data):
    HistoryStore(data).close()
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
            f"from local_support import writer; from pathlib import Path;"
            f"writer(Path({str(data)!r}), 40)")
    other = subprocess.Popen([sys.executable, "-c", code])
    writer(data, 40)
    assert other.wait(60) == 0
    with HistoryStore(data) as store:
        assert len(store.comparisons.summaries()) == 80


def test_a_killed_compare_is_marked_abandoned_on_the_next_open(sim_factory, data, capsys):
    sim = sim_factory(installed=SMALL, token_rate_scale=0.5)
    env = {**os.environ, "OLLAMA_HOST": sim.host}
    proc = subprocess.Popen([sys.executable, "-m", "quantdesk", "compare", *SMALL,
                             "--prompt", "tell a long story", "--num-predict", "400"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if data.exists():
                with HistoryStore(data) as store:
                    items = store.comparisons.summaries()
                    if items and any(r.state in ("loading", "running") for r in
                                     store.comparisons.get(items[0].id).runs):
                        break
            time.sleep(0.2)
        else:
            pytest.fail("the comparison never started")
    finally:
        proc.kill()
        proc.wait(10)
    code, _out, err = cli(capsys, "history")
    assert code == 0 and "marked abandoned" in err and items[0].id in err
    _code, out, err = cli(capsys, "history", "show", items[0].id, "--json")
    runs = json.loads(out)["runs"]
    assert "running" not in [r["state"] for r in runs] and "loading" not in [
        r["state"] for r in runs]
    assert any("closed or killed" in r["error"] for r in runs)


def _fill_to_the_limit(store: HistoryStore) -> None:
    """SQLite's own limit on the file: every write that needs a new page fails with
    SQLITE_FULL, "database or disk is full", as on a full disk."""
    store.db.pragma(f"max_page_count={store.db.pragma('page_count')}")


async def test_a_full_disk_during_a_comparison_keeps_the_result(sim_factory, tmp_path):
    sim = sim_factory(installed=THREE, token_rate_scale=50)
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        _fill_to_the_limit(store)
        async with OllamaClient(sim.host) as client:
            result = await run_comparison(client, ComparisonSpec(
                tuple(THREE), task_set="mixed", task_count=TASKS), store=store)
        assert result.complete and all(r.response and r.accuracy is not None
                                       for r in result.runs)
        assert "disk is full" in result.unsaved
        # What the file holds says so; no run is left "waiting" or "running" in it: each one
        # is there as done (written before the disk filled) or failed with the reason.
        stored = store.comparisons.get(result.id)
        assert not stored.complete
        assert {r.state for r in stored.runs} <= {"done", "failed"}
        unsaved = [r for r in stored.runs if r.state == "failed"]
        assert unsaved and all("could not be saved" in r.error for r in unsaved)


async def test_space_freed_before_the_end_gets_the_comparison_stored(sim_factory, tmp_path):
    sim = sim_factory(installed=THREE, token_rate_scale=50)
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        _fill_to_the_limit(store)
        seen: list[str] = []

        def free_space_late(event) -> None:
            if event.kind == "done":
                seen.append(event.run.model if event.run else "")
                if len(seen) == 2:  # the first two runs could not be written
                    store.db.pragma("max_page_count=1000000")

        async with OllamaClient(sim.host) as client:
            result = await run_comparison(
                client, ComparisonSpec(tuple(THREE), task_set="mixed", task_count=TASKS),
                store=store, on_event=free_space_late)
        assert result.unsaved == ""
        assert store.comparisons.get(result.id) == result


def test_compare_on_a_full_disk_prints_the_result_and_says_it_is_not_kept(
        sim_factory, data, capsys, monkeypatch):
    import quantdesk.cli.commands.compare as compare_cli

    sim_factory(installed=THREE, token_rate_scale=50)
    opened = compare_cli.open_history

    def full_history() -> HistoryStore:
        store = opened()
        _fill_to_the_limit(store)
        return store

    monkeypatch.setattr(compare_cli, "open_history", full_history)
    code, out, err = cli(capsys, "compare", *THREE, "--tasks", f"mixed:{TASKS}")
    assert code == 1
    assert all(m in out for m in THREE) and out.count("done") == 3
    assert "not in the history" in err and "disk is full" in err
    assert "Traceback" not in err
