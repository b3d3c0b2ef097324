"""Start-up builds the first screen only: the other pages, their modules and the services only
they use come when first shown or asked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from shell_support import wait_connected

from quantdesk.ui.lazy_pages import BrokenPage
from quantdesk.ui.page_registry import PAGE_SPECS, PageSpec, page_class
from quantdesk.ui.ready import ReadyTracker


def test_only_the_first_screen_is_built_at_start(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=None)
    keys = [spec.key for spec in window.page_specs]
    assert list(window.pages) == keys and len(window.pages) == len(keys)
    assert list(window.pages.built()) == ["library"]
    assert window.stack.currentWidget() is window.pages.built()["library"]
    # The sidebar and the Go menu name every page without building it.
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles == ["Library", "Variants", "Downloads", "Running", "Compare", "Machine", "Chat"]
    assert [a.text() for a in window.page_actions] == titles
    assert "compare" in window.pages and list(window.pages.built()) == ["library"]
    for name in ("compare", "compare_store", "compare_history", "variants", "predictions"):
        assert window.services.built(name) is None, name


def test_a_page_is_built_when_first_shown_and_kept(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=None)
    tracker = ReadyTracker(window.pages, window)
    window.show_page("machine")
    built = window.pages.built()
    assert list(built) == ["library", "machine"]
    page = built["machine"]
    assert window.stack.currentWidget() is page
    assert window.stack.indexOf(page) == [s.key for s in window.page_specs].index("machine")
    assert window.stack.count() == window.sidebar.count()
    # The tracker heard of the page built after it: the Machine page reports ready.
    qtbot.waitUntil(lambda: tracker.is_ready("machine"), timeout=10_000)
    window.show_page("library")
    window.show_page("machine")
    assert window.pages["machine"] is page  # built once


def test_looking_a_page_up_builds_it_without_showing_it(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=None)
    running = window.pages["running"]
    assert window.current_page_key() == "library"
    assert window.stack.currentWidget() is window.pages["library"]
    assert window.stack.widget(window.stack.indexOf(running)) is running
    assert window.services.built("predictions") is not None  # the Running page uses it


def test_each_spec_names_the_title_and_icon_its_page_has():
    for spec in PAGE_SPECS:
        cls = page_class(spec)
        assert cls is not None, spec.key
        assert (spec.title, spec.icon) == (cls.TITLE, cls.ICON)  # type: ignore[attr-defined]


@pytest.mark.warning_logs_expected  # the page's failure is logged on purpose
def test_a_page_that_fails_to_build_says_so_in_its_place(make_window, sim, qtbot, monkeypatch,
                                                         tmp_path):
    from quantdesk.ui import page_registry

    pkg = tmp_path / "lazybroken"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text("raise RuntimeError('the page module is broken')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(page_registry, "PAGE_SPECS", (
        *PAGE_SPECS[:1], PageSpec("bad", "lazybroken.bad", title="Bad", icon="machine")))
    window = make_window(sim.host, only_pages=None)
    assert [s.key for s in window.page_specs] == ["library", "bad"]
    assert window.page_errors == {}
    window.show_page("bad")
    assert isinstance(window.stack.currentWidget(), BrokenPage)
    assert "the page module is broken" in window.page_errors["bad"]
    window.show_page("library")
    wait_connected(qtbot, window)
    sys.modules.pop("lazybroken", None)
    sys.modules.pop("lazybroken.bad", None)


def test_absent_page_module_is_not_listed_and_a_bare_spec_is_titled_by_its_page(
        make_window, sim, monkeypatch):
    from quantdesk.ui import page_registry

    monkeypatch.setattr(page_registry, "PAGE_SPECS", (
        PageSpec("nope", "quantdesk.ui.pages.does_not_exist", title="Nope"), *PAGE_SPECS[:1],
        PageSpec("machine", "quantdesk.ui.pages.machine", "MachinePage")))
    window = make_window(sim.host, only_pages=None)
    assert [(s.key, s.title, s.icon) for s in window.page_specs] == [
        ("library", "Library", "library"), ("machine", "Machine", "machine")]
    assert window.page_errors == {}


# A fresh interpreter: which modules the first screen pulls in (the test process has them all).
PROBE = """
import json, sys
from quantdesk.core.config import Settings
from quantdesk.ui.app import application
from quantdesk.ui.main_window import MainWindow
from quantdesk.ui.services.container import Services
app = application()
services = Services.create(sys.argv[1], settings=Settings())
window = MainWindow(services)
services.connection.probe()
window.show()
app.processEvents()
loaded = sorted(sys.modules)
window.close()
services.close()
print(json.dumps(loaded))
"""


def test_the_first_screen_leaves_other_pages_and_charts_unimported(sim, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "QUANTDESK_CONFIG_DIR": str(tmp_path / "config"),
           "QUANTDESK_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", PROBE, sim.host], capture_output=True,
                         text=True, env=env, timeout=120, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "quantdesk.ui.pages.library" in loaded
    for name in ("pyqtgraph", "quantdesk.ui.pages.compare", "quantdesk.ui.pages.variants",
                 "quantdesk.ui.pages.downloads", "quantdesk.ui.pages.running",
                 "quantdesk.ui.pages.machine", "quantdesk.ui.services.compare",
                 "quantdesk.core.compare.runner", "quantdesk.core.advice.plan",
                 # the hardware probe's modules come with the probe, after the first screen
                 "quantdesk.core.hardware", "pynvml", "psutil",
                 "quantdesk.ui.dialogs.settings"):
        assert name not in loaded, name


def _window_probing_after_first_screen(make_services, qtbot, monkeypatch, host: str
                                       ) -> tuple[ReadyTracker, list[bool]]:
    """A window started as ``quantdesk gui`` starts it; the list records, at each hardware
    probe, whether the Library had shown its data."""
    from quantdesk.ui.app import probe_hardware_after_first_screen
    from quantdesk.ui.main_window import MainWindow

    services = make_services(host)
    window = MainWindow(services, only_pages=None)
    qtbot.addWidget(window)
    tracker = ReadyTracker(window.pages, window)
    ready_at_probe: list[bool] = []
    monkeypatch.setattr(services.hardware, "probe",
                        lambda: ready_at_probe.append(tracker.is_ready("library")))
    probe_hardware_after_first_screen(services, window, tracker)
    services.connection.probe()
    window.show()
    return tracker, ready_at_probe


def test_the_hardware_probe_waits_until_the_library_shows_its_models(
        make_services, sim, qtbot, monkeypatch):
    from quantdesk.ui.app import FIRST_SCREEN_WAIT_MS

    _tracker, ready_at_probe = _window_probing_after_first_screen(
        make_services, qtbot, monkeypatch, sim.host)
    qtbot.waitUntil(lambda: bool(ready_at_probe), timeout=10_000)
    qtbot.wait(FIRST_SCREEN_WAIT_MS + 300)  # the latest-start timer does not probe again
    assert ready_at_probe == [True]


def test_without_a_daemon_the_hardware_probe_starts_after_a_bounded_wait(
        make_services, qtbot, monkeypatch):
    from quantdesk.ui.app import FIRST_SCREEN_WAIT_MS

    _tracker, ready_at_probe = _window_probing_after_first_screen(
        make_services, qtbot, monkeypatch, "127.0.0.1:9")  # discard port: nothing answers
    qtbot.waitUntil(lambda: bool(ready_at_probe), timeout=FIRST_SCREEN_WAIT_MS + 3000)
    qtbot.wait(300)
    assert len(ready_at_probe) == 1
