"""Several threads opening a new history file at once all get a migrated database."""

from __future__ import annotations

import threading

from quantdesk.core.store.database import SCHEMA_VERSION, Database, schema_version


def test_concurrent_first_open_migrates_once(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []
    opened: list[Database] = []
    lock = threading.Lock()

    def open_it() -> None:
        barrier.wait()
        try:
            db = Database(path)
        except BaseException as exc:  # collected and asserted below
            with lock:
                errors.append(exc)
        else:
            with lock:
                opened.append(db)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert len(opened) == 6
    with opened[0].transaction() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
