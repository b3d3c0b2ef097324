"""The SQLite file behind the history: where it lives, how it is opened, how it is migrated.

One connection per store, shared by threads under a lock (``check_same_thread=False``): every
call is short, so a lock costs less than a connection per thread and keeps transactions simple.
Callers on an event loop wrap calls in ``asyncio.to_thread``.

Opened with WAL (readers never block the writer, and a crash mid-write leaves the last
committed state), ``foreign_keys=ON`` (runs go with their comparison) and ``synchronous=NORMAL``
(safe with WAL). ``schema_version`` holds one row; :data:`MIGRATIONS` step the schema forward
one version at a time, each in its own transaction, so an interrupted upgrade leaves a
consistent older version that the next open continues from.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.paths import data_dir
from quantdesk.core.store import failures
from quantdesk.core.store.chat_schema import CHATS

DB_FILE = "history.sqlite3"


class StoreError(QuantDeskError):
    """The history file cannot be opened, is damaged, or is from a newer QuantDesk."""


_V1 = """
CREATE TABLE comparisons (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    spec        TEXT NOT NULL,             -- JSON: models, prompt or task set, options
    options     TEXT NOT NULL,             -- JSON: the fixed daemon options
    reference   TEXT NOT NULL,
    prompt      TEXT,                      -- the prompt, or NULL for a task set
    task_spec   TEXT,                      -- "mixed:20", or NULL for a prompt
    fingerprint TEXT NOT NULL,             -- JSON: hardware, daemon version, digests
    complete    INTEGER NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE runs (
    comparison_id    TEXT NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    model            TEXT NOT NULL,
    state            TEXT NOT NULL,
    error            TEXT NOT NULL DEFAULT '',
    digest           TEXT NOT NULL DEFAULT '',
    quant            TEXT NOT NULL DEFAULT '',
    bpw              REAL,
    load_s           REAL,
    ttft_s           REAL,
    prompt_tps       REAL,
    eval_tps         REAL,
    prompt_tokens    INTEGER,
    eval_tokens      INTEGER,
    size             INTEGER,
    size_vram        INTEGER,
    predicted_bytes  INTEGER,
    first_divergence INTEGER,
    agreement        REAL,
    approx_kl        REAL,
    similarity       REAL,
    agreement_basis  TEXT NOT NULL DEFAULT '',
    accuracy         REAL,
    accuracy_low     REAL,
    accuracy_high    REAL,
    correct          INTEGER,
    graded           INTEGER,
    response         TEXT NOT NULL DEFAULT '',
    tasks            TEXT NOT NULL DEFAULT '[]',  -- JSON list of per-task outcomes
    started_at       TEXT,
    finished_at      TEXT,
    PRIMARY KEY (comparison_id, position)
);
CREATE TABLE observed_loads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    model           TEXT NOT NULL,
    digest          TEXT NOT NULL,
    num_ctx         INTEGER NOT NULL,
    predicted_size  INTEGER,
    predicted_vram  INTEGER,
    observed_size   INTEGER NOT NULL,
    observed_vram   INTEGER NOT NULL,
    daemon_version  TEXT NOT NULL,
    machine_key     TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE TABLE pulls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    bytes       INTEGER NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL DEFAULT 'running'   -- running | success | failed | cancelled
);
"""

# v2: the history list sorts by date and the calibration reads one machine's loads; both
# were full scans in v1.
_V2 = """
CREATE INDEX comparisons_by_date ON comparisons(created_at DESC);
CREATE INDEX loads_by_machine ON observed_loads(machine_key, model);
"""

# v3: who runs each comparison (``owner``: host, pid, start time), so a comparison whose
# process was killed can be told from one still running and marked abandoned.
_V3 = """
ALTER TABLE comparisons ADD COLUMN runner TEXT NOT NULL DEFAULT '';
"""

# MIGRATIONS[n] takes a database at version n to version n + 1; v4 adds the chats.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, CHATS)
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path:
    return data_dir() / DB_FILE


def schema_version(conn: sqlite3.Connection) -> int:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    if not has_table:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _use_wal(conn: sqlite3.Connection, wait_s: float = 10.0) -> None:
    """Switch to WAL. The switch takes the file's lock without honouring the busy timeout,
    so a second connection opening the file at the same moment is retried, not failed."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _statements(script: str) -> list[str]:
    """Split one of our migration scripts into statements (they hold no triggers, so a
    statement ends at the first ``;`` that completes it)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target``; returns the version found before.

    The version is read inside the write transaction: two processes (or two threads of the
    app) opening a new file together would otherwise both see version 0 and the second would
    fail on tables the first had just made. Every step commits together, or none does.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"The history file was written by a newer QuantDesk (schema {found}, this "
                f"one knows {SCHEMA_VERSION}). Update QuantDesk, or move the file away to "
                "start afresh.")
        for version in range(found, target):
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return found


class Database:
    """A migrated connection, a lock, and a transaction helper.

    Every SQLite failure leaves as a ``StoreError`` whose sentence names the file and says
    what to do (``failures``). A file damaged beyond opening is moved aside and a new one
    started; ``recovered_from`` then says where the old one went.
    """

    def __init__(self, path: str | Path | None = None, *, migrate_to: int = SCHEMA_VERSION,
                 busy_timeout_s: float = 10.0):
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.RLock()
        self._busy_s = busy_timeout_s
        self.recovered_from: Path | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = self._open(migrate_to)
            except sqlite3.DatabaseError as exc:
                if not failures.is_damaged(exc):
                    raise
                self.recovered_from = failures.move_aside(self.path)
                self._conn = self._open(migrate_to)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(failures.explain(exc, self.path)) from exc

    def _open(self, migrate_to: int) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see ``transaction``).
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                               timeout=self._busy_s)
        try:
            conn.row_factory = sqlite3.Row
            _use_wal(conn, self._busy_s)
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            migrate(conn, migrate_to)
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements inside commit together, or none do. An integrity error (a key
        already there) propagates as it is, for the caller to word; any other SQLite
        failure becomes a ``StoreError``."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                raise StoreError(failures.explain(exc, self.path)) from exc

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(failures.explain(exc, self.path)) from exc

    def pragma(self, name: str) -> object:
        with self._lock:
            return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    @property
    def version(self) -> int:
        with self._lock:
            return schema_version(self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
