"""Knowing when each page shows its first data: the screenshot mode and the start-up benchmark
wait on this (signal-driven, with a bounded wait), never on sleeps."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from quantdesk.ui.lazy_pages import LazyPages


class ReadyTracker(QObject):
    """Signals:
    page_ready(str): a page emitted ``ready`` for the first time
    """

    page_ready = Signal(str)

    def __init__(self, pages: Mapping[str, QWidget], parent: QObject | None = None) -> None:
        """``pages``: a plain mapping, or the window's LazyPages (pages built later are
        watched from the moment they are built)."""
        super().__init__(parent)
        self._ready: set[str] = set()
        if isinstance(pages, LazyPages):
            built: Mapping[str, QWidget] = pages.built()
            pages.on_built.append(self._watch)
        else:
            built = pages
        for key, page in built.items():
            self._watch(key, page)

    def _watch(self, key: str, page: QWidget) -> None:
        # A page that was ready before anyone could connect (its data is local) says so
        # with ``is_ready`` (a bool attribute or method) or ``_is_ready``.
        flag = getattr(page, "is_ready", getattr(page, "_is_ready", False))
        if callable(flag):
            flag = flag()
        if flag:
            self._mark(key)
        signal = getattr(page, "ready", None)
        if signal is not None:
            signal.connect(lambda k=key: self._mark(k))

    def is_ready(self, key: str) -> bool:
        return key in self._ready

    def _mark(self, key: str) -> None:
        if key not in self._ready:
            self._ready.add(key)
            self.page_ready.emit(key)

    def wait(self, key: str, timeout_ms: int) -> bool:
        """Run the event loop until ``key`` is ready or the time is up; True when ready."""
        if self.is_ready(key):
            return True
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)

        def on_ready(k: str) -> None:
            if k == key:
                loop.quit()

        self.page_ready.connect(on_ready)
        timer.start(timeout_ms)
        loop.exec()
        self.page_ready.disconnect(on_ready)
        timer.stop()
        return self.is_ready(key)


def settle(ms: int = 150) -> None:
    """Let pending layout and paint events run (after data arrived, before a grab)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
