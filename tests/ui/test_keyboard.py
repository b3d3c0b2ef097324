"""Keyboard-complete: page keys right after Ctrl+<n>, Enter opens a Library row, Tab reaches
Compare's variant list, the shortcut sheet (F1, Ctrl+/) built from the registered actions, a
focus ring you can see, and Help > About in plain text."""

from __future__ import annotations

from shell_support import wait_connected

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from quantdesk import __version__
from quantdesk.ui.widgets.help import ShortcutSheet

INSTALLED = ["qwen2.5:7b", "llama3.2:1b", "qwen2.5:0.5b", "gemma2:9b"]
PAGES = ("library", "running", "machine")


def active_window(make_window, sim, qtbot, pages=PAGES):
    window = make_window(sim.host, only_pages=pages)
    wait_connected(qtbot, window)
    with qtbot.waitActive(window):
        window.activateWindow()
    return window


def ctrl(qtbot, widget, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_1_then_ctrl_f_then_typing_filters_the_library(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = active_window(make_window, sim, qtbot)
    library = window.pages["library"]
    qtbot.waitUntil(lambda: library.proxy.rowCount() == 4, timeout=5000)
    ctrl(qtbot, window, Qt.Key.Key_2)
    assert window.current_page_key() == "running"
    ctrl(qtbot, QApplication.focusWidget() or window, Qt.Key.Key_1)
    assert window.current_page_key() == "library"
    focus = QApplication.focusWidget()
    assert focus is not None and library.isAncestorOf(focus)  # the focus moved into the page
    ctrl(qtbot, focus, Qt.Key.Key_F)
    assert QApplication.focusWidget() is library.filter_edit
    qtbot.keyClicks(QApplication.focusWidget(), "qwen")
    qtbot.waitUntil(lambda: library.proxy.rowCount() == 2, timeout=2000)
    assert library.filter_edit.text() == "qwen"


def test_enter_on_a_library_row_opens_its_details(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = active_window(make_window, sim, qtbot)
    library = window.pages["library"]
    qtbot.waitUntil(lambda: library.proxy.rowCount() == 4, timeout=5000)
    ctrl(qtbot, window, Qt.Key.Key_1)
    assert QApplication.focusWidget() is library.table
    library.select("llama3.2:1b")
    qtbot.keyClick(library.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: library.details_dialog is not None, timeout=5000)
    qtbot.addWidget(library.details_dialog)
    assert "llama3.2:1b" in library.details_dialog.windowTitle()


def test_tab_reaches_compares_variant_list(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = active_window(make_window, sim, qtbot, pages=("library", "compare"))
    window.show_page("compare")
    target = window.pages["compare"].setup.variant_list
    reached = []
    for _ in range(40):
        reached.append(QApplication.focusWidget())
        if QApplication.focusWidget() is target:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is target, [type(w).__name__ for w in reached]


def sheet_rows(sheet: ShortcutSheet) -> set[tuple[str, str, str]]:
    return {(s.group, s.text, s.keys) for s in sheet.shortcuts}


def native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def test_f1_and_ctrl_slash_show_a_sheet_built_from_the_actions(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    window = active_window(make_window, sim, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    sheets = [w for w in window.findChildren(ShortcutSheet) if w.isVisible()]
    assert len(sheets) == 1
    rows = sheet_rows(sheets[0])
    assert ("Everywhere", "Switch model", native("Ctrl+K")) in rows
    assert ("Everywhere", "Keyboard shortcuts", f"{native('F1')}, {native('Ctrl+/')}") in rows
    assert ("Library", "Filter models", native("Ctrl+F")) in rows
    assert ("Running", "Unload selected", native("Del")) in rows
    assert ("Everywhere", "Unload all", native("Ctrl+Shift+U")) in rows
    sheets[0].close()
    # A key added later appears without anyone editing the sheet: it cannot go stale.
    extra = QAction("Do a new thing", window.pages["machine"])
    extra.setShortcut(QKeySequence("Ctrl+Alt+N"))
    window.pages["machine"].addAction(extra)
    ctrl(qtbot, window, Qt.Key.Key_Slash)
    sheets = [w for w in window.findChildren(ShortcutSheet) if w.isVisible()]
    assert ("Machine", "Do a new thing", native("Ctrl+Alt+N")) in sheet_rows(sheets[-1])


def ring_pixels(image: QImage, rgb: int) -> int:
    return sum(1 for y in range(0, image.height()) for x in range(image.width())
               if image.pixel(x, y) == rgb)


def test_focus_ring_shows_on_the_sidebar_and_on_buttons(make_window, sim_factory, qtbot):
    from quantdesk.ui.resources import style_sheet

    sim = sim_factory(installed=INSTALLED)
    window = active_window(make_window, sim, qtbot)
    window.setStyleSheet(style_sheet())
    window.show_page("running")  # the focus goes into the page, away from the sidebar
    assert not window.sidebar.hasFocus()
    qtbot.wait(20)
    plain = window.sidebar.grab().toImage()
    window.sidebar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(window.sidebar.hasFocus, timeout=1000)
    qtbot.wait(20)
    ring = window.sidebar.palette().color(QPalette.ColorRole.Link).rgb()
    assert ring_pixels(window.sidebar.grab().toImage(), ring) > 4 * ring_pixels(plain, ring) + 40
    button = window.pages["running"].findChild(QPushButton)
    window.show_page("running")
    button.setEnabled(True)
    button.clearFocus()
    qtbot.wait(20)
    plain = button.grab().toImage()
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus, timeout=1000)
    qtbot.wait(20)
    assert button.grab().toImage() != plain


def test_about_names_the_versions_in_plain_text(make_window, sim_factory, qtbot):
    sim = sim_factory(version="0.31.2")
    window = active_window(make_window, sim, qtbot)
    box = window.show_about()
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText
    text = box.text()
    assert f"QuantDesk {__version__}" in text
    assert f"Ollama 0.31.2 at {window.services.connection.state.display_host}" in text
    assert "https://ollama.com" in text
