"""Inside the soak's child process: the demo app, offscreen, driven through its pages' own
controls at random (seeded) moments until the time is up; then one ``soak-result {json}`` line
with what was done, every WARNING-or-worse message, and the resident memory. Run it through
``python -m bench.soak`` (which catches a crash of this process)."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import logging
import random
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QDialog

from quantdesk.sim import SimDaemon
from quantdesk.sim.launch import Simulated, machine_of
from quantdesk.ui.app import application, resident_bytes, route_uncaught_errors
from quantdesk.ui.demo import DEMO_INSTALLED, DEMO_LOADED, DEMO_RAM, DEMO_VRAM
from quantdesk.ui.main_window import MainWindow
from quantdesk.ui.ready import ReadyTracker
from quantdesk.ui.services.container import Services

# Models the simulated registry has and the demo has not installed: pulled, then cancelled.
PULLABLE = ("llama3.2:1b", "qwen2.5:0.5b", "llama3.2:1b-instruct-q8_0", "qwen2.5:1.5b")
LOOKUPS = ("llama3.1", "qwen2.5", "llama3.2:3b", "mistral")
# Qt's offscreen platform says so whenever a window asks for something it has no use for
# (raise(), propagateSizeHints()): not a fault of the app.
QT_NOTICE = "This plugin does not support "


def demo_daemon(time_scale: float) -> SimDaemon:
    """The simulated daemon ``gui --demo`` starts, not yet started. The soak runs it in its
    own process (``bench.soak``), so the app's memory is measured without the simulator's
    (whose header caches hold up to hundreds of MB by design)."""
    return SimDaemon(installed=list(DEMO_INSTALLED), loaded=[DEMO_LOADED],
                     vram_bytes=DEMO_VRAM, ram_bytes=DEMO_RAM, time_scale=time_scale)


def demo_app_services(host: str, registry: str, time_scale: float) -> Services:
    """Services as ``gui --demo`` builds them (the simulator's machine and registry), for a
    simulator already serving at ``host``."""
    sim = Simulated(demo_daemon(time_scale), host, machine_of(demo_daemon(time_scale)),
                    registry)
    services = Services.create(host, registry=registry)
    services.hardware.use_machine(sim.machine, sim.view)
    return services


class Problems(logging.Handler):
    """Every WARNING or worse from Python logging and from Qt, as text."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(text)

    def qt(self, kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) or message.startswith(QT_NOTICE):
            return
        target = self.warnings if kind == QtMsgType.QtWarningMsg else self.errors
        target.append(f"Qt: {message}")


class Driver:
    def __init__(self, window: MainWindow, rng: random.Random, problems: Problems,
                 only: set[str] | None = None) -> None:
        self.window, self.rng, self.problems = window, rng, problems
        self.services = window.services
        self.actions: Counter[str] = Counter()
        self.kinds_done: set[str] = set()  # the kinds of action done at least once
        self.running = True
        choices: list[tuple[Callable[[], None], int]] = [
            (self.switch_page, 6), (self.refresh, 3), (self.pull_and_cancel, 2),
            (self.load, 2), (self.unload, 1), (self.switch_model, 2), (self.compare, 1),
            (self.look_up_variants, 1), (self.palette, 1),
        ]
        # --only: some kinds of action alone (to tell which one a leak or a crash follows)
        self._choices = [(a, w) for a, w in choices if only is None or a.__name__ in only]
        self.kinds = {a.__name__ for a, _ in self._choices}

    def warmed_up(self) -> bool:
        return self.kinds <= self.kinds_done

    def resume(self) -> None:
        self.running = True
        self.step()

    def later(self, low_ms: int, high_ms: int, action: Callable[[], None]) -> None:
        QTimer.singleShot(self.rng.randint(low_ms, high_ms), lambda: self._do(action))

    def _do(self, action: Callable[[], None]) -> None:
        self.kinds_done.add(action.__name__)
        try:
            action()
        except Exception as exc:  # recorded, and the soak goes on to find more
            logging.getLogger("soak").error("%s raised", action.__name__, exc_info=exc)

    def step(self) -> None:
        if not self.running:
            return
        self._close_dialogs()
        actions, weights = zip(*self._choices, strict=True)
        self._do(self.rng.choices(actions, weights)[0])
        self.later(40, 400, self.step)

    def _close_dialogs(self) -> None:
        # A question the app asks (a modal dialog) is answered "no" as a hesitant user would.
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QDialog):
            self.actions["dialog answered no"] += 1
            modal.reject()

    def _count(self, what: str) -> None:
        self.actions[what] += 1

    # -- what a user does ------------------------------------------------------------------

    def switch_page(self) -> None:
        self.window.show_page(self.rng.choice(self.window.page_specs).key)
        self._count("page switch")

    def refresh(self) -> None:
        self.window.refresh_current()
        self._count("refresh")

    def pull_and_cancel(self) -> None:
        page = self.window.pages["downloads"]
        name = self.rng.choice(PULLABLE)
        page.name_edit.setText(name)  # type: ignore[attr-defined]
        page.pull_typed()  # type: ignore[attr-defined]
        self._count("pull queued")
        self.later(200, 4000, lambda: self._cancel_pull(name))

    def _cancel_pull(self, name: str) -> None:
        pulls = self.services.pulls
        state = pulls.state(name)
        if state is not None and state.active:
            pulls.cancel(name)
            self._count("pull cancelled")
        self.later(100, 1500, lambda: self._remove_pull(name))

    def _remove_pull(self, name: str) -> None:
        state = self.services.pulls.state(name)
        if state is not None and not state.active:
            self.services.pulls.remove(name)
        if name in self.services.installed.names:  # it finished before the cancel
            self.services.library.delete(name)
            self._count("pulled model deleted")

    def load(self) -> None:
        library = self.window.pages["library"]
        if library.select(self.rng.choice(DEMO_INSTALLED)):  # type: ignore[attr-defined]
            library.load_selected()  # type: ignore[attr-defined]
            self._count("load")

    def unload(self) -> None:
        loaded = [m.name for m in self.services.running.models]
        if loaded:
            self.services.running.unload(self.rng.choice(loaded))
            self._count("unload")

    def switch_model(self) -> None:
        self.window.switch_to(self.rng.choice(DEMO_INSTALLED))
        self._count("model switch")

    def compare(self) -> None:
        page = self.window.pages["compare"]
        if page.service.active:  # type: ignore[attr-defined]
            page.stop()  # type: ignore[attr-defined]
            self._count("comparison stopped")
            return
        models = self.rng.sample(DEMO_INSTALLED[:5], 2)
        setup = page.setup  # type: ignore[attr-defined]
        for name in models:
            setup.add_variant(name, True)
        setup.set_checked(models)
        setup.use_task_set("mixed", self.rng.randint(1, 3))
        setup.num_predict.setValue(24)
        page.run_comparison()  # type: ignore[attr-defined]
        self._count("comparison started")
        self.later(500, 8000, self._stop_comparison)

    def _stop_comparison(self) -> None:
        page = self.window.pages["compare"]
        if page.service.active:  # type: ignore[attr-defined]
            page.stop()  # type: ignore[attr-defined]
            self._count("comparison stopped")

    def look_up_variants(self) -> None:
        self.window.pages["variants"].show_model(self.rng.choice(LOOKUPS))  # type: ignore[attr-defined]
        self._count("variants lookup")

    def palette(self) -> None:
        self.window.open_palette()
        self.later(100, 600, self.window.palette_dialog.close)
        self._count("palette")


def retained_bytes() -> tuple[int, int]:
    """Resident bytes as they are, and after the garbage collector and (glibc) malloc_trim
    have handed freed memory back: the second is what the app still holds, the figure a leak
    raises. Memory freed but kept by the allocator (a burst of allocations on the I/O
    thread's workers leaves it) is only in the first."""
    raw = resident_bytes()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the figures are the same
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return raw, resident_bytes()


def wait(ms: int) -> None:
    deadline = time.monotonic() + ms / 1000
    app = QApplication.instance()
    while time.monotonic() < deadline:
        app.processEvents()  # type: ignore[union-attr]
        time.sleep(0.005)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--host", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--only", default="", help="comma-separated action names")
    parser.add_argument("--trace-memory", action="store_true",
                        help="print the Python allocations that grew most (tracemalloc)")
    args = parser.parse_args()
    if args.trace_memory:
        tracemalloc.start(6)
    problems = Problems()
    logging.getLogger().addHandler(problems)
    qInstallMessageHandler(problems.qt)

    app = application()
    services = demo_app_services(args.host, args.registry, args.time_scale)
    route_uncaught_errors(services)
    window = MainWindow(services)
    tracker = ReadyTracker(window.pages, window)
    services.start()
    window.show()
    if not tracker.wait("library", 30_000):
        problems.errors.append("the Library did not fill within 30 s")
    rss_ready = resident_bytes()

    driver = Driver(window, random.Random(args.seed), problems,
                    set(args.only.split(",")) if args.only else None)
    # Warm-up: every page opened once, then actions until each kind has been done at least
    # once (and for warm_s at least): the start figure then holds what any session builds
    # once (pages, charts, the comparison engine, the allocator's first high-water marks).
    for spec in window.page_specs:
        window.show_page(spec.key)
        wait(300)
    warm_s = min(20.0, args.seconds * 0.2)
    warm_started = time.monotonic()
    driver.step()
    wait(int(warm_s * 1000))
    while not driver.warmed_up() and time.monotonic() - warm_started < args.seconds * 0.4:
        wait(500)
    # Both figures are taken the same way: actions paused, what runs wound down.
    driver.running = False
    _settle(window)
    raw_start, rss_start = retained_bytes()
    warm_s = time.monotonic() - warm_started
    driver.resume()
    before = tracemalloc.take_snapshot() if args.trace_memory else None
    started = time.monotonic()
    samples = []
    while time.monotonic() - started < args.seconds - warm_s:
        wait(5000)
        samples.append(resident_bytes())
        print(f"soak: {time.monotonic() - started + warm_s:5.0f} s, "
              f"{samples[-1] / 1e6:.1f} MB, {sum(driver.actions.values())} actions, "
              f"{threading.active_count()} threads, {len(gc.get_objects())} objects, "
              f"{len(QApplication.allWidgets())} widgets", flush=True)
    driver.running = False
    _settle(window)
    raw_end, rss_end = retained_bytes()
    if before is not None:
        grown = tracemalloc.take_snapshot().compare_to(before, "traceback")
        for stat in grown[:8]:
            print(f"soak: grew {stat.size_diff / 1e6:+.1f} MB in {stat.count_diff:+d} blocks",
                  *(f"soak:   {line}" for line in stat.traceback.format()[-6:]), sep="\n",
                  flush=True)
    window.close()
    services.close()
    app.processEvents()
    result = {"actions": dict(driver.actions), "warnings": problems.warnings,
              "errors": problems.errors, "rss_ready": rss_ready, "rss_start": rss_start,
              "rss_end": rss_end, "raw_start": raw_start, "raw_end": raw_end,
              "rss_samples": samples, "warm_s": warm_s}
    print("soak-result " + json.dumps(result), flush=True)
    return 1 if problems.warnings or problems.errors else 0


def _settle(window: MainWindow) -> None:
    """Stop what is running (a comparison, pulls) and let it and any model lookup (a GGUF
    header read holds several MB while it runs) wind down before measuring."""
    services = window.services
    compare = services.built("compare")
    if compare is not None and compare.active:
        window.pages["compare"].stop()  # type: ignore[attr-defined]
    services.pulls.cancel_all()
    lookups = [s for s in (services.built("variants"), services.built("compare_ladders"))
               if s is not None]

    def busy() -> bool:
        return (window.active_work() or (compare is not None and compare.active)
                or any(s.running(q) for s in lookups for q in LOOKUPS))

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and busy():
        wait(100)
    wait(1000)
    if QApplication.activeModalWidget() is not None:
        QApplication.activeModalWidget().close()  # type: ignore[union-attr]


if __name__ == "__main__":
    raise SystemExit(main())
