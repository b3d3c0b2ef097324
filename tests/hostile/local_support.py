"""Helpers of the local-state tests: the CLI in process, a stored comparison, a disk that
fills up, and a writer of comparisons for the two-programs test."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from quantdesk.cli.main import main
from quantdesk.core.compare import ComparisonSpec
from quantdesk.core.compare.results import ComparisonResult, RunResult, new_comparison_id, now_iso
from quantdesk.core.store import HistoryStore

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


def disk_full_after(monkeypatch, allowed: int) -> None:
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


def writer(path: Path, n: int) -> None:
    with HistoryStore(path) as store:
        for _ in range(n):
            store.comparisons.begin(comparison(2))
