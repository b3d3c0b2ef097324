"""Observed loads and pulls: what really happened, kept to check and correct our predictions.

After a real load ``/api/ps`` gives Ollama's own size; each (predicted, observed) pair is kept
with the machine it happened on. The per-machine correction (``core.fit.calibrate``:
a clamped median of observed / predicted) is computed over that machine's most recent pairs.
``load_pairs`` builds the pairs; :meth:`LoadStore.record_unless_recent` keeps a poller that
sees the same loaded model every two seconds from writing it every two seconds.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from quantdesk.core.compare.results import now_iso
from quantdesk.core.fit import Calibration, calibrate
from quantdesk.core.store.database import Database

CALIBRATION_WINDOW = 20


@dataclass(frozen=True, slots=True)
class ObservedLoad:
    model: str
    digest: str
    num_ctx: int
    predicted_size: int | None
    predicted_vram: int | None
    observed_size: int
    observed_vram: int
    daemon_version: str
    machine_key: str
    at: str = ""  # ISO 8601 UTC; filled in when recorded

    @property
    def ratio(self) -> float | None:
        """observed / predicted size; None without a usable prediction."""
        if not self.predicted_size or self.predicted_size <= 0:
            return None
        return self.observed_size / self.predicted_size


@dataclass(frozen=True, slots=True)
class PullRecord:
    id: int
    name: str
    started_at: str
    finished_at: str | None
    bytes: int
    outcome: str  # running | success | failed | cancelled


_LOAD_COLUMNS = ("model", "digest", "num_ctx", "predicted_size", "predicted_vram",
                 "observed_size", "observed_vram", "daemon_version", "machine_key", "at")


def _insert(conn: sqlite3.Connection, values: list[object]) -> None:
    conn.execute(
        f"INSERT INTO observed_loads ({', '.join(_LOAD_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_LOAD_COLUMNS))})", tuple(values))


class LoadStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, load: ObservedLoad) -> ObservedLoad:
        at = load.at or now_iso()
        values = [getattr(load, c) for c in _LOAD_COLUMNS[:-1]] + [at]
        with self._db.transaction() as conn:
            _insert(conn, values)
        return ObservedLoad(**{c: v for c, v in zip(_LOAD_COLUMNS, values, strict=True)})

    def record_unless_recent(self, load: ObservedLoad, within_s: float) -> ObservedLoad | None:
        """Record ``load`` unless the same load (machine, digest — or model when the digest is
        unknown —, context and daemon version) was recorded in the ``within_s`` seconds before
        it; returns what was stored, or None when it was a repeat. Check and insert share one
        transaction, so two pollers racing cannot both write it."""
        at = load.at or now_iso()
        since = (dt.datetime.fromisoformat(at) - dt.timedelta(seconds=within_s)).isoformat(
            timespec="microseconds")
        values = [getattr(load, c) for c in _LOAD_COLUMNS[:-1]] + [at]
        with self._db.transaction() as conn:
            repeat = conn.execute(
                "SELECT 1 FROM observed_loads WHERE machine_key=? AND digest=? AND num_ctx=? "
                "AND daemon_version=? AND (digest<>'' OR model=?) AND at>=? LIMIT 1",
                (load.machine_key, load.digest, load.num_ctx, load.daemon_version, load.model,
                 since)).fetchone()
            if repeat is not None:
                return None
            _insert(conn, values)
        return ObservedLoad(**{c: v for c, v in zip(_LOAD_COLUMNS, values, strict=True)})

    def loads(self, machine_key: str | None = None, model: str | None = None,
              limit: int | None = None) -> list[ObservedLoad]:
        """Newest first."""
        where, params = [], []
        if machine_key is not None:
            where.append("machine_key=?")
            params.append(machine_key)
        if model is not None:
            where.append("model=?")
            params.append(model)
        sql = f"SELECT {', '.join(_LOAD_COLUMNS)} FROM observed_loads"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [ObservedLoad(**dict(r)) for r in self._db.query(sql, tuple(params))]

    def pairs(self, machine_key: str, window: int = CALIBRATION_WINDOW) -> list[tuple[int, int]]:
        """(predicted, observed) size of this machine's last ``window`` predicted loads."""
        # A ratio exists only where predicted_size does; the second test tells mypy so.
        return [(load.predicted_size, load.observed_size) for load in self.loads(machine_key)
                if load.ratio is not None and load.predicted_size is not None][:window]

    def calibration(self, machine_key: str, window: int = CALIBRATION_WINDOW) -> Calibration:
        """The per-machine correction (``core.fit.calibrate``) over the recent pairs."""
        return calibrate(self.pairs(machine_key, window))

    # -- pulls ------------------------------------------------------------------------------

    def pull_started(self, name: str) -> int:
        with self._db.transaction() as conn:
            cur = conn.execute("INSERT INTO pulls (name, started_at) VALUES (?, ?)",
                               (name, now_iso()))
            return int(cur.lastrowid or 0)

    def pull_finished(self, pull_id: int, *, bytes_done: int, outcome: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE pulls SET finished_at=?, bytes=?, outcome=? WHERE id=?",
                         (now_iso(), bytes_done, outcome, pull_id))

    def pulls(self, limit: int = 100) -> list[PullRecord]:
        rows = self._db.query(
            "SELECT id, name, started_at, finished_at, bytes, outcome FROM pulls "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [PullRecord(**dict(r)) for r in rows]
