"""Which process is running a stored comparison, and whether that process is gone.

A comparison is stored while it runs; if its process is killed, its runs stay ``loading`` or
``running`` in the file for ever. Each comparison records its runner as
``host:pid:start-time`` (the start time tells a reused pid from the original process). On the
next open, unfinished comparisons whose runner is gone are marked abandoned; one started on
another machine (a shared home folder) is left alone, since its process cannot be seen here.
"""

from __future__ import annotations

import os
import socket

import psutil


def _started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


def this_process() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid) or 0:.3f}"


def is_gone(owner: str) -> bool:
    """True when the process ``owner`` names has ended (an empty or unreadable owner, from a
    file written before owners were kept, counts as ended)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3:
        return True
    host, pid_text, started_text = parts
    if host != socket.gethostname():
        return False
    try:
        pid, started = int(pid_text), float(started_text)
    except ValueError:
        return True
    now = _started(pid)
    if now is None:
        return True
    # No start time was readable when it was recorded: the pid alone has to do.
    return started > 0 and abs(now - started) > 1.0
