"""Per-machine correction from (predicted, observed) pairs."""

from __future__ import annotations

import pytest

from quantdesk.core.fit import calibrate
from quantdesk.core.fit.calibration import Calibration


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


def test_a_factor_on_too_few_samples_is_not_applied():
    assert Calibration(1.2, 2, 0.0).apply(1000) == 1000  # 2 of 3 samples: inactive
    assert Calibration(1.2, 3, 0.0).apply(1000) == 1200


@pytest.mark.parametrize(("factor", "samples", "clamped", "text"), [
    (2.0, 3, False, "Loads here use 100% more than predicted (3 loads)"),  # (2 - 1) x 100
    (1.0, 3, False, "Loads here use 0% more than predicted (3 loads)"),
    (1.005, 4, False, "Loads here use 0% more than predicted (4 loads)"),  # +0.5 %: still more
    (0.8, 4, False, "Loads here use 20% less than predicted (4 loads)"),
    (1.5, 5, True, "Loads here use 50% more than predicted (5 loads), correction capped"),
])
def test_describe_words_the_correction_exactly(
    factor: float, samples: int, clamped: bool, text: str,
) -> None:
    assert Calibration(factor, samples, 0.0, clamped=clamped).describe() == text


def test_one_byte_pairs_count_and_the_spread_is_the_median_deviation():
    # ratios 2, 2, 2 -> median 2, capped at 1.5; one-byte sizes are still sizes
    assert calibrate([(1, 2)] * 3).samples == 3
    assert calibrate([(2, 1)] * 3).factor == 0.75  # 0.5 capped at the low end
    # ratios 1.0, 1.1, 1.3: median 1.1; deviations 0.1, 0, 0.2 -> median 0.1
    cal = calibrate([(100, 100), (100, 110), (100, 130)])
    assert cal.spread == pytest.approx(0.1)
    assert calibrate([(100, 130)]).spread == 0.0
