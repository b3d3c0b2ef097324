"""The one way results cross from the I/O thread to the GUI thread.

Any thread calls :meth:`Bridge.post` with a callable and its arguments; the call lands in a
thread-safe FIFO and runs later on the GUI thread, in posting order. PySide6 never carries a
Python object across threads here: the I/O thread only wakes the GUI thread with a queued,
argument-free ``QMetaObject.invokeMethod`` (at most one wake-up pending at a time), and the
GUI thread drains the FIFO itself.

Why not a ``Signal(str, object)`` emitted from the I/O thread: PySide6-Essentials 6.12.0
aborts the process under that load ("deallocating None/True"). Measured on that release:
every ``SignalInstance.emit()`` (any thread, any payload) drops one reference to ``True``,
and ``postEvent`` / ``QTimer.singleShot`` drop one to ``None``; a queued ``invokeMethod`` of
an argument-free slot leaves every count unchanged, on 6.9.3 as on 6.12.0.

A callback that raises is logged and handed to the error handler (the main window shows it);
it never stops the drain, and nothing is lost: the later calls still run.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Slot

log = logging.getLogger(__name__)

# One drain runs at most this long before yielding to paint and input events; the rest
# follows in the next turn of the event loop.
DRAIN_BUDGET_S = 0.010

ErrorHandler = Callable[[str, BaseException], None]


class Bridge(QObject):
    """Create it on the GUI thread; :meth:`post` from any thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            collections.deque())
        self._lock = threading.Lock()
        self._wake_pending = False
        self._closed = False
        self.on_error: ErrorHandler | None = None
        self.posted = 0  # calls accepted (the stress test and benchmarks read them)
        self.wakeups = 0  # cross-thread wake-ups actually sent

    def post(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the GUI thread, after every call posted before it."""
        with self._lock:
            if self._closed:
                return
            self._queue.append((callback, args))
            self.posted += 1
            if self._wake_pending:
                return
            self._wake_pending = True
            self.wakeups += 1
            # Under the lock: once close() has returned, no thread is inside this call, so
            # the object can go away without a wake-up racing its destruction. (Queued, the
            # call only posts an event: it never waits for the GUI thread.)
            QMetaObject.invokeMethod(self, "_drain", Qt.ConnectionType.QueuedConnection)

    def on_gui_thread(self) -> bool:
        return QThread.currentThread() is self.thread()

    @Slot()
    def _drain(self) -> None:
        deadline = time.perf_counter() + DRAIN_BUDGET_S
        while True:
            with self._lock:
                if not self._queue:
                    self._wake_pending = False
                    return
                callback, args = self._queue.popleft()
            self._call(callback, args)
            if time.perf_counter() > deadline:
                break
        # Out of budget with calls left: continue in the next turn, after pending paints.
        QMetaObject.invokeMethod(self, "_drain", Qt.ConnectionType.QueuedConnection)

    def drain_now(self) -> int:
        """Run everything queued now (GUI thread only: shutdown and tests); how many ran."""
        ran = 0
        while True:
            with self._lock:
                if not self._queue:
                    return ran
                callback, args = self._queue.popleft()
            self._call(callback, args)
            ran += 1

    def _call(self, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            callback(*args)
        except Exception as exc:  # one broken receiver must not starve the others
            name = getattr(callback, "__qualname__", repr(callback))
            log.exception("a GUI update (%s) failed", name)
            if self.on_error is not None:
                try:
                    self.on_error(name, exc)
                except Exception:
                    log.exception("the error handler itself failed")

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def close(self) -> None:
        """Drop what is queued and accept nothing more (the window is going away)."""
        with self._lock:
            self._closed = True
            self._queue.clear()
