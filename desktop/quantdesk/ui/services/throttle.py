"""Coalescing high-rate updates from the I/O thread into a few GUI updates a second.

A pull reports a progress line every ~60 ms (far more often from a fast mirror) and six
comparison streams may produce hundreds of tokens a second; the GUI needs neither per line.
:meth:`Throttle.put` (any thread) merges a value into what is pending for its key; the GUI
thread delivers each key's merged value at most once per interval. :meth:`flush` delivers
a key at once: a state change calls it first, so an update never arrives after "done".

The I/O thread posts one wake-up through the :class:`Bridge` when the first value after a
delivery arrives; the rest of the interval is waited on the GUI thread with a timer there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QTimer

from quantdesk.ui.services.bridge import Bridge

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
A = TypeVar("A")


def latest(_pending: object, value: V) -> V:
    """Keep the newest value (progress figures: only the last one matters)."""
    return value


def appended(pending: list[str] | None, value: str) -> list[str]:
    """Keep every piece, in order (streamed text); the deliverer joins them."""
    if pending is None:
        return [value]
    pending.append(value)
    return pending


class Throttle(QObject, Generic[K, V, A]):
    def __init__(
        self,
        bridge: Bridge,
        interval_ms: int,
        deliver: Callable[[K, A], None],
        merge: Callable[[A | None, V], A],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._interval_s = interval_ms / 1000
        self._deliver = deliver
        self._merge = merge
        self._lock = threading.Lock()
        self._pending: dict[K, A] = {}
        self._requested = False
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self.deliveries = 0  # flushes that delivered something (tests and benchmarks)

    def put(self, key: K, value: V) -> None:
        """Any thread: merge ``value`` into what is pending for ``key``."""
        with self._lock:
            self._pending[key] = self._merge(self._pending.get(key), value)
            if self._requested:
                return
            self._requested = True
        self._bridge.post(self._schedule)

    def _schedule(self) -> None:
        wait = self._interval_s - (time.monotonic() - self._last)
        if wait <= 0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    def flush(self, key: K | None = None) -> None:
        """GUI thread: deliver what is pending now (one key, or all of them)."""
        with self._lock:
            if key is None:
                taken, self._pending = self._pending, {}
                self._requested = False
            else:
                taken = {key: self._pending.pop(key)} if key in self._pending else {}
        if key is None:
            self._timer.stop()
            self._last = time.monotonic()
        if taken:
            self.deliveries += 1
        for k, value in taken.items():
            self._deliver(k, value)

    def discard(self) -> None:
        """Forget what is pending (a new comparison starts)."""
        with self._lock:
            self._pending.clear()
