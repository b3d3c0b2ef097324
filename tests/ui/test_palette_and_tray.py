"""Ctrl+K switcher palette and the tray menu: filter, pick, switch."""

from __future__ import annotations

from shell_support import wait_connected

from PySide6.QtCore import Qt

from quantdesk.ui.widgets.palette import SwitcherPalette
from quantdesk.ui.widgets.tray import TrayMenu

INSTALLED = ["llama3.2:3b", "qwen2.5:0.5b", "qwen2.5:7b", "llama3.2:1b"]


def test_palette_filters_case_insensitively_and_puts_loaded_first(qtbot):
    palette = SwitcherPalette()
    qtbot.addWidget(palette)
    palette.set_models(sorted(INSTALLED), loaded={"qwen2.5:7b"})
    assert palette.visible_names()[0] == "qwen2.5:7b"
    palette.filter.setText("QWEN")
    assert sorted(palette.visible_names()) == ["qwen2.5:0.5b", "qwen2.5:7b"]
    palette.filter.setText("3b")
    assert palette.visible_names() == ["llama3.2:3b"]
    palette.filter.setText("mistral")
    assert palette.visible_names() == [] and "No installed model" in palette.hint.text()


def test_palette_arrow_keys_then_enter_chooses(qtbot):
    palette = SwitcherPalette()
    qtbot.addWidget(palette)
    palette.set_models(INSTALLED)
    palette.open_palette()
    palette.filter.setText("llama")
    first, second = palette.visible_names()
    qtbot.keyClick(palette.filter, Qt.Key.Key_Down)
    assert palette.current_name() == second
    with qtbot.waitSignal(palette.chosen) as blocker:
        qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert blocker.args == [second] and first != second
    assert not palette.isVisible()


def test_ctrl_k_anywhere_opens_palette_and_enter_switches(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED, loaded=["llama3.2:3b"])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: len(window.services.installed.names) == 4, timeout=5000)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_page("machine")
    qtbot.keyClick(window.pages["machine"], Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    palette = window.palette_dialog
    qtbot.waitUntil(palette.isVisible, timeout=2000)
    qtbot.keyClicks(palette.filter, "0.5b")
    assert palette.visible_names() == ["qwen2.5:0.5b"]
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000):
        qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert sim.loaded_names() == ["qwen2.5:0.5b"]
    assert window.current_page_key() == "running"


def test_tray_menu_lists_loaded_and_recent_and_switches(qtbot):
    menu = TrayMenu()
    qtbot.addWidget(menu)
    menu.set_models(loaded=["a:1"], recent=["b:2", "a:1", "c:3"])
    actions = {a.text(): a for a in menu.model_actions()}
    assert list(actions) == ["a:1", "b:2", "c:3"]  # a loaded model is not repeated as recent
    assert actions["a:1"].isChecked() and not actions["b:2"].isChecked()
    with qtbot.waitSignal(menu.switch_requested) as blocker:
        actions["c:3"].trigger()
    assert blocker.args == ["c:3"]


def test_tray_follows_running_models_and_switches(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED, loaded=["llama3.2:1b"])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: [a.text() for a in window.tray_menu.model_actions()]
                    == ["llama3.2:1b"], timeout=5000)
    window.services.running.set_recent(["qwen2.5:7b"])
    window.tray_menu.set_models(recent=["qwen2.5:7b"])
    target = next(a for a in window.tray_menu.model_actions() if a.text() == "qwen2.5:7b")
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000):
        target.trigger()
    assert sim.loaded_names() == ["qwen2.5:7b"]
