"""Downloads page and pull queue against the simulated daemon over loopback sockets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from quantdesk.core.pulls import disk as disk_module
from quantdesk.core.pulls.disk import (
    HEADROOM_BYTES,
    DiskCheck,
    DiskSpaceShort,
    is_local,
    models_dir,
    require_space,
)
from quantdesk.ui.pages.downloads import DownloadsPage
from quantdesk.ui.services.pulls import FLUSH_MS, PullState
from quantdesk.ui.widgets.download_notice import Toast
from quantdesk.ui.wording import for_people

SMALL = "llama3.2:1b"  # about 1.3 GB in the simulator's catalog


@pytest.fixture
def make_page(qtbot, make_services, tmp_path, monkeypatch):
    # The disk check measures a folder of the test's own, never the developer's models.
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path))

    def make(daemon) -> DownloadsPage:
        page = DownloadsPage(make_services(daemon.host))
        qtbot.addWidget(page)
        page.resize(900, 600)
        page.show()
        return page

    return make


def record(page: DownloadsPage) -> list[PullState]:
    seen: list[PullState] = []
    page.pulls.changed.connect(lambda _n, s: seen.append(s))
    return seen


def wait_bytes(qtbot, page: DownloadsPage, name: str, at_least: int = 1) -> None:
    qtbot.waitUntil(lambda: (s := page.pulls.state(name)) is not None
                    and s.completed >= at_least, timeout=5000)


def test_progress_advances_then_the_row_says_done(qtbot, sim_factory, make_page):
    sim = sim_factory(pull_bandwidth=1.5e9, progress_interval=0.01)
    page = make_page(sim)
    seen = record(page)
    with qtbot.waitSignal(page.pulls.finished, timeout=10_000) as done:
        page.name_edit.setText(SMALL)
        page.pull_button.click()
        qtbot.waitUntil(lambda: page.pulls.has_active(), timeout=2000)
    assert done.args == [SMALL]
    partial = [s for s in seen if s.phase == "pulling" and 0 < s.fraction < 1]
    assert partial, "no intermediate progress reached the page"
    completed = [s.completed for s in seen if s.phase == "pulling"]
    assert completed == sorted(completed)
    assert any(s.speed > 0 for s in partial) and any(s.eta_s is not None for s in partial)
    row = page.rows[SMALL]
    assert row.phase.text() == "Done" and row.bar.value() == row.bar.maximum()
    assert "of" in row.figures.text() and row.layers.text().startswith("File")
    assert "sha256" not in row.layers.text() and "✓" in row.layers.toolTip()  # digests: tip
    assert not page.pulls.has_active()
    assert SMALL in sim.installed_names()
    # Finishing without a tray shows an in-app toast naming the model.
    toast = page.window().findChild(Toast)
    assert toast is not None and toast.isVisible() and SMALL in toast.text()


def test_progress_signals_are_coalesced(qtbot, sim_factory, make_page):
    sim = sim_factory(pull_bandwidth=1.3e9, progress_interval=0.002)
    page = make_page(sim)
    stamps: list[float] = []
    page.pulls.changed.connect(
        lambda _n, s: stamps.append(time.monotonic()) if s.phase == "pulling" else None)
    started = time.monotonic()
    with qtbot.waitSignal(page.pulls.finished, timeout=10_000):
        page.pulls.pull(SMALL)
    elapsed = time.monotonic() - started
    assert len(stamps) >= 3
    # The daemon sent a line every 2 ms; the page got at most one update per flush tick.
    assert len(stamps) <= elapsed * 1000 / FLUSH_MS + 3
    assert len(stamps) < elapsed / 0.002 / 4


def test_cancel_keeps_the_partial_download_and_retry_resumes(qtbot, sim_factory, make_page):
    sim = sim_factory(pull_bandwidth=4e8, progress_interval=0.01)
    page = make_page(sim)
    page.pulls.pull(SMALL)
    wait_bytes(qtbot, page, SMALL, 50_000_000)
    row = page.rows[SMALL]
    assert row.cancel_button.isVisible() and not row.retry_button.isVisible()
    with qtbot.waitSignal(page.pulls.cancelled, timeout=3000):
        row.cancel_button.click()
    state = page.pulls.state(SMALL)
    assert state.phase == "cancelled" and not page.pulls.has_active()
    assert row.retry_button.isVisible() and not row.cancel_button.isVisible()
    assert row.error.text() == ""  # cancelling is not an error
    on_disk = sum(done for done, _size in sim.blob_progress(SMALL).values())
    assert 0 < on_disk < sum(size for _d, size in sim.blob_progress(SMALL).values())

    seen = record(page)
    sim.pull_bandwidth = 4e9  # the rest quickly
    with qtbot.waitSignal(page.pulls.finished, timeout=10_000):
        row.retry_button.click()
    first = next(s for s in seen if s.phase == "pulling" and s.total > 0)
    assert first.completed >= on_disk * 0.9  # resumed, not started over
    assert SMALL in sim.installed_names()


def test_daemon_killed_mid_pull_shows_the_error_then_retry_resumes(qtbot, sim_factory,
                                                                   make_page):
    sim = sim_factory(pull_bandwidth=4e8, progress_interval=0.01)
    page = make_page(sim)
    page.pulls.pull(SMALL)
    wait_bytes(qtbot, page, SMALL, 50_000_000)
    with qtbot.waitSignal(page.pulls.failed, timeout=5000) as failed:
        sim.stop()
    row = page.rows[SMALL]
    assert failed.args[0] == SMALL
    assert row.error.isVisible() and row.error.text() == failed.args[1]
    assert "daemon" in row.error.text().lower()
    assert row.retry_button.isVisible()
    kept = sum(done for done, _size in sim.blob_progress(SMALL).values())
    assert kept > 0

    sim.restart()  # same port; partial blobs survive like a real daemon's
    sim.pull_bandwidth = 4e9
    seen = record(page)
    sim.pull_bandwidth = 4e9  # the rest quickly
    with qtbot.waitSignal(page.pulls.finished, timeout=10_000):
        row.retry_button.click()
    first = next(s for s in seen if s.phase == "pulling" and s.total > 0)
    assert first.completed >= kept * 0.9
    assert not row.error.isVisible()
    assert page.pulls.state(SMALL).attempt == 2


def test_dropped_stream_is_an_error_in_the_row(qtbot, sim_factory, make_page):
    sim = sim_factory(pull_bandwidth=4e8, progress_interval=0.01)
    sim.faults.drop("/api/pull", after_lines=4)
    page = make_page(sim)
    with qtbot.waitSignal(page.pulls.failed, timeout=5000) as failed:
        page.pulls.pull(SMALL)
    assert "dropped" in failed.args[1].lower() or "ended" in failed.args[1].lower()
    sim.pull_bandwidth = 4e9
    with qtbot.waitSignal(page.pulls.finished, timeout=10_000):
        page.pulls.retry(SMALL)


def test_missing_tag_shows_the_daemons_reason(qtbot, sim, make_page):
    page = make_page(sim)
    with qtbot.waitSignal(page.pulls.failed, timeout=5000) as failed:
        page.name_edit.setText("llama3.1:no-such-tag")
        page.name_edit.returnPressed.emit()
    message = failed.args[1]
    assert "file does not exist" in message  # the daemon's own words
    row = page.rows["llama3.1:no-such-tag"]
    # In the app's words: the Variants page, not the CLI's `quantdesk variants`.
    assert row.error.text() == for_people(message) and row.retry_button.isVisible()
    assert "Variants page" in row.error.text() and "`quantdesk" not in row.error.text()
    toast = page.window().findChild(Toast)
    assert toast is not None and "failed" in toast.text()


def test_invalid_name_is_refused_before_any_request(qtbot, sim, make_page):
    page = make_page(sim)
    page.name_edit.setText("bad name/:")
    page.pull_button.click()
    assert page.message.isVisible() and "not a valid model name" in page.message.text()
    assert page.pulls.states() == []


def test_short_disk_space_stops_the_pull_with_a_clear_message(qtbot, sim, make_page,
                                                              monkeypatch, tmp_path):
    monkeypatch.setattr(disk_module, "free_space", lambda folder: DiskCheck(folder, 10**8))
    page = make_page(sim)
    with qtbot.waitSignal(page.pulls.failed, timeout=5000) as failed:
        page.pulls.pull(SMALL, expected_bytes=1_300_000_000)
    assert "Not enough disk space" in failed.args[1]
    assert str(tmp_path) in failed.args[1]
    assert SMALL not in sim.installed_names()
    assert sim.blob_progress(SMALL) and all(
        done == 0 for done, _ in sim.blob_progress(SMALL).values())


def test_disk_space_is_checked_as_layer_sizes_appear(qtbot, sim, make_page, monkeypatch):
    # Size unknown up front: the first layer's size reveals the shortage mid-stream.
    monkeypatch.setattr(disk_module, "free_space", lambda folder: DiskCheck(folder, 10**8))
    page = make_page(sim)
    with qtbot.waitSignal(page.pulls.failed, timeout=20_000) as failed:
        page.pulls.pull(SMALL)
    assert "Not enough disk space" in failed.args[1]


def test_queue_runs_one_pull_at_a_time_in_order(qtbot, sim_factory, make_page):
    sim = sim_factory(pull_bandwidth=2e9, progress_interval=0.01)
    page = make_page(sim)
    second = "llama3.2:1b-instruct-q8_0"
    page.pulls.pull(SMALL)
    page.pulls.pull(second)
    assert page.pulls.state(second).phase == "queued"
    assert page.rows[second].phase.text().startswith("Waiting")
    order: list[str] = []
    page.pulls.finished.connect(order.append)
    qtbot.waitUntil(lambda: len(order) == 2, timeout=15_000)
    assert order == [SMALL, second]
    page.clear_button.click()
    assert page.rows == {} and page.empty.isVisible()


def test_pulling_the_same_model_twice_does_not_duplicate(qtbot, sim_factory, make_page):
    sim = sim_factory(pull_bandwidth=1e9)
    page = make_page(sim)
    page.pulls.pull(SMALL)
    page.pulls.pull(SMALL)
    assert len(page.pulls.states()) == 1 and len(page.rows) == 1
    with qtbot.waitSignal(page.pulls.finished, timeout=10_000):
        pass


def test_remote_daemon_skips_the_disk_check(monkeypatch):
    assert is_local("127.0.0.1:11434") and is_local("localhost") and is_local("[::1]:1")
    assert not is_local("192.168.1.20:11434") and not is_local("https://ollama.example")


def test_models_dir_prefers_ollama_models_then_falls_back(tmp_path: Path):
    models = tmp_path / "m"
    models.mkdir()
    assert models_dir({"OLLAMA_MODELS": str(models)}, home=tmp_path) == models
    # Not created yet: its nearest existing parent is on the same disk.
    assert models_dir({"OLLAMA_MODELS": str(models / "x" / "y")}, home=tmp_path) == models
    home = tmp_path / "home"
    (home / ".ollama").mkdir(parents=True)
    assert models_dir({}, home=home) == home / ".ollama"
    bare = tmp_path / "bare"
    bare.mkdir()
    assert models_dir({}, home=bare) == bare


def test_require_space_keeps_headroom(tmp_path: Path):
    require_space("m", 1000, DiskCheck(tmp_path, 1000 + HEADROOM_BYTES))
    with pytest.raises(DiskSpaceShort) as err:
        require_space("m", 1001, DiskCheck(tmp_path, 1000 + HEADROOM_BYTES))
    assert "m" in str(err.value) and str(tmp_path) in str(err.value)
    require_space("m", 0, DiskCheck(tmp_path, 0))  # unknown size: nothing to check yet


def test_ready_is_emitted_when_the_queue_is_first_shown(qtbot, sim, make_services):
    page = DownloadsPage(make_services(sim.host))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.ready, timeout=1000):
        page.show()
    with qtbot.assertNotEmitted(page.ready):
        page.hide()
        page.show()
