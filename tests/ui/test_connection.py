"""No daemon at start, the banner, reconnecting on its own, Start Ollama, the simulator."""

from __future__ import annotations

import os
import shutil
import stat

from shell_support import wait_connected

from quantdesk.ui.services import connection as connection_mod
from quantdesk.ui.widgets.banner import DaemonBanner


def test_daemon_down_at_start_then_back_reconnects_without_user_action(
    make_window, sim_factory, qtbot, monkeypatch
):
    # Short backoff so the test does not wait for the real 1 s → 30 s ladder.
    monkeypatch.setattr(connection_mod, "FIRST_RETRY_MS", 100)
    monkeypatch.setattr(connection_mod, "MAX_RETRY_MS", 400)
    sim = sim_factory(installed=["llama3.2:1b"])
    sim.stop()  # same port later: the daemon "comes back"
    window = make_window(sim.host)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    state = window.services.connection.state
    assert state.status == "unreachable"
    assert sim.host in window.banner.title.text()
    assert "Cannot reach" in window.banner.detail.text()
    assert "Not connected" in window.status.daemon.text()
    with qtbot.waitSignal(window.services.connection.connected, timeout=5000) as blocker:
        sim.start()
    assert blocker.args == [sim.version]
    assert not window.banner.isVisible()
    assert f"Connected to {sim.host}" in window.status.daemon.text()
    # Nothing lost: the installed list arrives once the daemon is back.
    qtbot.waitUntil(lambda: window.services.installed.names == ["llama3.2:1b"], timeout=5000)


def test_backoff_doubles_up_to_the_cap(make_services, unreachable_host, qtbot):
    services = make_services(unreachable_host)
    delays = []
    services.connection.state_changed.connect(
        lambda s: delays.append(s.retry_in_ms) if s.status == "unreachable" else None)
    services.connection.probe()
    qtbot.waitUntil(lambda: len(delays) >= 1, timeout=5000)
    assert delays[0] == connection_mod.FIRST_RETRY_MS
    # Later attempts wait longer, never more than the cap (driven here by hand, no waiting).
    for _ in range(7):
        services.connection._mark_unreachable("down")
    assert delays[1:4] == [2000, 4000, 8000]
    assert max(delays) == connection_mod.MAX_RETRY_MS == 30_000


def test_daemon_lost_while_polling_shows_banner(make_window, sim_factory, qtbot, monkeypatch):
    monkeypatch.setattr(connection_mod, "FIRST_RETRY_MS", 100)
    sim = sim_factory(installed=["llama3.2:1b"], loaded=["llama3.2:1b"])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    sim.stop()
    with qtbot.waitSignal(window.services.connection.disconnected, timeout=5000):
        window.services.running.refresh()
    assert window.banner.isVisible()
    sim.start()
    wait_connected(qtbot, window)
    assert not window.banner.isVisible()


def test_start_ollama_hidden_without_binary(qtbot, monkeypatch, unreachable_host):
    from quantdesk.ui.services.connection import ConnectionState

    monkeypatch.setattr(shutil, "which", lambda name: None)
    banner = DaemonBanner()
    qtbot.addWidget(banner)
    banner.show_state(ConnectionState(unreachable_host, "unreachable", reason="refused"))
    assert banner.isVisible()
    assert not banner.start_button.isVisible()
    assert banner.sim_button.isVisible() and banner.retry_button.isVisible()


def test_start_ollama_runs_the_binary_with_serve(make_window, unreachable_host, qtbot,
                                                 tmp_path, monkeypatch):
    # A stand-in `ollama` on PATH that records how it was started.
    record = tmp_path / "argv.txt"
    fake = tmp_path / "bin" / "ollama"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > "{record}"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    window = make_window(unreachable_host)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert window.banner.start_button.isVisible()
    window.banner.start_button.click()
    qtbot.waitUntil(lambda: record.exists() and bool(record.read_text().strip()),
                    timeout=5000)
    assert record.read_text().split() == ["serve"]


def test_explore_with_simulated_daemon_switches_host(make_window, sim_factory,
                                                     unreachable_host, qtbot):
    started = []

    def start_sim() -> str:
        sim = sim_factory(installed=["qwen2.5:0.5b"])
        started.append(sim)
        return sim.host

    window = make_window(unreachable_host, start_simulator=start_sim)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    with qtbot.waitSignal(window.services.connection.connected, timeout=5000):
        window.banner.sim_button.click()
    assert window.services.host == started[0].host
    assert not window.banner.isVisible()
    assert started[0].version in window.status.daemon.text()
    qtbot.waitUntil(lambda: window.services.installed.names == ["qwen2.5:0.5b"], timeout=5000)
