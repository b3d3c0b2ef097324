"""What a SQLite failure means for the user, and what to do with a damaged history file.

SQLite names its failures by code: the disk is full, another program holds the lock, the file
is damaged or is not a database, the folder cannot be written. Each becomes one sentence that
names the file and says what to do. A file damaged beyond opening is moved aside (with its
``-wal``/``-shm`` companions), never deleted, so a new history can start and nothing already
kept is destroyed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

# Primary result codes (sqlite3.h); ``sqlite_errorcode`` may carry an extended code.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, \
    14, 26

_ADVICE = {
    _FULL: "the disk is full; free some space and try again",
    _BUSY: "another program kept it locked; close other QuantDesk windows or sqlite3 "
           "sessions and try again",
    _LOCKED: "another program kept it locked; close other QuantDesk windows or sqlite3 "
             "sessions and try again",
    _READONLY: "it cannot be written (read-only file or folder)",
    _CANTOPEN: "it cannot be opened; check that its folder exists and can be written",
    _IOERR: "the disk reported an error while reading or writing it",
    _CORRUPT: "it is damaged; move it away and QuantDesk starts a new one (the old file can "
              "be rescued with `sqlite3 FILE .recover`)",
    _NOTADB: "it is not a QuantDesk history file (or is damaged beyond reading); move it "
             "away and QuantDesk starts a new one",
}


def code_of(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_damaged(exc: sqlite3.Error) -> bool:
    """A file that will never open as it is (not a database, or corrupt)."""
    return code_of(exc) in (_CORRUPT, _NOTADB)


def explain(exc: BaseException, path: Path) -> str:
    """One sentence about ``exc`` on the history file ``path``."""
    if isinstance(exc, sqlite3.Error) and (advice := _ADVICE.get(code_of(exc) or -1)):
        return f"The history file {path} could not be used: {advice}. ({exc})"
    if isinstance(exc, OSError):
        return (f"The history file {path} could not be used: {exc.strerror or exc}. Check "
                "that its folder exists and can be written.")
    return f"The history file {path} could not be used ({exc})."


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its WAL companions) to ``<name>.damaged-<time>``; returns the new
    name of the main file."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            os.replace(companion, target.with_name(target.name + suffix))
    return target
