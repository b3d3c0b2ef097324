"""The Running page against the simulator: loaded models, unload, unload all, switch, OOM."""

from __future__ import annotations

from shell_support import wait_connected

from PySide6.QtCore import Qt

GIB = 1 << 30


def running_window(make_window, qtbot, sim):
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    window.show_page("running")
    page = window.pages["running"]
    return window, page


def table_names(page) -> list[str]:
    return [m.name for m in page.model.rows]


def test_shows_loaded_model_with_memory_split_and_countdown(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b", "qwen2.5:0.5b"], loaded=["llama3.2:3b"])
    _window, page = running_window(make_window, qtbot, sim)
    qtbot.waitUntil(lambda: table_names(page) == ["llama3.2:3b"], timeout=5000)
    row = page.model.rows[0]
    assert row.size > 0 and row.size_vram == row.size  # fits the 24 GiB simulated card
    cells = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert cells[0] == "llama3.2:3b"
    assert cells[3] == "100% GPU"
    assert cells[4] == f"{row.context_length:,}"
    minutes, seconds = cells[5].split(":")
    assert 4 <= int(minutes) <= 5 and 0 <= int(seconds) < 60  # default keep-alive 5 min
    assert page.unload_all_button.isEnabled()


def test_unload_one(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b", "qwen2.5:0.5b"],
                      loaded=["llama3.2:3b", "qwen2.5:0.5b"])
    window, page = running_window(make_window, qtbot, sim)
    qtbot.waitUntil(lambda: len(page.model.rows) == 2, timeout=5000)
    row = table_names(page).index("qwen2.5:0.5b")
    page.table.selectRow(row)
    with qtbot.waitSignal(window.services.running.action_finished, timeout=5000) as blocker:
        page.unload_button.click()
    assert blocker.args == ["qwen2.5:0.5b", "unload"]
    assert sim.loaded_names() == ["llama3.2:3b"]
    qtbot.waitUntil(lambda: table_names(page) == ["llama3.2:3b"], timeout=5000)


def test_unload_all(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b", "qwen2.5:0.5b"],
                      loaded=["llama3.2:3b", "qwen2.5:0.5b"])
    _window, page = running_window(make_window, qtbot, sim)
    qtbot.waitUntil(lambda: len(page.model.rows) == 2, timeout=5000)
    page.unload_all_button.click()
    qtbot.waitUntil(lambda: sim.loaded_names() == [] and page.model.rowCount() == 0,
                    timeout=5000)
    assert not page.unload_all_button.isEnabled()


def test_switch_to_unloads_others_and_ends_loaded(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b", "qwen2.5:0.5b"], loaded=["llama3.2:3b"])
    window, page = running_window(make_window, qtbot, sim)
    qtbot.waitUntil(lambda: table_names(page) == ["llama3.2:3b"], timeout=5000)
    qtbot.waitUntil(lambda: page.switch_combo.count() == 2, timeout=5000)
    page.switch_combo.setCurrentText("qwen2.5:0.5b")
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000) as blocker:
        page.switch_button.click()
    assert blocker.args == ["qwen2.5:0.5b"]
    assert sim.loaded_names() == ["qwen2.5:0.5b"]
    qtbot.waitUntil(lambda: table_names(page) == ["qwen2.5:0.5b"], timeout=5000)
    qtbot.waitUntil(lambda: page.message.text().startswith("qwen2.5:0.5b is loaded"), timeout=5000)
    assert window.services.running.recent[0] == "qwen2.5:0.5b"
    assert window.services.running.keep_alive == "5m"


def test_load_that_runs_out_of_memory_shows_the_error(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.1:8b-instruct-fp16"], vram_bytes=2 * GIB,
                      ram_bytes=4 * GIB)
    window, page = running_window(make_window, qtbot, sim)
    qtbot.waitUntil(lambda: page.switch_combo.count() == 1, timeout=5000)
    with qtbot.waitSignal(window.services.running.action_failed, timeout=10_000) as blocker:
        page.switch_button.click()
    model, action, message = blocker.args
    assert (model, action) == ("llama3.1:8b-instruct-fp16", "switch")
    assert "memory" in message.lower()
    assert page.message.isVisible() and "Could not switch to" in page.message.text()
    assert sim.loaded_names() == []


def test_polling_stops_when_hidden(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.2:3b"], loaded=["llama3.2:3b"])
    window, _page = running_window(make_window, qtbot, sim)
    running = window.services.running
    qtbot.waitUntil(lambda: running.polls >= 1, timeout=5000)
    assert running._timer.isActive()
    window.hide()
    assert not running._timer.isActive()
    polls = running.polls
    qtbot.wait(50)
    assert running.polls == polls
    window.show()
    qtbot.waitUntil(lambda: running.polls > polls, timeout=5000)


def test_prediction_is_shown_next_to_measured_size(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.1:8b"], loaded=["llama3.1:8b"])
    _window, page = running_window(make_window, qtbot, sim)
    qtbot.waitUntil(lambda: page.model._predicted.get("llama3.1:8b", 0) > 0, timeout=10_000)
    measured = page.model.rows[0].size
    predicted = page.model._predicted["llama3.1:8b"]
    # Two independent estimates of the same runner: same order of magnitude.
    assert 0.5 < predicted / measured < 2.0
    tip = page.model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole)
    assert "Ollama measures" in tip
