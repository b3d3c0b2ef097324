"""The download queue that screenshot mode shows on the Downloads page, against the simulator.

Three pulls go through the real queue, one after another: a small model that finishes at
once, a tag that does not exist (the daemon's own error ends it), and a larger variant that
resumes an earlier, cancelled download at a home-connection speed, so the picture shows a
bar, bytes, speed, ETA and the per-layer status of a pull at work. The live demo never starts
pulls by itself.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from quantdesk.ui.ready import settle
from quantdesk.ui.services.pulls import PullsService, PullState

if TYPE_CHECKING:
    from quantdesk.ui.pages.downloads import DownloadsPage

DEMO_FINISHED = "llama3.2:1b"  # 1.3 GB, pulled at FAST_BANDWIDTH: done in a moment
DEMO_MISSING = "llama3.1:8b-instruct-q4_K_XL"  # no such tag in the library
DEMO_PULLING = "llama3.1:8b-instruct-q6_K"  # 6.6 GB at SLOW_BANDWIDTH: minutes to go
FAST_BANDWIDTH = 4e9
SLOW_BANDWIDTH = 40e6  # bytes/s: a 320 Mbit/s line
RESUMED_FRACTION = 0.38  # what the earlier, cancelled pull of DEMO_PULLING left on disk
SETTLE_MS = 1200  # let the speed and ETA settle before the picture
CANCEL_WAIT_S = 3.0


class DownloadsDemo(QObject):
    """Drives the three pulls and says when the page shows all of them (``done``)."""

    def __init__(self, page: DownloadsPage, daemon: object) -> None:
        super().__init__(page)
        self._page = page
        self._pulls: PullsService = page.pulls
        self._daemon = daemon
        self._old_bandwidth = float(getattr(daemon, "pull_bandwidth", SLOW_BANDWIDTH))
        self._settling = False
        self.finished = False

    def start(self) -> None:
        self._daemon.partial_download(DEMO_PULLING, RESUMED_FRACTION)  # type: ignore[attr-defined]
        self._daemon.pull_bandwidth = FAST_BANDWIDTH  # type: ignore[attr-defined]
        self._pulls.finished.connect(self._on_finished)
        self._pulls.changed.connect(self._check)
        for name in (DEMO_FINISHED, DEMO_MISSING, DEMO_PULLING):
            self._pulls.pull(name)

    def _on_finished(self, name: str) -> None:
        if name == DEMO_FINISHED:
            # The next pulls run on a home connection, so one is still going when captured.
            self._daemon.pull_bandwidth = SLOW_BANDWIDTH  # type: ignore[attr-defined]

    def _check(self, _name: str = "", _state: object = None) -> None:
        if self._settling or self.finished:
            return
        if showing_all(self._pulls.state(DEMO_FINISHED), self._pulls.state(DEMO_MISSING),
                       self._pulls.state(DEMO_PULLING)):
            self._settling = True
            QTimer.singleShot(SETTLE_MS, self._done)

    def _done(self) -> None:
        self.finished = True
        # The failed row already says why; a toast over the queue would hide the gauge.
        toast = self._page.toast()
        if toast is not None:
            toast.hide()
        self._page.mark_ready()

    def stop(self) -> None:
        """Cancel what still runs (the daemon keeps the partial download) and wait, bounded,
        until it has stopped, so closing the window has nothing to ask."""
        self._pulls.cancel_all()
        deadline = time.monotonic() + CANCEL_WAIT_S
        while self._pulls.has_active() and time.monotonic() < deadline:
            settle(50)
        self._daemon.pull_bandwidth = self._old_bandwidth  # type: ignore[attr-defined]


def showing_all(done: PullState | None, missing: PullState | None,
                pulling: PullState | None) -> bool:
    """One pull finished, one failed with its reason, one downloading with known figures."""
    return (done is not None and done.phase == "done"
            and missing is not None and missing.phase == "failed" and bool(missing.message)
            and pulling is not None and pulling.phase == "pulling" and pulling.completed > 0
            and pulling.speed > 0 and pulling.eta_s is not None and bool(pulling.layers))


def start_demo(page: DownloadsPage) -> DownloadsDemo | None:
    """Start the demo queue on the demo daemon; None (and nothing started) without one."""
    from quantdesk.ui.demo import demo_daemon

    daemon = demo_daemon()
    if daemon is None:
        return None
    demo = DownloadsDemo(page, daemon)
    demo.start()
    return demo
