"""Pull progress: per-layer lines from the daemon folded into one overall view with speed and ETA.

The daemon streams one line per layer about every 60 ms, layers one after another, and a later
layer's size is unknown until it starts (``ollama-api.md`` §5), so the overall total grows as
layers appear. Speed counts only bytes moved during this pull: a resumed layer's first report
(already partly on disk) sets a baseline instead of counting as a burst of download.

The daemon's 60 ms ticker stops as soon as a blob is done (``server/download.go Wait``), so no
line ever says a layer is complete: a layer counts as complete once the next one starts or the
daemon moves on to ``verifying sha256 digest`` (blobs download one after another).

``PullWatch`` is the pull's stall rule for ``stream.iter_json_lines``: progress is a new status,
a new layer or more bytes; a stalled transfer repeats its last line every 60 ms and so is no
progress. After ``verifying sha256 digest`` the daemon is silent while it hashes every new blob
(``server/images.go PullModel``, ~1.7 GiB/s): the watch allows the time hashing those bytes
takes at a slow disk's pace.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quantdesk.core.ollama.jsonfields import as_dict, get_int, get_str


@dataclass(frozen=True, slots=True)
class PullProgress:
    status: str  # display text ("pulling 0a8c26691023", "verifying sha256 digest", ...)
    digest: str = ""  # the layer this line is about, if any
    layer_completed: int = 0
    layer_total: int = 0
    completed: int = 0  # bytes of every layer seen so far
    total: int = 0
    speed: float = 0.0  # bytes per second over the last few seconds
    eta_s: float | None = None
    done: bool = False

    @property
    def fraction(self) -> float:
        return self.completed / self.total if self.total > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "digest": self.digest,
            "layer_completed": self.layer_completed,
            "layer_total": self.layer_total,
            "completed": self.completed,
            "total": self.total,
            "speed": self.speed,
            "eta_s": self.eta_s,
            "done": self.done,
        }


# Slowest hashing the watch waits for: a spinning disk. The daemon's own pace is ~1.7 GiB/s.
MIN_HASH_RATE = 100e6


class PullWatch:
    """How long a pull may go without progress after each line (see the module docstring)."""

    def __init__(self, stall_timeout: float, min_hash_rate: float | None = None) -> None:
        self.stall_timeout = stall_timeout
        self.min_hash_rate = min_hash_rate or MIN_HASH_RATE
        self._last: tuple[str, str, int] | None = None
        self._fresh: dict[str, int] = {}  # digest -> size, layers downloaded by this pull
        self.verifying = False

    def __call__(self, line: dict[str, Any]) -> float | None:
        status, digest = get_str(line, "status"), get_str(line, "digest")
        total, done = get_int(line, "total"), get_int(line, "completed")
        key = (status, digest, done)
        if key == self._last:
            return None  # the ticker repeating itself: a stalled transfer
        self._last = key
        if digest and total and done < total:
            self._fresh[digest] = total  # a cache hit (done == total at once) is not hashed
        if status == "verifying sha256 digest":
            self.verifying = True
            return self.stall_timeout + sum(self._fresh.values()) / self.min_hash_rate
        return self.stall_timeout


class PullTracker:
    """Turns raw pull lines into ``PullProgress``; ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window_s: float = 5.0):
        self._clock = clock
        self._window_s = window_s
        self._layers: dict[str, tuple[int, int]] = {}
        self._baseline: dict[str, int] = {}
        self._samples: deque[tuple[float, int]] = deque()

    def _moved(self) -> int:
        return sum(done - self._baseline[d] for d, (done, _) in self._layers.items())

    def _speed(self) -> float:
        now = self._clock()
        self._samples.append((now, self._moved()))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window_s:
            self._samples.popleft()
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 and b1 >= b0 else 0.0

    def update(self, line: Any) -> PullProgress:
        d = as_dict(line)
        status = get_str(d, "status")
        digest = get_str(d, "digest")
        layer_total = get_int(d, "total")
        layer_done = min(get_int(d, "completed"), layer_total) if layer_total else 0
        if (digest and digest not in self._layers) or (not digest and self._layers):
            # the daemon moved on: every layer seen so far is done, whatever its last line said
            for seen, (_, size) in self._layers.items():
                self._layers[seen] = (size, size)
        if digest and layer_total > 0:
            self._baseline.setdefault(digest, layer_done)
            # A new request after a retry may report less than before; keep the baseline sane.
            self._baseline[digest] = min(self._baseline[digest], layer_done)
            self._layers[digest] = (layer_done, layer_total)
        completed = sum(c for c, _ in self._layers.values())
        total = sum(t for _, t in self._layers.values())
        speed = self._speed()
        done = status == "success"
        if done:
            eta: float | None = 0.0
        elif speed > 0 and total > completed:
            eta = (total - completed) / speed
        else:
            eta = None
        return PullProgress(
            status=status,
            digest=digest,
            layer_completed=layer_done,
            layer_total=layer_total,
            completed=completed,
            total=total,
            speed=speed,
            eta_s=eta,
            done=done,
        )
