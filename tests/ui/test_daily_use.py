"""What using the app in a real 1024×640 X window showed, each as a geometry or state check
in the real main window against the simulator."""

from __future__ import annotations

import itertools

import pytest
from shell_support import wait_connected

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction

from quantdesk.ui.pages import running as running_page

SMALL = (1024, 640)


def _in_window(window, widget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _small_window_on(qtbot, make_window, sim, name: str):
    """The window at 1024x640 with one page built, connected, showing that page."""
    window = make_window(sim.host, only_pages=(name,))
    window.resize(*SMALL)
    wait_connected(qtbot, window)
    window.show_page(name)
    return window, window.pages[name]


def test_running_empty_hint_moves_nothing(make_window, sim_factory, qtbot):
    """The hint used to sit above the table and push it 20 px down when the last model went:
    a second click landed a row lower. It now shows inside the empty table."""
    sim = sim_factory(installed=["llama3.2:3b"], loaded=["llama3.2:3b"])
    window, page = _small_window_on(qtbot, make_window, sim, "running")
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


def test_a_narrow_compare_pane_cuts_values_with_an_ellipsis_and_a_tooltip(qtbot):
    """Six panes share 1024 px: "12 GB (5.4 GB on GPU)" was clipped mid-character, with no
    sign that anything was missing."""
    from PySide6.QtGui import QTextDocumentFragment

    from quantdesk.core.compare.results import RunResult
    from quantdesk.ui.widgets.compare_pane import VariantPane

    pane = VariantPane("llama3.1:8b-instruct-fp16")
    qtbot.addWidget(pane)
    pane.resize(190, 420)  # its minimum: one column of metrics
    pane.show()
    run = RunResult("llama3.1:8b-instruct-fp16", 0, state="done", load_s=2.46, eval_tps=101.5,
                    size=12_000_000_000, size_vram=5_400_000_000,
                    predicted_bytes=12_000_000_000)
    pane.show_run(run)
    qtbot.wait(50)
    memory = pane.values["memory"]
    assert memory.text() == "12 GB (5.4 GB on GPU)"  # the whole value, for copying and tests
    assert memory.shown_text().endswith("…") and memory.shown_text() != memory.text()
    assert memory.fontMetrics().horizontalAdvance(memory.shown_text()) <= memory.width()
    tip = QTextDocumentFragment.fromHtml(memory.toolTip()).toPlainText()
    assert "12 GB" in tip and "5.4 GB" in tip
    # A value with room is shown whole, with no tooltip repeating it.
    load = pane.values["load"]
    assert load.shown_text() == load.text() == "2.46 s" and load.toolTip() == ""
    # Wide, the same value is whole.
    pane.resize(600, 420)
    qtbot.wait(50)
    assert memory.shown_text() == memory.text()


@pytest.fixture
def compare_window(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.1:8b", "llama3.1:8b-instruct-q8_0", "qwen2.5:7b"])
    window = make_window(sim.host, only_pages=("compare",))
    window.resize(*SMALL)
    qtbot.waitUntil(lambda: len(window.services.installed.names) == 3, timeout=5000)
    window.show_page("compare")
    qtbot.wait(200)
    return window


def test_the_chart_legend_never_covers_an_axis_title(qtbot, compare_window):
    """With the setup shown on a 1024×640 screen (a window of about 1018×600 inside the
    window manager's frame) the charts get less than their minimum height and the legend was
    drawn over "memory (GB)"."""
    page = compare_window.pages["compare"]
    charts = page.charts
    for height, setup_shown in ((640, True), (600, True), (600, False)):
        compare_window.resize(SMALL[0], height)
        if page.setup_button.isChecked() != setup_shown:
            page.setup_button.toggle()
        qtbot.wait(150)
        for plot in (charts.quality, charts.speed):
            assert not (charts.legend.isVisible()
                        and charts.legend.geometry().intersects(plot.geometry())), height
            assert charts.rect().contains(plot.geometry())
    # With the setup hidden there is room, and the legend is there.
    assert charts.legend.isVisible()
    assert charts.legend.geometry().top() > charts.quality.geometry().bottom()


def test_ctrl_7_puts_the_focus_in_the_message_box(make_window, sim_factory, qtbot):
    """After Ctrl+7 typing went nowhere: the focus sat on "New chat"."""
    from PySide6.QtWidgets import QApplication

    sim = sim_factory(installed=["llama3.2:3b"])
    window = make_window(sim.host, only_pages=None)
    wait_connected(qtbot, window)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_page("library")
    keys = [spec.key for spec in window.page_specs]
    assert keys.index("chat") == 6  # Ctrl+7
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_7,
                   Qt.KeyboardModifier.ControlModifier)
    page = window.pages["chat"]
    assert window.current_page_key() == "chat"
    assert QApplication.focusWidget() is page.input
    qtbot.keyClicks(QApplication.focusWidget(), "Hello")
    assert page.input.toPlainText() == "Hello"


def test_chat_answers_get_the_room(make_window, sim_factory, qtbot):
    """At 1024×640 the message box took 110 px for an empty line, and beside a second answer
    the "Continue from this answer" button squeezed the first answer's label into four lines."""
    sim = sim_factory(installed=["llama3.2:3b", "qwen2.5:7b"],
                      loaded=["llama3.2:3b", "qwen2.5:7b"], reply_words=30)
    _window, page = _small_window_on(qtbot, make_window, sim, "chat")
    qtbot.waitUntil(lambda: page.picker.count() == 2, timeout=5000)
    line = page.input.fontMetrics().lineSpacing()
    empty_height = page.input.height()
    assert empty_height <= 3 * line + 16
    page.input.setPlainText("\n".join(["a line"] * 5))  # grows with the message...
    qtbot.wait(20)
    assert page.input.height() >= 5 * line
    page.input.setPlainText("\n".join(["a line"] * 30))  # ...up to eight lines
    qtbot.wait(20)
    assert page.input.height() <= 8 * line + 16
    page.switch_variant("llama3.2:3b")
    page.input.setPlainText("Name a colour.")
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.conv is not None and not page.streaming
                    and page.conv.turns[0].answers[0].state == "done", timeout=10_000)
    assert page.input.height() == empty_height  # sent: back to three lines
    page.regenerate("qwen2.5:7b")
    qtbot.waitUntil(lambda: len(page.conv.turns[0].answers) == 2 and not page.streaming
                    and page.conv.turns[0].answers[1].state == "done", timeout=10_000)
    qtbot.wait(50)
    first = page.transcript.turns[0].answers[0]
    assert first.continue_button.isVisible()
    # The label has the answer's width, the button sits under the text.
    assert first.label.width() >= first.body.width() - 4
    assert first.continue_button.geometry().top() >= first.body.geometry().bottom()
    # The whole answer shows: its text view is as tall as its text.
    doc = first.body.document()
    assert first.body.height() >= int(doc.size().height())


def test_the_variant_column_keeps_its_room_while_a_comparison_re_runs(qtbot, compare_window):
    """While a comparison ran again the timing columns came back narrow ("—"), widened as the
    figures arrived, and squeezed the Variant column to "…" with the table scrolled sideways."""
    page = compare_window.pages["compare"]
    view = page.summary_view
    header = view.horizontalHeader()
    names = ["llama3.1:8b", "llama3.1:8b-instruct-q8_0"]
    page.setup.set_checked(names)
    page.setup.num_predict.setValue(12)
    worst: list[int] = []
    scrolled: list[int] = []

    def sample(*_args) -> None:
        worst.append(header.sectionSize(1))
        scrolled.append(view.horizontalScrollBar().value())

    for _ in range(2):  # a first run, then the same again
        with qtbot.waitSignal(page.service.finished, timeout=30_000):
            page.service.run_changed.connect(sample)
            page.run_comparison()
        qtbot.wait(100)
        sample()
        page.service.run_changed.disconnect(sample)
    assert min(worst) >= page.summary_columns.min_stretch - 2, worst
    assert max(scrolled) == 0


def test_running_detail_lines_never_overlap(make_window, sim_factory, qtbot):
    """With the correction line shown, Running's "Fit:" line was drawn over its neighbour on a
    1024×640 screen: the wrapped lines were squeezed into less height than they need."""
    sim = sim_factory(installed=["llama3.1:8b-instruct-fp16"],
                      loaded=["llama3.1:8b-instruct-fp16"], vram_bytes=12 << 30)
    window = make_window(sim.host, only_pages=("running",))
    window.resize(SMALL[0], 600)
    wait_connected(qtbot, window)
    window.show_page("running")
    page = window.pages["running"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and bool(page.detail.reason.text()),
                    timeout=10_000)
    detail = page.detail
    detail.calibration_label.setText(
        "Learnt from 12 loads on this machine: Ollama uses 3 % more than predicted; the "
        "figures above include that correction.")
    detail.calibration_label.show()
    qtbot.wait(100)
    lines = [w for w in (detail.difference, detail.placement, detail.reason,
                         detail.calibration_label) if w.isVisible() and w.text()]
    assert len(lines) == 4
    for label in lines:
        assert label.height() >= label.heightForWidth(label.width()), label.text()
    for upper, lower in itertools.pairwise(lines):
        assert upper.geometry().bottom() < lower.geometry().top(), lower.text()
    assert detail.rect().contains(lines[-1].geometry())


def test_no_page_key_shadows_a_window_key(make_window, sim_factory, qtbot):
    """Ctrl+Shift+U did nothing on Running, nor F5 on Library, Variants and Machine: the page
    bound the window's key too, and Qt runs neither of two shortcuts active at once (it
    reports them ambiguous)."""
    from PySide6.QtWidgets import QApplication

    sim = sim_factory(installed=["llama3.2:3b"], loaded=["llama3.2:3b"])
    window = make_window(sim.host, only_pages=None)
    wait_connected(qtbot, window)
    window_keys = {a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()}
    for key in window.page_specs:
        page = window.pages[key.key]
        for action in page.findChildren(QAction):
            for seq in action.shortcuts():
                assert seq.toString() not in window_keys, (key.key, action.text(), seq.toString())
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_page("running")
    page = window.pages["running"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_U,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: sim.loaded_names() == [], timeout=10_000)
    # F5 refreshes the page shown, whichever it is.
    for key in ("library", "variants", "downloads", "running", "machine"):
        window.show_page(key)
        hits: list[str] = []
        window.pages[key].refresh = lambda key=key, hits=hits: hits.append(key)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F5)
        assert hits == [key]
