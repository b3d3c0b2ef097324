"""What can go wrong on the remote side, switchable by tests, the demo and benchmarks.

All knobs are plain attributes guarded by one lock; a test sets them before the request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

PageMode = Literal["normal", "mobile", "changed", "missing"]
HeaderMode = Literal["normal", "truncated", "hostile"]


@dataclass
class RemoteFaults:
    latency_s: float = 0.0  # added before every remote answer (registry, pages, HF)
    page_mode: PageMode = "normal"  # "mobile": only the mobile twins; "changed": unknown markup
    header_modes: dict[str, HeaderMode] = field(default_factory=dict)  # tag (or "*") -> mode
    hf_page_size: int = 0  # tree entries per page (0 = all in one); pages link rel="next"
    _status: dict[str, list[int]] = field(default_factory=dict)  # path prefix -> [code, times]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    hits: dict[str, int] = field(default_factory=dict)  # request counts by route kind
    in_flight: int = 0
    max_in_flight: int = 0  # the most requests answered at once, for concurrency checks

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def fail(self, path_prefix: str, status: int = 500, times: int = 1) -> None:
        """Answer ``status`` to the next ``times`` requests whose path starts with the prefix."""
        with self._lock:
            self._status[path_prefix] = [status, times]

    def take_status(self, path: str) -> int | None:
        with self._lock:
            for prefix, entry in self._status.items():
                if path.startswith(prefix) and entry[1] > 0:
                    entry[1] -= 1
                    return entry[0]
        return None

    def header_mode(self, tag: str) -> HeaderMode:
        return self.header_modes.get(tag.lower(), self.header_modes.get("*", "normal"))

    def count(self, kind: str) -> None:
        with self._lock:
            self.hits[kind] = self.hits.get(kind, 0) + 1

    def reset(self) -> None:
        with self._lock:
            self.latency_s, self.page_mode, self.hf_page_size = 0.0, "normal", 0
            self.header_modes.clear()
            self._status.clear()
            self.hits.clear()
            self.max_in_flight = 0
