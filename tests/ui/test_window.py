"""The main window: pages, shortcuts, status bar, accessibility, remembered state."""

from __future__ import annotations

import pytest
from shell_support import wait_connected

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from quantdesk.ui.page_registry import PAGE_SPECS, available_pages


def test_window_opens_with_the_shell_pages_in_sidebar_order(make_window, sim):
    window = make_window(sim.host, only_pages=None)
    keys = [spec.key for spec in window.page_specs]
    assert "running" in keys and "machine" in keys
    assert "compare" in keys  # the comparison issue has filled it
    assert keys == [s.key for s in PAGE_SPECS if s.key in keys]
    assert window.sidebar.count() == window.stack.count() == len(keys)
    assert window.page_errors == {}
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert "Running" in titles and "Machine" in titles


def test_ctrl_number_shows_each_page(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=None)
    with qtbot.waitActive(window):
        window.activateWindow()
    for n, spec in enumerate(window.page_specs, start=1):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page_key() == spec.key
        assert window.stack.currentWidget() is window.pages[spec.key]


def test_status_bar_shows_connected_version_and_gauge(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b"], loaded=["llama3.2:3b"], version="0.31.2")
    window = make_window(sim.host, only_pages=None)
    wait_connected(qtbot, window)
    text = window.status.daemon.text()
    assert f"Connected to {sim.host}" in text and "Ollama 0.31.2" in text
    qtbot.waitUntil(lambda: window.status.vram_used > 0, timeout=5000)
    used = sum(m.size_vram for m in window.services.running.models)
    total = window.services.hardware.machine.total_vram_bytes
    assert window.status.vram_used == used
    assert window.status.gauge.value() == round(1000 * used / total)


def test_every_interactive_widget_has_an_accessible_name(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=None)
    wait_connected(qtbot, window)
    kinds = (QAbstractButton, QLineEdit, QComboBox, QSpinBox, QAbstractItemView)
    shell_pages = [window.pages[k] for k in ("running", "machine")]
    widgets: list[QWidget] = [window.sidebar, window.banner, window.status,
                              window.palette_dialog, *shell_pages]
    missing = []
    for root in widgets:
        for w in [root, *root.findChildren(QWidget)]:
            if isinstance(w, kinds) and w.focusPolicy() != Qt.FocusPolicy.NoFocus:
                name = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton)
                                              else "")
                if not name and not isinstance(w.parent(), (QComboBox, QAbstractItemView,
                                                             QSpinBox)):
                    missing.append(f"{type(w).__name__} in {type(root).__name__}")
    assert missing == []


def test_geometry_and_page_are_remembered(make_window, sim, qtbot, _config_dir):
    window = make_window(sim.host, only_pages=None)
    # The offscreen screen is 800 px wide: restoring clamps widths, so the height tells.
    window.resize(900, 560)
    saved = window.size()
    assert saved.height() == 560
    window.show_page("machine")
    window.close()
    assert (_config_dir / "window.ini").exists()
    again = make_window(sim.host, only_pages=None)
    assert again.current_page_key() == "machine"
    assert again.height() == saved.height()


def test_absent_page_module_is_left_out(monkeypatch):
    from quantdesk.ui import page_registry
    from quantdesk.ui.page_registry import PageSpec

    monkeypatch.setattr(page_registry, "PAGE_SPECS", (
        PageSpec("nope", "quantdesk.ui.pages.does_not_exist"),
        PageSpec("machine", "quantdesk.ui.pages.machine", "MachinePage"),
    ))
    errors: dict[str, str] = {}
    assert [s.key for s, _cls in available_pages(errors)] == ["machine"]
    assert errors == {}


@pytest.mark.warning_logs_expected  # the broken page's import error is logged on purpose
def test_broken_page_is_reported_not_fatal(monkeypatch, tmp_path):
    import sys

    from quantdesk.ui import page_registry
    from quantdesk.ui.page_registry import PageSpec

    pkg = tmp_path / "brokenpages"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text("import quantdesk.ui.no_such_helper\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(page_registry, "PAGE_SPECS", (PageSpec("bad", "brokenpages.bad"),))
    errors: dict[str, str] = {}
    assert available_pages(errors) == []
    assert "no_such_helper" in errors["bad"]
    sys.modules.pop("brokenpages", None)
