"""Fault injection for the simulated daemon.

Arm a fault on a path; the next matching request(s) take it, and each fault fires ``times``
times (once by default), then disarms itself::

    sim.faults.drop("/api/pull", after_lines=3)       # close the socket after 3 NDJSON lines
    sim.faults.drop("/api/tags", after_bytes=10)      # cut a plain body after 10 bytes
    sim.faults.stall("/api/chat", seconds=2, after_lines=1)
    sim.faults.stall_transfer("/api/pull", seconds=90)  # a blob stops; lines keep repeating
    sim.faults.malformed("/api/generate", after_lines=2)  # one line that is not JSON
    sim.faults.http_error("/api/ps", status=500, message="boom")
    sim.faults.slow_first_byte("/api/version", seconds=0.5)
    sim.restart()                                     # the daemon itself goes away and back

``model=`` restricts a fault to requests naming that model. ``sim.faults.fired`` lists what
fired, for assertions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(slots=True)
class Fault:
    kind: str  # "drop" | "stall" | "stall_transfer" | "malformed" | "http_error" | ...
    path: str
    times: int = 1
    after_lines: int = 0
    after_bytes: int | None = None
    seconds: float = 0.0
    status: int = 500
    message: str = "simulated failure"
    model: str | None = None

    def after_bytes_or(self, default: int) -> int:
        return default if self.after_bytes is None else self.after_bytes


@dataclass(slots=True)
class RequestFaults:
    """The faults one request took when it started."""

    items: list[Fault]

    def first(self, kind: str) -> Fault | None:
        return next((f for f in self.items if f.kind == kind), None)


class Faults:
    """Armed faults; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []
        self.fired: list[Fault] = []

    def _arm(self, fault: Fault) -> Fault:
        if fault.times < 1:
            raise ValueError("a fault must fire at least once")
        with self._lock:
            self._armed.append(fault)
        return fault

    def drop(
        self,
        path: str,
        *,
        after_lines: int = 0,
        after_bytes: int | None = None,
        times: int = 1,
        model: str | None = None,
    ) -> Fault:
        """Close the connection after N stream lines (or N body bytes) were sent."""
        return self._arm(
            Fault(
                "drop", path, times, after_lines=after_lines, after_bytes=after_bytes, model=model
            )
        )

    def stall(
        self,
        path: str,
        *,
        seconds: float,
        after_lines: int = 0,
        times: int = 1,
        model: str | None = None,
    ) -> Fault:
        """Stop sending for ``seconds`` after N stream lines, then carry on."""
        return self._arm(
            Fault("stall", path, times, after_lines=after_lines, seconds=seconds, model=model)
        )

    def stall_transfer(
        self, path: str = "/api/pull", *, seconds: float, after_bytes: int = 0, times: int = 1,
        model: str | None = None,
    ) -> Fault:
        """A pull's blob stops moving for ``seconds`` once ``after_bytes`` are on disk, while
        the daemon's 60 ms ticker goes on repeating the same progress line
        (``server/download.go blobDownload.Wait``): a stall that never goes silent."""
        return self._arm(Fault("stall_transfer", path, times, after_bytes=after_bytes,
                               seconds=seconds, model=model))

    def repetition(
        self, path: str = "/api/generate", *, after_tokens: int = 0, times: int = 1,
        model: str | None = None,
    ) -> Fault:
        """After ``after_tokens`` tokens the model repeats one token until the runner gives up
        (``llm/llama_server.go``: more than 30 repeats): the stream then ends cleanly with
        neither a ``done`` nor an ``error`` line."""
        return self._arm(Fault("repetition", path, times, after_lines=after_tokens, model=model))

    def malformed(
        self, path: str, *, after_lines: int = 0, times: int = 1, model: str | None = None
    ) -> Fault:
        """Send one line that is not JSON after N stream lines, then carry on."""
        return self._arm(Fault("malformed", path, times, after_lines=after_lines, model=model))

    def http_error(
        self,
        path: str,
        *,
        status: int = 500,
        message: str = "simulated failure",
        times: int = 1,
        model: str | None = None,
    ) -> Fault:
        """Answer ``{"error": message}`` with ``status`` instead of doing the work."""
        return self._arm(
            Fault("http_error", path, times, status=status, message=message, model=model)
        )

    def slow_first_byte(
        self, path: str, *, seconds: float, times: int = 1, model: str | None = None
    ) -> Fault:
        """Wait ``seconds`` before sending the status line."""
        return self._arm(Fault("slow_first_byte", path, times, seconds=seconds, model=model))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    @property
    def armed(self) -> list[Fault]:
        with self._lock:
            return list(self._armed)

    def take(self, path: str, model: str | None) -> RequestFaults:
        """The faults a request to ``path`` (naming ``model``) fires; counts them down."""
        taken: list[Fault] = []
        with self._lock:
            for fault in list(self._armed):
                if fault.path != path:
                    continue
                if fault.model is not None and (model or "").lower() != fault.model.lower():
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self._armed.remove(fault)
                taken.append(fault)
                self.fired.append(fault)
        return RequestFaults(taken)
