"""Per-machine correction from (predicted, observed) pairs."""

from __future__ import annotations

import pytest

from quantdesk.core.fit import calibrate


def test_too_few_samples_do_not_correct():
    cal = calibrate([(100, 130), (100, 120)])
    assert cal.factor == 1.0 and not cal.active
    assert cal.apply(1000) == 1000
    assert "2 of 3" in cal.describe()


def test_median_ratio_resists_an_outlier():
    pairs = [(1000, 1100), (2000, 2200), (4000, 4400), (1000, 5000)]
    cal = calibrate(pairs)
    assert cal.factor == pytest.approx(1.1)
    assert cal.apply(10_000) == 11_000
    assert cal.samples == 4 and not cal.clamped
    assert "10% more" in cal.describe()


def test_factor_is_clamped_and_bad_pairs_ignored():
    cal = calibrate([(100, 400), (100, 300), (100, 500), (0, 100), (100, 0)])
    assert cal.samples == 3
    assert cal.factor == 1.5 and cal.clamped
    assert "capped" in cal.describe()
    low = calibrate([(100, 10)] * 3)
    assert low.factor == 0.75 and "less" in low.describe()
