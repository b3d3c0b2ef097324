"""What using the app in a real 1024×640 X window showed, each as a geometry or state check
in the real main window against the simulator."""

from __future__ import annotations

from shell_support import wait_connected

from PySide6.QtCore import QPoint, QRect, Qt

from quantdesk.ui.pages import running as running_page

SMALL = (1024, 640)


def _in_window(window, widget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def test_running_empty_hint_moves_nothing(make_window, sim_factory, qtbot):
    """The hint used to sit above the table and push it 20 px down when the last model went:
    a second click landed a row lower. It now shows inside the empty table."""
    sim = sim_factory(installed=["llama3.2:3b"], loaded=["llama3.2:3b"])
    window = make_window(sim.host, only_pages=("running",))
    window.resize(*SMALL)
    wait_connected(qtbot, window)
    window.show_page("running")
    page = window.pages["running"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert not page.empty_hint.isVisible()
    qtbot.wait(50)
    table_at, buttons_at = (_in_window(window, page.table),
                            _in_window(window, page.unload_all_button))
    page.unload_all_button.click()
    qtbot.waitUntil(lambda: page.empty_hint.isVisible(), timeout=10_000)
    qtbot.wait(50)
    # Its rows start where they did (the details panel below may shrink: nothing under it).
    assert _in_window(window, page.table).topLeft() == table_at.topLeft()
    assert _in_window(window, page.unload_all_button) == buttons_at
    hint = page.empty_hint
    assert hint.text() == running_page.EMPTY_HINT
    # Whole (wrapped, not cut) inside the table's empty area.
    assert page.table.viewport().rect().contains(hint.geometry())
    assert hint.height() >= hint.heightForWidth(hint.width())
    # Clicks go through to the table under it.
    assert hint.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    # A wider window re-lays it across the wider table.
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: hint.width() == page.table.viewport().width() - 16, timeout=2000)
    page.switch_to_chosen()
    qtbot.waitUntil(lambda: not page.empty_hint.isVisible(), timeout=10_000)
