"""The pages at 1024×640, the smallest window the layouts are made for, inside the real main
window against the simulator: nothing scrolls sideways that could give way, the columns that
matter stay on screen, names elide with the whole name in a tooltip, and a message line
appearing never moves a row (a second click lands where the first aimed)."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableView, QWidget

from quantdesk.core.compare.results import RunResult
from quantdesk.ui.pages.library_model import NAME
from quantdesk.ui.pages.variants_model import ADVICE, MAX_CTX
from quantdesk.ui.plain_text import tip
from quantdesk.ui.widgets.compare_summary import COLUMNS as SUMMARY_COLUMNS

SMALL = (1024, 640)
INSTALLED = ["llama3.1:8b", "llama3.1:8b-instruct-fp16", "llama3.1:8b-instruct-q8_0",
             "qwen2.5:7b", "gemma2:9b"]
LONG = ("Could not load llama3.1:8b-instruct-fp16: the model does not fit in memory (needs "
        "17 GB, 12 GB free). Try a smaller quantization or a shorter context.\nSecond line.")


@pytest.fixture
def window(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED)
    w = make_window(sim.host, only_pages=("library", "variants", "compare"))
    w.resize(*SMALL)
    qtbot.waitUntil(lambda: len(w.services.installed.names) == len(INSTALLED), timeout=5000)
    return w


def row_y(window: QWidget, view: QTableView, row: int = 0) -> int:
    rect = view.visualRect(view.model().index(row, 0))
    return view.viewport().mapTo(window, QPoint(rect.x(), rect.y())).y()


def on_screen(view: QTableView, column: int) -> bool:
    """Shown, and its right edge inside the viewport (no sideways scrolling needed)."""
    header = view.horizontalHeader()
    if view.isColumnHidden(column):
        return False
    right = header.sectionViewportPosition(column) + header.sectionSize(column)
    return header.sectionViewportPosition(column) >= 0 and right <= view.viewport().width()


def assert_message_moves_nothing(qtbot, window, page, view) -> None:
    qtbot.wait(200)  # the page's own first layout (charts, splitter) settles first
    before = row_y(window, view)
    height = page.message.height()
    page.message.show_notice("Loaded llama3.1:8b.")
    qtbot.wait(50)
    assert row_y(window, view) == before
    page.message.show_error(LONG)
    qtbot.wait(50)
    assert row_y(window, view) == before and page.message.height() == height
    # One elided line on screen, the whole message in the tooltip and text().
    assert page.message.text() == LONG and page.message.toolTip() == tip(LONG)  # escaped
    assert "\n" not in page.message.shown_text()
    assert page.message.fontMetrics().horizontalAdvance(page.message.shown_text()) <= (
        page.message.width())
    page.message.clear_message()
    qtbot.wait(50)
    assert row_y(window, view) == before


def test_library_at_1024(qtbot, window):
    window.show_page("library")
    page = window.pages["library"]
    qtbot.waitUntil(lambda: page.proxy.rowCount() == len(INSTALLED), timeout=5000)
    qtbot.wait(50)
    view = page.table
    assert not view.horizontalScrollBar().isVisible()  # not opened scrolled sideways
    assert on_screen(view, NAME) and on_screen(view, page.model.columnCount() - 1)  # Fit
    # The longest name is whole on one line, or elided with the whole name in the tooltip.
    longest = max(INSTALLED, key=len)
    row = next(r for r in range(page.proxy.rowCount())
               if page.proxy.index(r, NAME).data() == longest)
    fits = view.fontMetrics().horizontalAdvance(longest) + 8 <= view.columnWidth(NAME)
    tip = page.proxy.index(row, NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert fits or longest in tip
    assert longest in tip
    assert view.wordWrap() is False and view.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert_message_moves_nothing(qtbot, window, page, view)


def test_variants_at_1024_keeps_advice_and_max_context(qtbot, window):
    window.show_page("variants")
    page = window.pages["variants"]
    with qtbot.waitSignal(page.ladder_shown, timeout=15_000):
        page.show_model("llama3.1")
    qtbot.wait(50)
    view = page.table
    assert on_screen(view, MAX_CTX)
    header = view.horizontalHeader()
    assert not view.isColumnHidden(ADVICE)
    assert header.sectionViewportPosition(ADVICE) < view.viewport().width() - 150  # readable
    assert page.columns.fitted  # something gave way to make that room ...
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: not page.columns.fitted, timeout=2000)  # ... and came back
    window.resize(*SMALL)
    qtbot.waitUntil(lambda: bool(page.columns.fitted), timeout=2000)
    assert_message_moves_nothing(qtbot, window, page, view)


def test_compare_at_1024_shows_agreement_kl_accuracy(qtbot, window):
    window.show_page("compare")
    page = window.pages["compare"]
    runs = [RunResult(m, i, state="done", agreement=0.9, approx_kl=0.1, accuracy=0.75,
                      eval_tps=40.0, size=5_000_000_000, size_vram=5_000_000_000,
                      load_s=1.0, ttft_s=0.1, correct=9, graded=12)
            for i, m in enumerate(INSTALLED[:4])]
    page._runs = {r.model: r for r in runs}
    page._refresh_summary()
    qtbot.wait(50)
    view = page.summary_view
    for name in ("Agreement", "Approx. KL", "Accuracy"):
        assert on_screen(view, SUMMARY_COLUMNS.index(name)), name
    assert_message_moves_nothing(qtbot, window, page, view)


def test_every_page_fits_a_1024x640_window(make_window, sim):
    """The window's minimum is the largest page's: no page may force it past 1024×640
    (the Compare setup once asked for 1068 px)."""
    w = make_window(sim.host, only_pages=None)
    w.resize(*SMALL)
    hint = w.minimumSizeHint()
    assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1], (
        hint.toTuple(), {k: p.minimumSizeHint().toTuple() for k, p in w.pages.items()})
    assert w.size().toTuple() == SMALL
