"""Closing to the tray: asked once, remembered, the app keeps working in the tray, and Quit
quits. The desktop here (offscreen) has no tray, so the test gives the window an icon, as a
desktop with a tray would."""

from __future__ import annotations

from shell_support import answer_next_dialog, wait_connected

from PySide6.QtWidgets import QSystemTrayIcon

from quantdesk.ui.widgets.close_question import CLOSE_KEY
from quantdesk.ui.window_state import window_settings

INSTALLED = ["qwen2.5:0.5b", "llama3.2:1b"]


def window_with_tray(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=("running", "machine"))
    window.tray.icon = QSystemTrayIcon(window.tray)
    wait_connected(qtbot, window)
    return window


def test_first_close_asks_then_the_app_works_on_in_the_tray(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = window_with_tray(make_window, sim, qtbot)
    seen = answer_next_dialog("Keep running in the tray")
    window.close_window()
    assert "Keep QuantDesk running in the tray" in seen[0]
    assert not window.isVisible() and window.in_tray
    assert window_settings().value(CLOSE_KEY) == "tray"
    assert window.keep_in_tray_action.isChecked()
    assert window.services.running._mode == "background"  # the tray stays current
    # Switch from the tray while the window is hidden.
    qtbot.waitUntil(lambda: len(window.tray_menu.switch_actions()) == 2, timeout=5000)
    target = next(a for a in window.tray_menu.switch_actions() if a.data() == "llama3.2:1b")
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000):
        target.trigger()
    assert sim.loaded_names() == ["llama3.2:1b"]
    qtbot.waitUntil(lambda: [a.data() for a in window.tray_menu.model_actions()]
                    == ["llama3.2:1b"], timeout=5000)
    # Back from the tray; the next close does not ask again.
    window.tray_menu.show_requested.emit()
    assert window.isVisible() and not window.in_tray
    seen = answer_next_dialog("Quit QuantDesk", tries=5)
    window.close_window()
    qtbot.wait(200)
    assert seen == [] and not window.isVisible() and window.in_tray
    # Quit from the tray menu quits for real.
    window.tray_menu.show_requested.emit()
    quit_action = next(a for a in window.tray_menu.actions() if a.text() == "Quit QuantDesk")
    quit_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    assert not window.in_tray
    assert window.services.running._mode == "stopped"


def test_choosing_quit_closes_and_is_remembered(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = window_with_tray(make_window, sim, qtbot)
    answer_next_dialog("Quit QuantDesk")
    window.close_window()
    assert not window.isVisible() and not window.in_tray
    assert window_settings().value(CLOSE_KEY) == "quit"
    assert not window.keep_in_tray_action.isChecked()


def test_without_a_tray_closing_quits_without_asking(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = make_window(sim.host, only_pages=("running", "machine"))
    window.tray.icon = None
    seen = answer_next_dialog("Keep running in the tray", tries=5)
    window.close_window()
    qtbot.wait(200)
    assert seen == [] and not window.isVisible() and not window.in_tray
