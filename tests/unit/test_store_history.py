"""The history store: WAL, migrations, transactions, interrupted runs, loads, pulls."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from quantdesk.core.compare.results import (
    ComparisonResult,
    ComparisonSpec,
    RunResult,
    TaskOutcome,
    new_comparison_id,
    now_iso,
)
from quantdesk.core.store import (
    SCHEMA_VERSION,
    Database,
    HistoryStore,
    NotInHistory,
    ObservedLoad,
    StoreError,
    default_path,
)


def comparison(models=("a:q4_0", "a:fp16"), created_at=None) -> ComparisonResult:
    spec = ComparisonSpec(tuple(models), prompt="hello")
    runs = [RunResult(m, i) for i, m in enumerate(models)]
    return ComparisonResult(new_comparison_id(), created_at or now_iso(), spec, models[-1],
                            {"daemon_version": "0.32.15"}, runs)


@pytest.fixture
def store(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite3") as s:
        yield s


def test_opens_in_wal_with_foreign_keys_at_the_newest_schema(store):
    assert store.db.pragma("journal_mode") == "wal"
    assert store.db.pragma("foreign_keys") == 1
    assert store.db.version == SCHEMA_VERSION


def test_default_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("QUANTDESK_DATA_DIR", str(tmp_path / "d"))
    assert default_path() == tmp_path / "d" / "history.sqlite3"
    monkeypatch.delenv("QUANTDESK_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert default_path() == tmp_path / "x" / "quantdesk" / "history.sqlite3"


def _write_v1(db: Database, cmp: ComparisonResult) -> None:
    """A comparison as a v1 QuantDesk wrote it: the v1 columns only."""
    from quantdesk.core.store.history import _UPSERT_RUN, _run_values

    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO comparisons (id, created_at, spec, options, reference, prompt,"
            " task_spec, fingerprint, complete, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (cmp.id, cmp.created_at, json.dumps(cmp.spec.to_dict()),
             json.dumps(cmp.spec.to_dict()["options"]), cmp.reference, cmp.spec.prompt, None,
             json.dumps(cmp.fingerprint), int(cmp.complete), cmp.note))
        conn.executemany(_UPSERT_RUN, [_run_values(cmp.id, r) for r in cmp.runs])


def test_migration_from_v1_keeps_data_and_adds_indexes(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = Database(path, migrate_to=1)
    assert old.version == 1
    cmp = comparison()
    for run in cmp.runs:
        run.state = "done"
    _write_v1(old, cmp)
    old.close()
    with HistoryStore(path) as s:
        assert s.db.version == SCHEMA_VERSION == 4
        names = {r[0] for r in s.db.query("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"comparisons_by_date", "loads_by_machine"} <= names
        assert s.comparisons.get(cmp.id) == cmp
        assert s.abandoned == []


def test_unfinished_runs_written_before_v3_are_abandoned_on_open(tmp_path):
    # A v2 file has no runner column: whoever left runs "running" there is an older
    # QuantDesk that is no longer running this comparison.
    path = tmp_path / "old.sqlite3"
    old = Database(path, migrate_to=2)
    cmp = comparison()
    cmp.runs[0].state, cmp.runs[1].state = "done", "running"
    _write_v1(old, cmp)
    old.close()
    with HistoryStore(path) as s:
        assert s.abandoned == [cmp.id]
        runs = s.comparisons.get(cmp.id).runs
        assert [r.state for r in runs] == ["done", "failed"]
        assert "closed or killed" in runs[1].error


def test_a_file_from_a_newer_quantdesk_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    HistoryStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer QuantDesk"):
        HistoryStore(path)


def test_a_damaged_file_is_moved_aside_and_a_new_history_started(tmp_path):
    path = tmp_path / "junk.sqlite3"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    with HistoryStore(path) as s:
        assert s.recovered_from is not None
        assert s.recovered_from.read_bytes() == junk  # kept, byte for byte
        assert str(s.recovered_from) in s.recovery_note()
        assert s.comparisons.summaries() == []
        s.comparisons.begin(comparison())
    with HistoryStore(path) as again:
        assert again.recovered_from is None
        assert len(again.comparisons.summaries()) == 1


def test_round_trip_listing_and_delete(store):
    first = comparison(created_at="2026-01-01T00:00:00+00:00")
    second = comparison(("b:q8_0", "b:q2_K", "b:fp16"), created_at="2026-02-01T00:00:00+00:00")
    second.runs[1].tasks = [TaskOutcome("t1", "42", True)]
    second.runs[1].agreement = 0.25
    store.comparisons.begin(first)
    store.comparisons.begin(second)
    assert store.comparisons.get(second.id) == second
    listed = store.comparisons.summaries()
    assert [s.id for s in listed] == [second.id, first.id]  # newest first
    assert listed[0].models == ("b:q8_0", "b:q2_K", "b:fp16")
    assert listed[0].to_dict() == {"id": second.id, "created_at": second.created_at,
                                   "models": ["b:q8_0", "b:q2_K", "b:fp16"], "complete": False}
    store.comparisons.delete(second.id)
    left = store.db.query("SELECT COUNT(*) FROM runs WHERE comparison_id=?", (second.id,))
    assert left[0][0] == 0  # runs went with their comparison (foreign key cascade)
    with pytest.raises(NotInHistory, match="quantdesk history"):
        store.comparisons.get(second.id)
    with pytest.raises(NotInHistory):
        store.comparisons.delete(second.id)


def test_complete_only_when_every_run_is_done(store):
    cmp = comparison()
    store.comparisons.begin(cmp)
    cmp.runs[0].state = "done"
    store.comparisons.update(cmp)
    assert not store.comparisons.get(cmp.id).complete
    cmp.runs[1].state = "done"
    store.comparisons.update(cmp)
    assert store.comparisons.get(cmp.id).complete


def test_a_crash_mid_run_leaves_the_comparison_incomplete(tmp_path):
    path = tmp_path / "crash.sqlite3"
    s = HistoryStore(path)
    cmp = comparison()
    s.comparisons.begin(cmp)
    cmp.runs[0].state, cmp.runs[0].response = "done", "finished answer"
    s.comparisons.save_run(cmp.id, cmp.runs[0])
    cmp.runs[1].state = "running"
    s.comparisons.save_run(cmp.id, cmp.runs[1])
    del s  # the process dies: no finish, no close
    with HistoryStore(path) as again:
        stored = again.comparisons.get(cmp.id)
        assert not stored.complete
        assert [r.state for r in stored.runs] == ["done", "running"]
        assert stored.runs[0].response == "finished answer"
        assert again.comparisons.mark_abandoned(cmp.id, "QuantDesk stopped") == 1
        assert again.comparisons.get(cmp.id).runs[1].state == "failed"


def test_a_failed_transaction_leaves_nothing(store):
    cmp = comparison()
    with pytest.raises(RuntimeError), store.db.transaction() as conn:
        conn.execute("INSERT INTO pulls (name, started_at) VALUES ('x', 'now')")
        raise RuntimeError("boom")
    assert store.loads.pulls() == []
    store.comparisons.begin(cmp)
    with pytest.raises(StoreError, match="already stored"):
        store.comparisons.begin(cmp)
    assert len(store.comparisons.summaries()) == 1


def test_threads_can_share_one_store(store):
    cmps = [comparison() for _ in range(8)]
    errors: list[BaseException] = []

    def work(c: ComparisonResult) -> None:
        try:
            store.comparisons.begin(c)
            for r in c.runs:
                r.state = "done"
                store.comparisons.save_run(c.id, r)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in cmps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not errors
    assert {s.id for s in store.comparisons.summaries()} == {c.id for c in cmps}


def test_observed_loads_give_a_per_machine_correction(store):
    def load(pred, obs, key="m1"):
        return ObservedLoad("llama3.2:1b", "abc", 4096, pred, None, obs, obs, "0.32.15", key)

    for pred, obs in ((1000, 1100), (2000, 2200), (4000, 4400)):
        store.loads.record(load(pred, obs))
    store.loads.record(load(None, 5000))  # no prediction: kept, but not a calibration pair
    store.loads.record(load(1000, 3000, key="m2"))
    assert len(store.loads.loads("m1")) == 4
    assert store.loads.loads("m1")[0].predicted_size is None
    assert store.loads.pairs("m1") == [(4000, 4400), (2000, 2200), (1000, 1100)]
    cal = store.loads.calibration("m1")
    assert cal.samples == 3 and cal.factor == pytest.approx(1.1)
    assert store.loads.calibration("m2").samples == 1  # too few to correct anything
    assert store.loads.loads("m1")[0].at  # stamped when recorded


def test_pulls_are_recorded_with_their_outcome(store):
    pid = store.loads.pull_started("llama3.2:1b")
    assert store.loads.pulls()[0].outcome == "running"
    store.loads.pull_finished(pid, bytes_done=1234, outcome="success")
    (p,) = store.loads.pulls()
    assert (p.name, p.bytes, p.outcome) == ("llama3.2:1b", 1234, "success")
    assert p.finished_at is not None and p.finished_at >= p.started_at
