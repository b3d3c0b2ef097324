"""The Running page records (predicted, measured) pairs the first time it sees a model loaded,
and the Machine page shows the correction they teach. Against the simulator over loopback."""

from __future__ import annotations

import dataclasses

import httpx
from shell_support import fake_machine, wait_connected

from PySide6.QtCore import Qt

from quantdesk.core.fit import Architecture, FitOptions, calibrate, estimate_fit
from quantdesk.core.store import HistoryStore, ObservedLoad, default_path
from quantdesk.core.store.load_pairs import machine_key
from quantdesk.ui.pages.running_model import COL_PREDICTED

MODEL = "llama3.2:1b-instruct-q4_K_M"


def rows():
    if not default_path().exists():
        return []
    with HistoryStore(default_path()) as store:
        return store.loads.loads()


def raw(sim, method, path, body=None):
    return httpx.request(method, sim.url + path, json=body, timeout=5, trust_env=False).json()


def expected_prediction(sim, ctx):
    show = raw(sim, "POST", "/api/show", {"model": MODEL})
    tensors = [(t["name"], t["type"], tuple(t["shape"])) for t in show["tensors"]]
    return estimate_fit(Architecture.from_model_info(show["model_info"]), fake_machine(),
                        FitOptions(num_ctx=ctx, ollama_version=sim.version), tensors=tensors,
                        quant=show["details"]["quantization_level"]).ps_size


def seed(pairs):
    with HistoryStore(default_path()) as store:
        for i, (pred, obs) in enumerate(pairs):
            store.loads.record(ObservedLoad(f"seed:{i}", f"sha256:{i}", 2048, pred, pred, obs,
                                            obs, "0.32.15", machine_key(fake_machine())))


def test_running_page_records_a_pair_on_first_sight_only(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=[MODEL], loaded=[MODEL])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    window.show_page("running")
    page = window.pages["running"]
    qtbot.waitUntil(lambda: len(rows()) == 1, timeout=20_000)
    [entry] = raw(sim, "GET", "/api/ps")["models"]
    [row] = rows()
    assert (row.model, row.digest, row.num_ctx) == (MODEL, entry["digest"],
                                                      entry["context_length"])
    assert row.observed_size == entry["size"] and row.observed_vram == entry["size_vram"]
    assert row.predicted_size == expected_prediction(sim, entry["context_length"])
    assert row.machine_key == machine_key(fake_machine())

    running = window.services.running
    for _ in range(3):  # more polls of the same loaded model write nothing more
        polls = running.polls
        running.refresh()
        qtbot.waitUntil(lambda p=polls: running.polls > p, timeout=20_000)
    qtbot.wait(100)
    assert len(rows()) == 1

    # One figure with the panel: how much more (+) or less Ollama uses than predicted.
    gap = (row.observed_size - row.predicted_size) / row.predicted_size
    qtbot.waitUntil(lambda: page.model.index(0, COL_PREDICTED).data() != "—", timeout=20_000)
    shown = f"{gap:+.1%}" if abs(gap) < 0.01 and gap else f"{gap:+.0%}"
    assert page.model.index(0, COL_PREDICTED).data().endswith(f"({shown})")
    assert "Ollama measures" in page.model.index(0, COL_PREDICTED).data(
        Qt.ItemDataRole.ToolTipRole)


def test_machine_page_shows_the_correction_and_updates_after_a_new_pair(
        make_window, sim_factory, qtbot):
    pairs = [(1000, 1080), (2000, 2120), (4000, 4400)]
    seed(pairs)
    sim = sim_factory(installed=[MODEL])
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    window.show_page("machine")
    machine_page = window.pages["machine"]
    qtbot.waitUntil(lambda: machine_page.calibration_label.text() == calibrate(pairs).describe(),
                    timeout=20_000)
    assert "3 loads" in machine_page.calibration_label.text()

    sim.load(MODEL, num_ctx=2048)
    window.show_page("running")
    window.services.running.refresh()
    qtbot.waitUntil(lambda: len(rows()) == 4, timeout=20_000)
    everything = [(r.predicted_size, r.observed_size) for r in rows()]
    want = calibrate(everything).describe()
    qtbot.waitUntil(lambda: machine_page.calibration_label.text() == want, timeout=20_000)
    assert "4 loads" in want
    label = window.pages["running"].calibration_label
    assert label.isVisibleTo(window) and want in label.text()


def test_a_simulated_machine_shows_predictions_but_teaches_nothing(
        make_window, sim_factory, qtbot):
    demo = dataclasses.replace(fake_machine(), override="demo: the simulated daemon's machine")
    sim = sim_factory(installed=[MODEL], loaded=[MODEL])
    window = make_window(sim.host, machine=demo)
    wait_connected(qtbot, window)
    window.show_page("running")
    page = window.pages["running"]
    qtbot.waitUntil(lambda: page.model._predicted.get(MODEL, 0) > 0, timeout=20_000)
    [entry] = raw(sim, "GET", "/api/ps")["models"]
    assert page.model._predicted[MODEL] == expected_prediction(sim, entry["context_length"])
    assert rows() == [] and not default_path().exists()
    assert "real machine" in window.pages["machine"].calibration_label.text()
