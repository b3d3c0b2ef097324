"""Local state gone wrong: a broken or wrong-typed settings file, a folder that cannot be
written, a damaged, locked or newer history, a full disk during an export and a comparison,
two programs writing the history at once. Each gives a clear message, keeps what it cannot
read (a backup, never an overwrite) and loses nothing."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quantdesk.cli.main import main
from quantdesk.core.compare import ComparisonSpec, ExportError, export_to_file, run_comparison
from quantdesk.core.compare.results import ComparisonResult, RunResult, new_comparison_id, now_iso
from quantdesk.core.config import ConfigError, Settings, load_settings, save_settings
from quantdesk.core.config_file import read_settings
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.store import HistoryStore, StoreError

SMALL = ["qwen2.5:0.5b-instruct-q2_K", "qwen2.5:0.5b-instruct-q4_K_M"]
THREE = [*SMALL, "qwen2.5:0.5b-instruct-q8_0"]
TASKS = 30  # answers and graded tasks of three runs: more than the free room in the pages


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def comparison(n_runs: int = 1, state: str = "done") -> ComparisonResult:
    runs = [RunResult(f"m:q{i}_0", i, state=state, response="kept") for i in range(n_runs)]
    return ComparisonResult(new_comparison_id(), now_iso(),
                            ComparisonSpec(tuple(r.model for r in runs), prompt="p"),
                            runs[0].model, {"daemon_version": "0.32.15"}, runs, complete=True)


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QUANTDESK_CONFIG_DIR", str(tmp_path / "cfg"))
    (tmp_path / "cfg").mkdir()
    return tmp_path / "cfg" / "config.json"


# -- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "words"), [
    (b"{not json", "not valid JSON (line 1)"),
    (b'{"host": "\xff\xfe"}', "not UTF-8 text"),
    (b"[" * 10_000, "not valid JSON"),
    (b'{"version": 1, "kv_cache_type": 5}', "kv_cache_type"),
    (b'{"default_context": 1e999}', "default_context"),
])
def test_a_broken_settings_file_is_reported_and_left_alone(sim, cfg, capsys, raw, words):
    cfg.write_bytes(raw)
    code, _out, err = cli(capsys, "ls")
    assert code == 0  # the command still works, on the defaults
    assert str(cfg) in err and words in err
    assert "Traceback" not in err
    assert cfg.read_bytes() == raw


def test_a_wrong_typed_value_costs_only_itself(sim, cfg, capsys, monkeypatch):
    # The host comes from the settings (no --host, no OLLAMA_HOST); the bad value beside it
    # is reported and replaced by its default.
    monkeypatch.delenv("OLLAMA_HOST")
    sim.install(SMALL[0])
    cfg.write_text(json.dumps({"version": 1, "host": sim.host, "kv_cache_type": ["q8_0"]}))
    code, out, err = cli(capsys, "ls")
    assert code == 0 and SMALL[0] in out
    assert "kv_cache_type" in err and "default is used" in err
    found = read_settings(cfg)
    assert found.settings.host == sim.host and found.settings.kv_cache_type == "f16"


def test_saving_over_a_file_that_does_not_load_keeps_a_copy(cfg):
    cfg.write_bytes(b'{"host": "my-box:11434", "keep_alive": "forever-ish"}')
    save_settings(Settings(host="my-box:11434"))
    [backup] = [p for p in cfg.parent.iterdir() if p.name.startswith("config.json.invalid-")]
    assert backup.read_bytes() == b'{"host": "my-box:11434", "keep_alive": "forever-ish"}'
    assert load_settings().host == "my-box:11434"


def test_saving_into_a_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ConfigError, match=r"cannot create the settings folder.*not saved"):
        save_settings(Settings(host="h:1"), blocker / "quantdesk" / "config.json")
    assert blocker.read_text() == "a file where the folder should be"


def test_a_full_disk_while_saving_settings_keeps_the_old_file(cfg, monkeypatch):
    save_settings(Settings(host="old:1"))
    before = cfg.read_bytes()
    _disk_full_after(monkeypatch, 0)
    with pytest.raises(ConfigError, match="disk is full"):
        save_settings(Settings(host="new:2"))
    assert cfg.read_bytes() == before
    assert [p.name for p in cfg.parent.iterdir()] == ["config.json"]


def test_the_command_line_reads_host_registry_and_defaults(sim, cfg, capsys, monkeypatch):
    monkeypatch.delenv("OLLAMA_HOST")
    sim.install(SMALL[0])
    cfg.write_text(json.dumps({"host": sim.host, "default_context": 8192, "keep_alive": "1m"}))
    assert cli(capsys, "load", SMALL[0], "--json")[0] == 0
    [loaded] = json.loads(cli(capsys, "ps", "--json")[1])
    assert loaded["context_length"] == 8192  # default_context became --num-ctx
    # --host and OLLAMA_HOST still come first.
    assert cli(capsys, "ls", "--host", "127.0.0.1:1")[0] == 1
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:1")
    assert cli(capsys, "ls")[0] == 1


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


def _writer(path: Path, n: int) -> None:
    with HistoryStore(path) as store:
        for _ in range(n):
            store.comparisons.begin(comparison(2))


def test_two_programs_writing_the_history_at_once_lose_nothing(data):
    HistoryStore(data).close()
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
            f"from test_local_state import _writer; from pathlib import Path;"
            f"_writer(Path({str(data)!r}), 40)")
    other = subprocess.Popen([sys.executable, "-c", code])
    _writer(data, 40)
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


# -- a full disk ---------------------------------------------------------------------------------

def _disk_full_after(monkeypatch, allowed: int) -> None:
    """``os.write`` as a disk with ``allowed`` bytes left would do it (ENOSPC after)."""
    real_write = os.write
    left = [allowed]

    def write(fd: int, data: bytes) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(data[: left[0]]))
        left[0] -= n
        return n

    monkeypatch.setattr(os, "write", write)


def test_a_full_disk_during_export_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("last week's report")
    _disk_full_after(monkeypatch, 100)
    with pytest.raises(ExportError, match=r"disk is full.*unchanged"):
        export_to_file(comparison(3), target)
    assert target.read_text() == "last week's report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


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
