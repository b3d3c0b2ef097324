"""``make demo`` and the banner's "Explore with the simulated daemon" start the same simulated
daemon with its own machine and registry, so the Variants page gives the same verdicts on
both paths (and not the verdicts of the machine the app was started on)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from quantdesk.core.config import Settings
from quantdesk.ui import demo
from quantdesk.ui.app import demo_services
from quantdesk.ui.pages.variants import VariantsPage

GIB = 1 << 30


@pytest.fixture
def demo_daemon():
    yield
    demo.stop_demo_daemon()


def _verdicts(qtbot, services, shot: Path, query: str = "llama3.1:8b"):
    """The Variants page's verdicts on ``services``, and a screenshot of it at ``shot``."""
    page = VariantsPage(services)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    with qtbot.waitSignal(page.ladder_shown, timeout=30_000):
        page.show_model(query)
    page.set_context(4096)
    qtbot.wait(50)
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(shot), "PNG")
    rows = {r.variant.tag: r.fit.verdict for r in page.model.rows() if r.fit}
    pick = page.plan.recommendation.pick
    return rows, pick.name if pick else None, page.view, page.machine_line.label.text()


def test_banner_and_demo_give_the_same_verdicts(qtbot, make_window, unreachable_host,
                                                demo_daemon, tmp_path):
    # QUANTDESK_PATH_SHOTS=docs/screenshots/paths keeps the two screenshots to look at
    shots = Path(os.environ.get("QUANTDESK_PATH_SHOTS") or tmp_path)
    made = demo_services(settings=Settings())
    try:
        with qtbot.waitSignal(made.installed.changed, timeout=10_000):
            made.start()
        from_demo, demo_pick, demo_view, demo_line = _verdicts(
            qtbot, made, shots / "variants-make-demo.png")
    finally:
        made.close()

    # The window starts on nothing (and a 24 GiB test card); the banner brings the simulator.
    window = make_window(unreachable_host)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    with qtbot.waitSignal(window.services.connection.connected, timeout=10_000):
        window.banner.sim_button.click()
    services = window.services
    assert services.host == demo.start_demo().host
    assert services.registry == demo.start_demo().registry
    machine = services.hardware.machine
    assert machine.gpus[0].name == "Simulated GPU 12 GB" and machine.total_vram_bytes == 12 * GIB
    qtbot.waitUntil(lambda: bool(services.installed.models), timeout=10_000)
    from_banner, banner_pick, banner_view, banner_line = _verdicts(
        qtbot, services, shots / "variants-banner-simulator.png")

    assert from_banner == from_demo and banner_pick == demo_pick
    assert demo_view.source == banner_view.source == "simulated"
    assert demo_line == banner_line
    assert banner_line.endswith("from the simulator's own machine.")
    assert "Simulated GPU 12 GB" in banner_line
    # a 12 GB card at 4k: q8_0 (8.5 GB) fits, fp16 (16 GB) spills into RAM
    assert from_demo["8b-instruct-q8_0"] == "gpu" and from_demo["8b-instruct-fp16"] == "partial"
    assert demo_pick == "llama3.1:8b-instruct-q8_0"


def test_a_probe_answering_after_the_simulator_started_does_not_replace_its_machine(
        qtbot, make_services, unreachable_host, demo_daemon):
    services = make_services(unreachable_host, machine=None)
    services.hardware.probe()  # this computer's probe, still running …
    simulated = demo.start_demo()
    services.hardware.use_machine(simulated.machine, simulated.view)  # … when this comes
    qtbot.wait(1500)  # long enough for the probe to have answered
    assert services.hardware.machine is simulated.machine
    assert services.hardware.fixed_view.source == "simulated"
