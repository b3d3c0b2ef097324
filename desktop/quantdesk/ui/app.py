"""Starting the desktop app: QApplication, services, main window; the demo, screenshot and
start-up-benchmark modes."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from quantdesk import __version__
from quantdesk.ui import theme
from quantdesk.ui.main_window import MainWindow
from quantdesk.ui.ready import ReadyTracker
from quantdesk.ui.resources import icon, style_sheet
from quantdesk.ui.services.container import Services

log = logging.getLogger(__name__)

EXIT_WHEN_READY_ENV = "QUANTDESK_EXIT_WHEN_READY"
SCREENSHOT_FAST_FORWARD = 10.0


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("QuantDesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("QuantDesk")
    app.setDesktopFileName("io.github.quantdesk.QuantDesk")
    app.setWindowIcon(icon("app"))
    # Fusion draws with the palette everywhere, so the light and dark palettes (every text
    # colour at 4.5:1 or more) look the same on every platform.
    app.setStyle("Fusion")
    theme.apply(app)
    if not os.environ.get(theme.SCHEME_ENV):  # follow the system when it switches
        app.styleHints().colorSchemeChanged.connect(lambda _s: theme.apply(app))
    # The style sheet only shapes things; its colours are palette roles.
    app.setStyleSheet(style_sheet())
    return app


def demo_services(*, registry: str | None = None, time_scale: float = 1.0,
                  **create: Any) -> Services:
    """Services on the simulated daemon with its own machine and registry (``make demo``;
    the banner's "Explore with the simulated daemon" switches to the same, see MainWindow)."""
    from quantdesk.ui.demo import start_demo

    simulated = start_demo(time_scale=time_scale)
    # The simulator serves the registry side too, so Variants works with no network.
    services = Services.create(simulated.host, registry=registry or simulated.registry,
                               **create)
    services.hardware.use_machine(simulated.machine, simulated.view)
    return services


def run_app(
    *,
    host: str | None = None,
    registry: str | None = None,
    demo: bool = False,
    screenshots: Path | None = None,
    sizes: list[tuple[int, int]] | None = None,
    exit_when_ready: bool = False,
) -> int:
    started = time.perf_counter()
    app = application()
    if demo or screenshots is not None:
        # Screenshots need the demo comparison finished in seconds: fast-forward the
        # simulator (it still reports the card's real speeds); the live demo runs in real time.
        services = demo_services(
            registry=registry,
            time_scale=SCREENSHOT_FAST_FORWARD if screenshots is not None else 1.0)
    else:
        services = Services.create(host, registry=registry)
    route_uncaught_errors(services)
    window = MainWindow(services)
    tracker = ReadyTracker(window.pages, window)
    app.aboutToQuit.connect(services.close)
    services.connection.probe()
    window.show()
    probe_hardware_after_first_screen(services, window, tracker)

    if screenshots is not None:
        from quantdesk.ui.screenshots import SIZE, folder_for, report, take_screenshots

        written, late = [], []
        chosen = sizes or [SIZE]
        prepared: set[str] = set()
        for size in chosen:
            files, slow = take_screenshots(window, tracker, folder_for(screenshots, size, chosen),
                                           size=size, prepared=prepared)
            written += files
            late += [key for key in slow if key not in late]
        window.close()
        services.close()
        return report(written, late, window.page_errors)

    if exit_when_ready or os.environ.get(EXIT_WHEN_READY_ENV):
        _exit_when_ready(app, window, tracker, started)
    return app.exec()


# The latest the hardware probe waits for the first page's data (a daemon that never answers).
FIRST_SCREEN_WAIT_MS = 1500


def probe_hardware_after_first_screen(services: Services, window: MainWindow,
                                      tracker: ReadyTracker) -> None:
    """The hardware probe (importing and starting the GPU libraries, /proc, a subprocess on
    some systems) runs on a worker thread but holds the interpreter while it imports, so it
    slows the first page it runs beside, and listing the models does not need it. It starts
    once the first page shows its data (or FIRST_SCREEN_WAIT_MS after start at the latest);
    the fit column fills after it."""
    key = window.current_page_key() if window.page_specs else ""
    started = False

    def probe() -> None:
        nonlocal started
        if not started:
            started = True
            services.hardware.probe()

    if not key or tracker.is_ready(key):
        QTimer.singleShot(0, probe)
        return
    # Queued: the page paints its data first, and whatever else waits on it runs first.
    tracker.page_ready.connect(lambda k: QTimer.singleShot(0, probe) if k == key else None)
    QTimer.singleShot(FIRST_SCREEN_WAIT_MS, probe)


def _exit_when_ready(
    app: QApplication, window: MainWindow, tracker: ReadyTracker, started: float
) -> None:
    """For the start-up benchmark: print how long until the first page showed its data."""
    key = window.current_page_key() if window.page_specs else ""

    # The idle-CPU benchmark keeps the app open this many seconds after it is ready.
    linger_s = float(os.environ.get("QUANTDESK_LINGER_S", "0") or 0)

    def done() -> None:
        rss = resident_bytes()
        # cpu: this process's CPU seconds since it started (interpreter and imports
        # included), a figure a busy machine disturbs less than the wall clock.
        print(f"ready {time.perf_counter() - started:.3f} s page={key} "
              f"cpu={time.process_time():.3f} rss={rss}", flush=True)
        QTimer.singleShot(int(linger_s * 1000), lambda: (window.close(), app.quit()))

    if tracker.is_ready(key):
        QTimer.singleShot(0, done)
    else:
        tracker.page_ready.connect(lambda k: done() if k == key else None)


def resident_bytes() -> int:
    """This process's resident memory now. Linux's /proc answers without importing psutil
    (whose import would count in the start-up time it reports)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import psutil

        return int(psutil.Process().memory_info().rss)


def route_uncaught_errors(services: Services) -> None:
    """An exception nothing caught, on any thread or on the I/O loop, is logged and shown
    through the notifier (the window's tray or status bar) instead of vanishing."""
    report = services.notifier.report_exception
    post = services.bridge.post

    def main_hook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        log.error("uncaught exception", exc_info=(kind, exc, tb))
        post(report, "the app", exc)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.error("uncaught exception in thread %s", getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        if args.exc_value is not None:
            post(report, f"thread {getattr(args.thread, 'name', '?')}", args.exc_value)

    def loop_hook(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        loop.default_exception_handler(context)
        exc = context.get("exception")
        post(report, "the I/O loop",
             exc if isinstance(exc, BaseException) else RuntimeError(context.get("message")))

    sys.excepthook = main_hook
    threading.excepthook = thread_hook
    services.io.loop.call_soon_threadsafe(services.io.loop.set_exception_handler, loop_hook)
