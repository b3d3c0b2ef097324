"""The app's own wording of sizes and times, on top of core.units."""

from __future__ import annotations

from datetime import timedelta

from quantdesk.ui.formatting import countdown, human_bytes
from quantdesk.ui.widgets.download_row import eta_text


def test_unknown_size_is_a_dash() -> None:
    assert human_bytes(None) == "—"
    assert human_bytes(4_900_000_000) == "4.9 GB"


def test_download_eta_rounds_and_says_left() -> None:
    assert eta_text(59.6) == "1 min 00 s left"
    assert eta_text(3725) == "1 h 02 min left"
    assert eta_text(None) == ""


def test_countdown_truncates_and_reads_like_a_clock() -> None:
    assert countdown(timedelta(seconds=59.9)) == "0:59"
    assert countdown(timedelta(seconds=245)) == "4:05"
    assert countdown(timedelta(hours=1, minutes=2, seconds=5)) == "1 h 02 min"
    assert countdown(timedelta(seconds=0)) == "Stopping…"
    assert countdown(None, forever=True) == "Forever"
