"""The Compare page's history: reopen, re-run, export (JSON/CSV/Markdown), delete; and the
charts library staying out of the app until the page is opened."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap

import pytest
from shell_support import fake_machine

from quantdesk.core.compare.export import import_json
from quantdesk.core.store import NotInHistory
from quantdesk.ui.pages.compare import ComparePage

Q4, Q8 = "llama3.2:1b-instruct-q4_0", "llama3.2:1b-instruct-q8_0"


@pytest.fixture
def page_with_run(sim_factory, make_services, qtbot, tmp_path):
    sim = sim_factory(installed=[Q4, Q8])
    services = make_services(sim.host, machine=fake_machine(),
                             history_path=tmp_path / "history.sqlite3")
    page = ComparePage(services)
    qtbot.addWidget(page)
    services.start()
    qtbot.waitUntil(lambda: len(services.installed.names) == 2, timeout=5000)
    page.show()
    page.setup.set_checked([Q4, Q8])
    page.setup.use_task_set("arith", 4)
    streamed: dict[str, str] = {}
    page.service.tokens.connect(lambda m, t: streamed.__setitem__(m, streamed.get(m, "") + t))
    with qtbot.waitSignal(page.service.finished, timeout=20_000) as done:
        page.run_comparison()
    result = done.args[0]
    page.streamed_for_test = streamed  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.history_panel.ids() == [result.id], timeout=5000)
    yield page, result
    page.shutdown()


def test_reopen_shows_the_stored_panes_and_results(page_with_run, qtbot):
    page, result = page_with_run
    page.panes.reset([], None)  # as after a restart: nothing on screen
    page.history_panel.select(result.id)
    with qtbot.waitSignal(page.history.opened, timeout=5000):
        page.history_panel.reopen_button.click()
    for run in result.runs:
        pane = page.panes.pane(run.model)
        assert pane.state == "done"
        # One block per task, in order, each headed by its number and id: never "706VIOLIN…".
        text = pane.text()
        starts = [text.index(f"── Task {i} · {'right' if t.correct else 'wrong'} ──")
                  for i, t in enumerate(run.tasks, start=1)]
        assert starts == sorted(starts) and starts[0] == 0
        for i, t in enumerate(run.tasks):
            end = starts[i + 1] if i + 1 < len(starts) else len(text)
            assert t.response.strip() in text[starts[i]:end]
        assert pane.values["accuracy"].text().startswith(f"{run.accuracy:.0%}")
    assert page.setup.tasks_radio.isChecked() and page.setup.task_count.value() == 4
    assert not page.summary_view.isColumnHidden(4)  # a task set has an accuracy column
    assert {p.model for p in page.charts.speed.points} == {Q4, Q8}


def test_export_round_trips_in_three_formats(page_with_run, qtbot, tmp_path):
    page, result = page_with_run
    page.history_panel.select(result.id)
    for name in ("out.json", "out.csv", "out.md"):
        page.history_panel.choose_file = lambda _suggested, n=name: tmp_path / n
        with qtbot.waitSignal(page.history.exported, timeout=5000):
            page.history_panel.export_button.click()
    stored = page.store.get().comparisons.get(result.id)
    assert import_json(tmp_path / "out.json").to_dict() == stored.to_dict()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
    # Rows come ranked, as the summary table shows them.
    assert [r["model"] for r in rows] == [r.model for r in page.summary.runs()]
    assert [r["rank"] for r in rows] == ["1", "2"] and {r["model"] for r in rows} == {Q4, Q8}
    responses = {r.model: r.response for r in stored.runs}
    assert [r["response"] for r in rows] == [responses[r["model"]] for r in rows]
    markdown = (tmp_path / "out.md").read_text()
    assert all(run.response in markdown for run in stored.runs)
    assert "Exported to" in page.message.text()


def test_task_answers_stream_apart(page_with_run):
    page, result = page_with_run
    for run in result.runs:
        stream = page.streamed_for_test[run.model]
        heads = [stream.index(f"── Task {i} of 4 ──") for i in range(1, len(run.tasks) + 1)]
        assert heads == sorted(heads)
        # Between two headings lies exactly one task's answer, set off by a blank line.
        for i, t in enumerate(run.tasks[:-1]):
            between = stream[heads[i]:heads[i + 1]]
            assert between.endswith("\n\n") and t.response in between


def test_rerun_says_what_changed(page_with_run, qtbot):
    page, result = page_with_run
    page.history_panel.select(result.id)
    with qtbot.waitSignal(page.service.rerun_diff, timeout=20_000) as got:
        page.history_panel.rerun_button.click()
    diff = got.args[0]
    assert diff.old_id == result.id and diff.new_id != result.id
    said = page.message.text()
    assert said.startswith("Re-run done:") and "today" in said  # when the first run was
    for field in ("load_s", "ttft_s", "eval_tps", "size_vram", " -> ", result.id):
        assert field not in said  # words for people, not the store's field names
    qtbot.waitUntil(lambda: len(page.history_panel.ids()) == 2, timeout=5000)
    assert page.history_panel.ids()[0] == diff.new_id  # newest first


def test_delete_asks_first_and_removes(page_with_run, qtbot):
    page, result = page_with_run
    page.history_panel.select(result.id)
    questions: list[str] = []
    page.history_panel.confirm = lambda text: questions.append(text) or False
    page.history_panel.delete_button.click()
    assert questions and result.id in questions[0]
    assert page.store.get().comparisons.get(result.id).id == result.id  # declined: kept

    page.history_panel.confirm = lambda _text: True
    with qtbot.waitSignal(page.history.deleted, timeout=5000):
        page.history_panel.delete_button.click()
    qtbot.waitUntil(lambda: page.history_panel.ids() == [], timeout=5000)
    with pytest.raises(NotInHistory):
        page.store.get().comparisons.get(result.id)


def test_pyqtgraph_is_imported_only_when_the_compare_page_opens(tmp_path, unreachable_host):
    script = textwrap.dedent(f"""
        import sys
        from quantdesk.ui.app import application
        from quantdesk.ui.main_window import MainWindow
        from quantdesk.ui.services.container import Services
        import quantdesk.ui.pages.compare
        assert "pyqtgraph" not in sys.modules, "imported with the app"
        app = application()
        services = Services.create({unreachable_host!r})
        window = MainWindow(services)
        window.show_page("library")
        window.show()
        app.processEvents()
        assert "compare" in window.pages
        assert "pyqtgraph" not in sys.modules, "imported before the page opened"
        window.show_page("compare")
        app.processEvents()
        assert "pyqtgraph" in sys.modules, "the charts did not load"
        window.close()
        services.close()
        print("ok")
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "QUANTDESK_CONFIG_DIR": str(tmp_path / "config"),
           "QUANTDESK_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


def test_export_dialog_opens_in_documents_not_the_checkout(qapp, monkeypatch, tmp_path):
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from quantdesk.ui.widgets import compare_history

    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation",
                        lambda loc: str(docs) if loc == QStandardPaths.StandardLocation
                        .DocumentsLocation else str(tmp_path))
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _p, _t, start, _f: asked.append(start) or ("", ""))
    panel = compare_history.HistoryPanel()
    assert compare_history._save_dialog(panel, "cmp-1.json") is None
    assert asked == [str(docs / "cmp-1.json")]
    assert not asked[0].startswith(os.getcwd())
    docs.rmdir()  # no Documents folder: the home folder, still not the checkout
    assert compare_history.export_folder() == tmp_path
