"""A per-machine correction learnt from (predicted, observed) load sizes.

The estimate follows Ollama's rules, but drivers, compositors and measured graphs make a
given machine consistently over or under them. The median ratio of what ``/api/ps`` reported
to what we predicted is robust to the odd outlier; it is clamped so a few bad samples cannot
turn a warning into a promise.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

MIN_SAMPLES = 3
LOW, HIGH = 0.75, 1.5


@dataclass(frozen=True, slots=True)
class Calibration:
    factor: float  # multiply a prediction by this to get what this machine really shows
    samples: int  # usable pairs the factor rests on
    spread: float  # median absolute deviation of the ratios (how consistent they are)
    clamped: bool = False

    @property
    def active(self) -> bool:
        return self.samples >= MIN_SAMPLES and self.factor != 1.0

    def apply(self, predicted: int) -> int:
        return round(predicted * self.factor) if self.active else predicted

    def describe(self) -> str:
        if self.samples < MIN_SAMPLES:
            return f"No correction yet: {self.samples} of {MIN_SAMPLES} loads observed"
        pct = (self.factor - 1) * 100
        direction = "more" if pct >= 0 else "less"
        text = f"Loads here use {abs(pct):.0f}% {direction} than predicted ({self.samples} loads)"
        return text + (", correction capped" if self.clamped else "")


def calibrate(
    pairs: Iterable[tuple[int, int]],
    *,
    min_samples: int = MIN_SAMPLES,
    low: float = LOW,
    high: float = HIGH,
) -> Calibration:
    """Correction from (predicted bytes, observed bytes) pairs; 1.0 until enough samples."""
    ratios = [obs / pred for pred, obs in pairs if pred > 0 and obs > 0]
    if len(ratios) < min_samples:
        return Calibration(1.0, len(ratios), 0.0)
    median = statistics.median(ratios)
    spread = statistics.median(abs(r - median) for r in ratios)
    factor = min(max(median, low), high)
    return Calibration(factor, len(ratios), spread, clamped=factor != median)
