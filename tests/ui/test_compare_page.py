"""The Compare page against the simulator over real loopback sockets: a full run, Stop, a
dropped stream, a pull first, the together mode, and inert model output."""

from __future__ import annotations

import socket
import threading

import pytest
from shell_support import fake_machine

from PySide6.QtCore import Qt

from quantdesk.core.compare.events import CompareEvent
from quantdesk.core.compare.results import RunResult
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.pages.compare import ComparePage

FAMILY = "llama3.2:1b-instruct-"
Q4, Q8, F16 = FAMILY + "q4_0", FAMILY + "q8_0", FAMILY + "fp16"


@pytest.fixture
def open_page(make_services, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_DATA_DIR", str(tmp_path / "data"))
    pages: list[ComparePage] = []

    def make(sim, *, vram_gib: int = 24, show: bool = True, **kwargs) -> ComparePage:
        kwargs.setdefault("history_path", tmp_path / "history.sqlite3")
        services = make_services(sim.host, machine=fake_machine(vram_gib), **kwargs)
        page = ComparePage(services)
        qtbot.addWidget(page)
        page.resize(1100, 800)
        services.start()
        qtbot.waitUntil(lambda: services.connection.is_connected, timeout=5000)
        qtbot.waitUntil(lambda: services.hardware.machine is not None, timeout=5000)
        qtbot.waitUntil(lambda: len(services.installed.names) == len(sim.state.installed()),
                        timeout=5000)
        if show:
            page.show()
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.shutdown()


def _stored(page: ComparePage, comparison_id: str):
    return page.store.get().comparisons.get(comparison_id)


def test_three_variants_run_to_done_with_metrics(sim_factory, open_page, qtbot):
    sim = sim_factory(installed=[Q4, Q8, F16])
    page = open_page(sim)
    page.setup.set_checked([Q4, Q8, F16])
    page.setup.num_predict.setValue(40)
    streamed: dict[str, str] = {}
    page.service.tokens.connect(lambda m, t: streamed.__setitem__(m, streamed.get(m, "") + t))

    with qtbot.waitSignal(page.service.finished, timeout=20_000) as done:
        qtbot.mouseClick(page.run_button, qtbot_left())
    result = done.args[0]
    stored = _stored(page, result.id)
    assert stored.complete and result.reference == F16  # the highest precision
    for run in stored.runs:
        pane = page.panes.pane(run.model)
        assert pane.state == "done" and pane.state_label.text() == "done"
        # The coalesced stream carried exactly the text the daemon produced.
        assert run.response and streamed[run.model] == run.response == pane.text()
        # Figures shown are the daemon's own counts and durations, as stored.
        assert run.eval_tokens > 0 and run.eval_tps > 0
        assert pane.values["eval"].text() == f"{run.eval_tps:,.1f} tok/s"
        assert human_bytes(run.size) in pane.values["memory"].text()
        assert run.size > 0 and run.size_vram == run.size  # /api/ps: all on the 24 GB GPU
    assert page.panes.pane(F16).ref_label.isVisibleTo(page.panes.pane(F16))
    # The ranking follows quality, and quality follows bits per weight: the simulator's
    # lower bits diverge earlier (ties, e.g. q8_0 matching fp16, go to the faster one).
    order = [page.summary.data(page.summary.index(r, 1), Qt.ItemDataRole.UserRole)
             for r in range(page.summary.rowCount())]
    quality = {m: 1.0 if m == F16 else stored.run(m).agreement for m in order}
    assert [quality[m] for m in order] == sorted(quality.values(), reverse=True)
    assert order[-1] == Q4 and stored.run(Q4).agreement < stored.run(Q8).agreement <= 1.0
    assert page.summary.data(page.summary.index(0, 0)) == "1"
    # Charts: one point per variant, the reference starred, all fit 24 GB.
    points = page.charts.quality.points
    assert {p.model: p.y for p in points} == pytest.approx(quality)
    assert [p.model for p in points if p.reference] == [F16]
    assert all(p.fits for p in points)
    qtbot.waitUntil(lambda: page.history_panel.ids()[:1] == [result.id], timeout=5000)


def qtbot_left() -> Qt.MouseButton:
    return Qt.MouseButton.LeftButton


def test_stop_mid_run_cancels_everything_at_once(sim_factory, open_page, qtbot):
    sim = sim_factory(installed=[Q4, Q8, F16])
    page = open_page(sim)
    # The reference's answer stalls after a few tokens (its load request takes the first
    # count of the fault and is too short to be affected): Stop lands mid-stream, on a read
    # that is blocked.
    sim.faults.stall("/api/generate", seconds=4, after_lines=3, times=2, model=F16)
    page.setup.set_checked([Q4, Q8, F16])
    page.run_comparison()
    reference = page.panes.pane(F16)
    qtbot.waitUntil(lambda: reference.state == "running" and bool(reference.text()),
                    timeout=10_000)

    with qtbot.waitSignal(page.service.cancelled, timeout=5000):
        qtbot.mouseClick(page.stop_button, qtbot_left())
        # One click: every unfinished pane says so before the I/O thread even answers.
        assert {p.state_label.text() for p in page.panes.panes.values()} == {"stopped"}
    assert page.run_button.isEnabled() and not page.stop_button.isEnabled()
    qtbot.waitUntil(lambda: bool(page.history_panel.ids()), timeout=5000)
    stored = _stored(page, page.history_panel.ids()[0])
    assert not stored.complete
    assert {r.state for r in stored.runs} == {"cancelled"}
    assert "incomplete" in page.history_panel.table.item(0, 3).text()


def test_dropped_stream_fails_one_pane_others_finish(sim_factory, open_page, qtbot):
    sim = sim_factory(installed=[Q4, Q8, F16])
    page = open_page(sim)
    # The load request takes the fault first (one line: nothing to cut); the generation,
    # the second request naming the model, is cut after three lines.
    sim.faults.drop("/api/generate", after_lines=3, times=2, model=Q8)
    page.setup.set_checked([Q4, Q8, F16])
    page.setup.num_predict.setValue(40)
    with qtbot.waitSignal(page.service.finished, timeout=20_000) as done:
        page.run_comparison()
    result = done.args[0]
    assert page.panes.pane(Q8).state == "failed"
    assert page.panes.pane(Q8).error_label.text()  # the reason, where the run was shown
    assert page.panes.pane(Q4).state == page.panes.pane(F16).state == "done"
    stored = _stored(page, result.id)
    assert not stored.complete and stored.run(Q8).state == "failed"
    assert "incomplete" in page.message.text()


def test_variant_not_installed_is_pulled_first(sim_factory, open_page, qtbot):
    sim = sim_factory(installed=[Q8, F16])
    page = open_page(sim, registry=sim.url)
    # The ladder of the model lists the missing variant as "not installed".
    page.setup.ladder_edit.setText("llama3.2:1b")
    qtbot.mouseClick(page.setup.ladder_button, qtbot_left())
    qtbot.waitUntil(lambda: page.setup._item(Q4) is not None, timeout=10_000)
    assert "not installed" in page.setup._item(Q4).text()
    page.setup.set_checked([Q4, Q8, F16])
    asked: list[list[str]] = []
    page.confirm_pull = lambda models: asked.append(models) or True
    pulled: list[str] = []
    page.service.pull_progress.connect(lambda m, _p: pulled.append(m))

    with qtbot.waitSignal(page.service.finished, timeout=20_000) as done:
        page.run_comparison()
    assert asked == [[Q4]]
    assert pulled and set(pulled) == {Q4}
    assert all(r.state == "done" for r in done.args[0].runs)
    assert sim.state.get(Q4) is not None


def test_declining_the_pull_starts_nothing(sim_factory, open_page):
    sim = sim_factory(installed=[Q8, F16])
    page = open_page(sim)
    page.setup.add_variant(Q4, False)
    page.setup.set_checked([Q4, Q8])
    page.confirm_pull = lambda _models: False
    page.run_comparison()
    assert not page.service.active and "pull" in page.message.text()


def _together_verdict(page, qtbot, models):
    page.setup.set_checked(models)
    with qtbot.waitSignal(page.service.together_checked, timeout=10_000) as checked:
        page._check_timer.start(0)
    return checked.args[0]


def test_together_disabled_when_the_fit_says_no(sim_factory, open_page, qtbot):
    sim = sim_factory(installed=[Q4, Q8, F16])
    page = open_page(sim, vram_gib=4)
    verdict = _together_verdict(page, qtbot, [Q4, Q8, F16])
    assert not verdict.ok
    assert not page.setup.together_radio.isEnabled()
    assert "Not available" in page.setup.together_radio.toolTip()
    assert " GB" in page.setup.together_radio.toolTip()  # says how much is missing
    assert page.setup.spec().together is False


def test_together_mode_runs_when_all_fit(sim_factory, open_page, qtbot):
    sim = sim_factory(installed=[Q4, Q8])
    page = open_page(sim, vram_gib=24)
    verdict = _together_verdict(page, qtbot, [Q4, Q8])
    assert verdict.ok and page.setup.together_radio.isEnabled()
    page.setup.together_radio.setChecked(True)
    page.setup.num_predict.setValue(30)
    with qtbot.waitSignal(page.service.finished, timeout=20_000) as done:
        page.run_comparison()
    result = done.args[0]
    assert result.spec.together and result.complete
    assert all(page.panes.pane(m).state == "done" for m in (Q4, Q8))


class _Listener:
    """A loopback socket that counts connections: any fetch of a URL in model output would
    land here."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()


def test_markup_in_model_output_stays_inert(sim, open_page, qtbot):
    page = open_page(sim)
    listener = _Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}"
        hostile = (f'<img src="{url}/a.png"><script>alert(1)</script>'
                   f"![x]({url}/b.png) <b>bold</b> &amp;")
        page.panes.reset([Q4, F16], F16)
        # Through the same path a daemon's tokens take: the I/O-side sink, then the timer.
        for piece in (hostile[:20], hostile[20:]):
            page.service._sink(CompareEvent("token", Q4, 0, text=piece))
        failed = RunResult(Q4, 0, state="failed", error=f'<img src="{url}/c.png"> boom')
        page.service._sink(CompareEvent("failed", Q4, 0, error=failed.error, run=failed))
        qtbot.waitUntil(lambda: page.panes.pane(Q4).state == "failed", timeout=2000)
        pane = page.panes.pane(Q4)
        assert pane.text() == hostile  # every character shown as itself
        assert pane.error_label.text() == failed.error
        page.summary.set_runs([failed], F16)
        assert page.summary.data(page.summary.index(0, 1)) == Q4
        qtbot.wait(300)
        assert listener.hits == 0
    finally:
        listener.close()
