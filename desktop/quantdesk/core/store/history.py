"""Comparisons and their runs in the history file.

A comparison is written when it starts (every run ``waiting``) and each run is rewritten as
its state changes, so a crash, a killed daemon or a Stop leaves the rows written so far:
``complete`` turns true only when every run finished ``done``. ``interrupted`` runs (still
``running`` or ``loading`` in the file after the process went away) read back as they were
stored; :meth:`ComparisonStore.mark_abandoned` turns them into ``failed`` when a new session
knows no one is working on them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from quantdesk.core import safe_json
from quantdesk.core.compare.results import (
    ComparisonResult,
    ComparisonSpec,
    RunResult,
    TaskOutcome,
)
from quantdesk.core.store.database import Database, StoreError
from quantdesk.core.store.owner import is_gone, this_process

_RUN_COLUMNS: tuple[str, ...] = (
    "model", "state", "error", "digest", "quant", "bpw", "load_s", "ttft_s", "prompt_tps",
    "eval_tps", "prompt_tokens", "eval_tokens", "size", "size_vram", "predicted_bytes",
    "first_divergence", "agreement", "approx_kl", "similarity", "agreement_basis", "accuracy",
    "accuracy_low", "accuracy_high", "correct", "graded", "response", "started_at",
    "finished_at",
)
_UNFINISHED = ("waiting", "pulling", "loading", "running")


class NotInHistory(StoreError):
    def __init__(self, comparison_id: str) -> None:
        super().__init__(
            f"There is no comparison '{comparison_id}' in the history. "
            "List them with: quantdesk history")
        self.comparison_id = comparison_id


@dataclass(frozen=True, slots=True)
class ComparisonSummary:
    id: str
    created_at: str
    models: tuple[str, ...]
    complete: bool
    reference: str
    note: str = ""
    prompt: str | None = None  # the prompt, or None for a task set
    task_spec: str | None = None  # "mixed:20", or None for a prompt

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "models": list(self.models),
                "complete": self.complete}


def _task_spec(spec: ComparisonSpec) -> str | None:
    return f"{spec.task_set}:{spec.task_count}" if spec.task_set else None


def _run_values(cmp_id: str, run: RunResult) -> tuple[Any, ...]:
    values = [getattr(run, c) for c in _RUN_COLUMNS]
    tasks = json.dumps([{"task_id": t.task_id, "response": t.response, "correct": t.correct}
                        for t in run.tasks])
    return (cmp_id, run.position, *values, tasks)


_UPSERT_RUN = (
    f"INSERT OR REPLACE INTO runs (comparison_id, position, {', '.join(_RUN_COLUMNS)}, tasks) "
    f"VALUES ({', '.join('?' * (len(_RUN_COLUMNS) + 3))})"
)


ABANDONED = "QuantDesk stopped before this run finished (the program was closed or killed)"


def _stored_json(text: str | None, what: str, comparison_id: str) -> Any:
    """A JSON column, or ``StoreError`` naming the comparison whose column is damaged."""
    try:
        return safe_json.loads(text or "null")
    except safe_json.JsonRejected as exc:
        raise StoreError(
            f"Comparison '{comparison_id}' is damaged in the history file: its {what} is "
            f"{exc}. Remove it with `quantdesk history rm {comparison_id}`.") from None


def _tasks(text: str | None) -> list[TaskOutcome]:
    # Per-task outcomes are a detail: a damaged list costs only itself, not the run.
    try:
        items = safe_json.loads(text or "[]")
    except safe_json.JsonRejected:
        return []
    return [TaskOutcome(str(t.get("task_id", "")), str(t.get("response", "")),
                        bool(t.get("correct")))
            for t in (items if isinstance(items, list) else []) if isinstance(t, dict)]


def _run_from_row(row: sqlite3.Row) -> RunResult:
    values = {c: row[c] for c in _RUN_COLUMNS}
    return RunResult(position=row["position"], tasks=_tasks(row["tasks"]), **values)


class ComparisonStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def begin(self, result: ComparisonResult) -> None:
        """Write a new comparison and all its runs in one transaction."""
        spec = result.spec
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO comparisons (id, created_at, spec, options, reference, prompt,"
                    " task_spec, fingerprint, complete, note, runner)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (result.id, result.created_at, json.dumps(spec.to_dict()),
                     json.dumps(spec.to_dict()["options"]), result.reference, spec.prompt,
                     _task_spec(spec), json.dumps(result.fingerprint), int(result.complete),
                     result.note, this_process()))
                conn.executemany(_UPSERT_RUN, [_run_values(result.id, r) for r in result.runs])
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"A comparison '{result.id}' is already stored.") from exc

    def save_run(self, comparison_id: str, run: RunResult) -> None:
        with self._db.transaction() as conn:
            conn.execute(_UPSERT_RUN, _run_values(comparison_id, run))

    def update(self, result: ComparisonResult) -> None:
        """Rewrite the comparison's mutable fields and every run; ``complete`` is derived."""
        complete = bool(result.runs) and all(r.state == "done" for r in result.runs)
        result.complete = complete
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE comparisons SET reference=?, fingerprint=?, complete=?, note=? "
                "WHERE id=?",
                (result.reference, json.dumps(result.fingerprint), int(complete), result.note,
                 result.id))
            if cur.rowcount == 0:
                raise NotInHistory(result.id)
            conn.executemany(_UPSERT_RUN, [_run_values(result.id, r) for r in result.runs])

    def set_note(self, comparison_id: str, note: str) -> None:
        with self._db.transaction() as conn:
            cur = conn.execute("UPDATE comparisons SET note=? WHERE id=?", (note, comparison_id))
            if cur.rowcount == 0:
                raise NotInHistory(comparison_id)

    def get(self, comparison_id: str) -> ComparisonResult:
        rows = self._db.query("SELECT * FROM comparisons WHERE id=?", (comparison_id,))
        if not rows:
            raise NotInHistory(comparison_id)
        row = rows[0]
        runs = [_run_from_row(r) for r in self._db.query(
            "SELECT * FROM runs WHERE comparison_id=? ORDER BY position", (comparison_id,))]
        spec = _stored_json(row["spec"], "description (spec)", comparison_id)
        fingerprint = _stored_json(row["fingerprint"], "fingerprint", comparison_id)
        try:
            parsed = ComparisonSpec.from_dict(spec)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreError(
                f"Comparison '{comparison_id}' is damaged in the history file: its "
                f"description lacks {exc}. Remove it with `quantdesk history rm "
                f"{comparison_id}`.") from None
        return ComparisonResult(
            id=row["id"], created_at=row["created_at"], spec=parsed,
            reference=row["reference"],
            fingerprint=fingerprint if isinstance(fingerprint, dict) else {},
            runs=runs, complete=bool(row["complete"]), note=row["note"])

    def summaries(self, limit: int | None = None) -> list[ComparisonSummary]:
        """Newest first."""
        sql = ("SELECT c.id, c.created_at, c.complete, c.reference, c.note, c.prompt,"
               " c.task_spec,"
               " (SELECT json_group_array(model) FROM"
               "   (SELECT model FROM runs WHERE comparison_id=c.id ORDER BY position)) AS models"
               " FROM comparisons c ORDER BY c.created_at DESC, c.rowid DESC")
        params: tuple[object, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        return [ComparisonSummary(r["id"], r["created_at"], tuple(json.loads(r["models"])),
                                  bool(r["complete"]), r["reference"], r["note"],
                                  r["prompt"], r["task_spec"])
                for r in self._db.query(sql, params)]

    def delete(self, comparison_id: str) -> None:
        with self._db.transaction() as conn:
            cur = conn.execute("DELETE FROM comparisons WHERE id=?", (comparison_id,))
            if cur.rowcount == 0:
                raise NotInHistory(comparison_id)

    def mark_abandoned(self, comparison_id: str, reason: str) -> int:
        """Runs left unfinished by a process that is gone become ``failed`` with ``reason``;
        returns how many changed. The comparison stays incomplete."""
        marks = ",".join("?" * len(_UNFINISHED))
        with self._db.transaction() as conn:
            cur = conn.execute(
                f"UPDATE runs SET state='failed', error=? WHERE comparison_id=? "
                f"AND state IN ({marks})", (reason, comparison_id, *_UNFINISHED))
            conn.execute("UPDATE comparisons SET complete=0 WHERE id=?", (comparison_id,))
            return cur.rowcount

    def abandon_stale(self) -> list[str]:
        """Mark abandoned every comparison left unfinished by a process that has ended (see
        ``owner``); returns their ids. Comparisons still running elsewhere are untouched."""
        marks = ",".join("?" * len(_UNFINISHED))
        rows = self._db.query(
            "SELECT DISTINCT c.id, c.runner FROM comparisons c JOIN runs r"
            f" ON r.comparison_id = c.id WHERE r.state IN ({marks})", _UNFINISHED)
        stale = [r["id"] for r in rows if is_gone(r["runner"])]
        for comparison_id in stale:
            self.mark_abandoned(comparison_id, ABANDONED)
        return stale
