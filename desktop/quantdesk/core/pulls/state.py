"""What the pull queue knows about each model: immutable snapshots, safe to hand to any
thread (the GUI gets these, never the queue's own records)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quantdesk.core.ollama import PullProgress

Phase = Literal["queued", "pulling", "done", "failed", "cancelled"]
FINAL_PHASES: frozenset[str] = frozenset({"done", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class LayerState:
    digest: str
    completed: int
    total: int

    @property
    def done(self) -> bool:
        return self.total > 0 and self.completed >= self.total

    @property
    def short(self) -> str:
        return self.digest.removeprefix("sha256:")[:12]


@dataclass(frozen=True, slots=True)
class PullFigures:
    """One progress line and every layer seen so far in this attempt."""

    progress: PullProgress
    layers: tuple[LayerState, ...] = ()


@dataclass(frozen=True, slots=True)
class PullState:
    name: str
    phase: Phase
    status: str = ""  # the daemon's own words ("pulling 0a8c26691023", "verifying ...")
    completed: int = 0
    total: int = 0
    speed: float = 0.0  # bytes per second
    eta_s: float | None = None
    layers: tuple[LayerState, ...] = ()
    message: str = ""  # why it failed, in words a user can act on
    expected_bytes: int = 0  # the size announced before the pull (0: unknown)
    attempt: int = 1
    note: str = ""  # e.g. why the disk check was skipped

    @property
    def active(self) -> bool:
        return self.phase in ("queued", "pulling")

    @property
    def fraction(self) -> float:
        if self.phase == "done":
            return 1.0
        total = max(self.total, self.expected_bytes)
        return min(1.0, self.completed / total) if total > 0 else 0.0

    def as_progress(self) -> PullProgress:
        """The whole pull's figures in the stream's own shape (a comparison shows these)."""
        return PullProgress(status=self.status, completed=self.completed, total=self.total,
                            speed=self.speed, eta_s=self.eta_s, done=self.phase == "done")
