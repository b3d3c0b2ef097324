"""Fixtures of the hostile-daemon suite: the forking worker, hostile servers, and a history and
settings file that every case must leave exactly as they were.

``hostile_run(server_url, argv, ...)`` runs one action in a fresh child of the worker and
returns what came out (exit status, stdout and stderr bytes, seconds, resident memory). The
time and peak memory of every case are listed at the end of the test session.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hostile_server import HostileServer, Route

HERE = Path(__file__).parent
_MEASURED: list[tuple[str, float, int]] = []


@dataclass(frozen=True)
class Outcome:
    code: int | None
    out: bytes
    err: bytes
    elapsed_s: float
    rss_growth: int  # peak resident memory above the child's start, bytes
    traceback: str | None
    value: Any
    timed_out: bool

    @property
    def text(self) -> str:
        return (self.out + self.err).decode("utf-8", "replace")


class Worker:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "hostile_worker.py")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, cwd=HERE)
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "ready\n"

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.proc.wait(10)


@pytest.fixture(scope="session")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


@dataclass(frozen=True)
class Keepsakes:
    """A history with one comparison and a settings file, which no case may change."""

    data_dir: Path
    config_dir: Path
    history_sha: str
    config_sha: str

    def unchanged(self) -> bool:
        return (_sha(self.data_dir / "history.sqlite3") == self.history_sha
                and _sha(self.config_dir / "config.json") == self.config_sha)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def keepsakes(tmp_path_factory: pytest.TempPathFactory) -> Keepsakes:
    from quantdesk.core.compare.results import (
        ComparisonResult,
        ComparisonSpec,
        RunResult,
        new_comparison_id,
        now_iso,
    )
    from quantdesk.core.config import Settings, save_settings
    from quantdesk.core.store import HistoryStore

    data = tmp_path_factory.mktemp("hostile-data")
    config = tmp_path_factory.mktemp("hostile-config")
    runs = [RunResult("a:q4_0", 0, state="done", response="kept answer")]
    cmp = ComparisonResult(new_comparison_id(), now_iso(), ComparisonSpec(("a:q4_0",), "hi"),
                           "a:q4_0", {}, runs, complete=True)
    with HistoryStore(data / "history.sqlite3") as store:
        store.comparisons.begin(cmp)
        store.db.pragma("wal_checkpoint(TRUNCATE)")
    save_settings(Settings(keep_alive="7m"), config / "config.json")
    return Keepsakes(data, config, _sha(data / "history.sqlite3"), _sha(config / "config.json"))


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, Route]], HostileServer]]:
    made: list[HostileServer] = []

    def make(routes: dict[str, Route]) -> HostileServer:
        server = HostileServer(routes)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def hostile_run(worker: Worker, keepsakes: Keepsakes, tmp_path: Path,
                request: pytest.FixtureRequest) -> Callable[..., Outcome]:
    def run(host: str, argv: list[str] | None = None, *, kind: str = "cli",
            limit_s: float = 30.0, config_dir: Path | None = None, **extra: Any) -> Outcome:
        env = {"OLLAMA_HOST": host, "QUANTDESK_DATA_DIR": str(keepsakes.data_dir),
               "QUANTDESK_CONFIG_DIR": str(config_dir or keepsakes.config_dir),
               "QUANTDESK_CACHE_DIR": str(tmp_path / "cache")}
        got = worker.run({"kind": kind, "argv": argv or [], "env": env, "limit_s": limit_s,
                          "stdout": str(tmp_path / "out"), "stderr": str(tmp_path / "err"),
                          **extra})
        if got.get("timed_out"):
            pytest.fail(f"the case ran past {limit_s} s and was killed")
        if "died" in got:
            pytest.fail(f"the case died (exit {got['died']})")
        outcome = Outcome(got["code"], (tmp_path / "out").read_bytes(),
                          (tmp_path / "err").read_bytes(), got["elapsed_s"],
                          got["rss_peak"] - got["rss_start"], got["traceback"], got["value"],
                          False)
        _MEASURED.append((request.node.name, outcome.elapsed_s, outcome.rss_growth))
        assert outcome.traceback is None, outcome.traceback
        assert b"Traceback" not in outcome.err, outcome.err.decode("utf-8", "replace")
        assert keepsakes.unchanged(), "the history or the settings file changed"
        return outcome

    return run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _MEASURED:
        return
    terminalreporter.section("hostile cases: time to fail, peak resident memory growth")
    for name, seconds, growth in _MEASURED:
        terminalreporter.write_line(f"{seconds:7.2f} s  {growth / 2**20:7.1f} MiB  {name}")
