"""The GUI's daemon client keeps the request_timeout deadlines (as the CLI does); a comparison
the history could not store is exported and the user told where; a damaged history file
moved aside is told too."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from quantdesk.core.compare.export import import_json
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.config import Settings
from quantdesk.core.deadlines import DEFAULT_DEADLINES, deadlines_for
from quantdesk.core.store.database import default_path
from quantdesk.ui.services.compare import RunRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_server import HostileServer, drip, head  # noqa: E402


def test_the_gui_client_takes_the_request_timeout_setting(make_services, sim):
    services = make_services(sim.host, settings=Settings(request_timeout=7))
    assert services.client().deadlines == deadlines_for(7)
    assert services.client().deadlines.tags == 7.0 != DEFAULT_DEADLINES.tags
    services.config.save(replace(services.settings, request_timeout=11))
    assert services.client().deadlines.tags == 11.0
    services.connection.set_host(sim.host + "/")  # a new client keeps them too
    assert services.client().deadlines.version == 11.0


def test_a_dripping_daemon_is_given_up_within_the_deadline(qtbot, make_services):
    def version(conn, _req):
        conn.sendall(head(200, [("Content-Type", "application/json"),
                                ("Content-Length", "40")]))
        drip(conn, b'{"version": "0.32.15"}' + b" " * 18, every_s=1.0)

    daemon = HostileServer({"/api/version": version})
    try:
        services = make_services(daemon.url, settings=Settings(request_timeout=2))
        started = time.monotonic()
        with qtbot.waitSignal(services.connection.disconnected, timeout=15_000) as gone:
            services.connection.probe()
        took = time.monotonic() - started
        # the 2 s deadline (the probe's own 5 s floor would be later; 40 bytes take 40 s)
        assert took < 4.5, took
        assert "2" in gone.args[0] or "version" in gone.args[0].lower()
    finally:
        daemon.stop()


def _result(unsaved: str) -> ComparisonResult:
    spec = ComparisonSpec(models=["a:1", "b:1"], prompt="p")
    return ComparisonResult(id="cmp-unsaved", created_at="2026-12-07T10:00:00+00:00",
                            spec=spec, reference="a:1", fingerprint={},
                            runs=[RunResult("a:1", 0, state="done", response="one"),
                                  RunResult("b:1", 1, state="done", response="two")],
                            unsaved=unsaved)


def test_an_unsaved_comparison_is_exported_and_told(qtbot, make_services, sim):
    async def runner(*_args, **_kwargs) -> ComparisonResult:
        # what run_comparison returns when every write to the history failed
        return _result("[Errno 28] No space left on device")

    services = make_services(sim.host, compare_runner=runner)
    with qtbot.waitSignal(services.compare.finished, timeout=10_000) as done:
        services.compare.start(RunRequest(ComparisonSpec(models=["a:1", "b:1"], prompt="p")))
    assert done.args[0].unsaved
    title, text = services.notifier.history[-1]
    assert title == "Comparison not saved"
    assert "No space left on device" in text and "exported to " in text
    path = Path(text.split("exported to ")[1].rstrip("."))
    kept = import_json(path)
    assert kept.id == "cmp-unsaved" and [r.response for r in kept.runs] == ["one", "two"]


def test_a_damaged_history_is_moved_aside_and_told(qtbot, make_services, sim):
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an SQLite database" * 100)
    services = make_services(sim.host)
    with qtbot.waitSignal(services.compare_history.listed, timeout=10_000):
        services.compare_history.refresh()
    told = [t for title, t in services.notifier.history if title == "Compare history"]
    assert len(told) == 1 and "was damaged" in told[0] and str(path) in told[0]
    with qtbot.waitSignal(services.compare_history.listed, timeout=10_000):
        services.compare_history.refresh()
    assert len([1 for title, _t in services.notifier.history if title == "Compare history"]) == 1
