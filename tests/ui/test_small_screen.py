"""What a real 1024×640 X screen with a window manager showed, each as a geometry check: the
window opens inside the screen, a long status line never widens it past the screen, a
focused button keeps its whole label, and the eviction notice leaves the page title readable."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QRect
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from quantdesk.core.loaded_lines import Gauge, StatusLines
from quantdesk.core.restore import RestoreResult
from quantdesk.ui.resources import style_sheet
from quantdesk.ui.window_state import FRAME_ALLOWANCE, fitted_geometry

SMALL = (1024, 640)
INSTALLED = ["llama3.1:8b", "llama3.1:8b-instruct-q8_0", "qwen2.5:7b"]


def test_a_default_or_remembered_size_is_brought_inside_a_smaller_screen():
    room = QRect(0, 0, 1024, 640)
    # The 1280×800 default: as wide and tall as the screen less the frame, at its corner.
    assert fitted_geometry(QRect(0, 0, 1280, 800), room) == QRect(
        0, 0, 1024 - FRAME_ALLOWANCE.width(), 640 - FRAME_ALLOWANCE.height())
    # Remembered on a larger monitor, off to the right: moved back, its size kept.
    assert fitted_geometry(QRect(1500, 900, 800, 500), room) == QRect(224, 140, 800, 500)
    # Already inside: untouched.
    assert fitted_geometry(QRect(10, 20, 900, 560), room) == QRect(10, 20, 900, 560)
    # A screen whose work area starts below a top panel.
    assert fitted_geometry(QRect(0, 0, 1280, 800), QRect(0, 28, 1366, 740)).top() == 28


def test_the_window_opens_inside_its_screen(make_window, sim):
    """The offscreen screen is 800×800, smaller than the 1280×800 default: the window takes
    the screen's room, or its own minimum where that is wider (no page can be narrower)."""
    window = make_window(sim.host)
    room = window.screen().availableGeometry()
    assert window.width() < 1280
    assert window.width() <= max(room.width() - FRAME_ALLOWANCE.width(),
                                 window.minimumSizeHint().width())
    assert window.height() == room.height() - FRAME_ALLOWANCE.height()


@pytest.fixture
def window(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    w = make_window(sim.host, only_pages=("library", "running", "compare"))
    w.resize(*SMALL)
    qtbot.waitUntil(lambda: len(w.services.installed.names) == len(INSTALLED), timeout=5000)
    return w


def test_a_long_status_line_is_cut_and_the_window_keeps_its_width(qtbot, window):
    """Under X a loaded fp16 variant's line ("… is loaded · 16 GB · 30%/70% CPU/GPU") grew the
    window to 1062 px, past a 1024 px screen, and cut off every page's right edge."""
    qtbot.wait(50)
    headline = "llama3.1:8b-instruct-fp16 is loaded · 16 GB · 30%/70% CPU/GPU" + " · …" * 30
    gauge = Gauge(11_000_000_000, 12_000_000_000, 11 / 12, "GPU memory: 11 GB / 12 GB", "")
    window.status.set_lines(StatusLines(headline, "", False, ("llama3.1:8b-instruct-fp16",),
                                        gauge, headline))
    line = f"· {headline}"
    window.status.daemon.setText("Connected to http://a-very-long-host-name.example:11434 "
                                 "· Ollama 0.32.15")
    qtbot.wait(50)
    assert window.minimumSizeHint().width() <= SMALL[0]
    assert window.size().toTuple() == SMALL
    label = window.status.loaded
    assert label.text() == line and label.shown_text().endswith("…")
    # the tooltip is escaped rich text (plain_text.tip): read back, it is the headline
    assert QTextDocumentFragment.fromHtml(label.toolTip()).toPlainText() == headline
    assert label.fontMetrics().horizontalAdvance(label.shown_text()) <= label.width()
    assert window.status.gauge.isVisible()
    assert window.rect().contains(window.status.gauge.geometry())


def test_a_focused_button_keeps_its_whole_label(qtbot):
    """The focus ring (2px border, 10px padding a side, in the app's style sheet) was drawn
    inside a width laid out without it: a focused "Show setup" read "how setu"."""
    box = QWidget()
    box.setStyleSheet(style_sheet())
    row = QHBoxLayout(box)
    button = QPushButton("Show setup", box)
    row.addWidget(button)
    row.addStretch(1)
    qtbot.addWidget(box)
    box.resize(*SMALL)
    box.show()
    qtbot.waitExposed(box)
    button.setFocus()
    qtbot.waitUntil(button.hasFocus, timeout=2000)
    qtbot.wait(20)
    needed = button.fontMetrics().horizontalAdvance("Show setup") + 2 * (2 + 10)
    assert button.width() >= needed, (button.width(), needed)


def test_compare_setup_button_stays_inside_its_page_when_focused(qtbot, window):
    window.setStyleSheet(style_sheet())
    window.show_page("compare")
    page = window.pages["compare"]
    qtbot.wait(50)
    page.setup_button.toggle()  # "Show setup"
    page.setup_button.setFocus()
    qtbot.wait(50)
    button = page.setup_button
    assert button.text() == "Show setup"
    assert page.rect().contains(button.geometry().translated(
        button.parentWidget().mapTo(page, button.parentWidget().rect().topLeft())))
    assert button.width() >= button.fontMetrics().horizontalAdvance("Show setup") + 24


def _on_page(page, widget):
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def test_the_restore_notice_covers_nothing_on_compare(qtbot, window):
    """Floating over the page's bottom edge, "… is loaded again" hid the last rows of the
    results table and the charts' axes right after a run: it now sits beside the Results and
    History tabs, in a slot of its own."""
    window.show_page("compare")
    page = window.pages["compare"]
    qtbot.wait(50)
    page.eviction.show_restoring(["qwen2.5:7b"])
    qtbot.wait(50)
    assert page.restore_note.isVisible() and not page.eviction.isVisible()
    assert page.restore_note.text() == "Putting back qwen2.5:7b…"
    page.eviction.show_restored((RestoreResult("qwen2.5:7b"),))
    qtbot.wait(50)
    note = _on_page(page, page.restore_note)
    assert page.restore_note.isVisible() and not page.eviction.isVisible()
    assert page.restore_note.text() == "qwen2.5:7b is loaded again."
    assert page.restore_note.shown_text() == page.restore_note.text()  # not cut at 1024
    for widget in (page.header, page.setup_button, page.run_button, page.stop_button,
                   page.summary_view, page.panes, page.tabs.tabBar()):
        assert not note.intersects(_on_page(page, widget)), widget
    assert page.rect().contains(note)
    # It goes by itself; a failure stays in the line, with Dismiss, until read.
    page.eviction._hide_timer.timeout.emit()
    assert not page.restore_note.isVisible()
    page.eviction.show_restored((RestoreResult("qwen2.5:7b", "out of memory"),))
    qtbot.wait(50)
    assert page.eviction.isVisible() and not page.restore_note.isVisible()
    assert "out of memory" in page.eviction.label.text()
    assert page.eviction.dismiss_button.isVisible()


def test_the_library_eviction_question_sits_below_the_title(qtbot, window):
    window.show_page("library")
    page = window.pages["library"]
    qtbot.wait(50)
    page.eviction.guard(["llama3.1:8b-instruct-q8_0"], lambda: None)
    page.eviction._show("qwen2.5:7b will be unloaded to make room. You can put it back "
                        "afterwards.", page.eviction.go_button, page.eviction.cancel_button)
    qtbot.wait(50)
    bar = page.eviction.geometry()
    assert not bar.intersects(page.header.geometry())
    assert bar.bottom() < page.table.geometry().top()


def test_the_eviction_note_agrees_with_how_many_it_unloads():
    from quantdesk.ui.pages.eviction_bar import _agree

    note = "{They} {are} put back afterwards."
    assert _agree(note, 1) == "It is put back afterwards."
    assert _agree(note, 2) == "They are put back afterwards."
    assert _agree("You can put {them} back.", 1) == "You can put it back."


def test_library_loaded_column_widens_to_what_arrives_later(make_window, sim_factory, qtbot):
    """The Loaded cell fills after the list (from /api/ps): at 1280 px it read "5.4 … GPU"
    beside a half-empty Fit column, its width measured while it was still empty."""
    from quantdesk.ui.pages.library_model import LOADED

    sim = sim_factory(installed=INSTALLED)
    sim.load("llama3.1:8b", num_ctx=4096, keep_alive_s=600)
    w = make_window(sim.host, only_pages=("library",))
    w.resize(1280, 800)
    page = w.pages["library"]
    qtbot.waitUntil(lambda: any(page.proxy.index(r, LOADED).data()
                                for r in range(page.proxy.rowCount())), timeout=5000)
    qtbot.wait(50)
    view = page.table
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, LOADED).data())
    text = page.proxy.index(row, LOADED).data()
    assert "GB" in text and not view.isColumnHidden(LOADED)
    assert view.fontMetrics().horizontalAdvance(text) + 6 <= view.columnWidth(LOADED), (
        text, view.columnWidth(LOADED))
