"""The details panel under the Running table: our prediction's breakdown beside Ollama's
measured figures, for the selected loaded model. Against the simulator over loopback."""

from __future__ import annotations

import httpx
from shell_support import fake_machine, wait_connected

from quantdesk.core.fit import Architecture, FitOptions, FitResult, estimate_fit
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.widgets.running_detail import EMPTY_HINT, WAITING, difference_text

MODEL = "llama3.2:1b-instruct-q4_K_M"
OTHER = "qwen2.5:0.5b"


def raw(sim, method, path, body=None):
    return httpx.request(method, sim.url + path, json=body, timeout=5, trust_env=False).json()


def expected_fit(sim, name: str, ctx: int) -> FitResult:
    """Our estimate made here, from /api/show, for the machine the window was given."""
    show = raw(sim, "POST", "/api/show", {"model": name})
    tensors = [(t["name"], t["type"], tuple(t["shape"])) for t in show["tensors"]]
    return estimate_fit(Architecture.from_model_info(show["model_info"]), fake_machine(),
                        FitOptions(num_ctx=ctx, ollama_version=sim.version), tensors=tensors,
                        quant=show["details"]["quantization_level"])


def ps_entry(sim, name: str) -> dict:
    return next(m for m in raw(sim, "GET", "/api/ps")["models"] if m["name"] == name)


def open_running(make_window, qtbot, sim):
    window = make_window(sim.host)
    wait_connected(qtbot, window)
    window.show_page("running")
    return window, window.pages["running"]


def test_loaded_model_shows_breakdown_beside_measured_figures(make_window, sim, qtbot):
    sim.install(MODEL)
    sim.load(MODEL, num_ctx=4096)
    window, page = open_running(make_window, qtbot, sim)
    detail = page.detail
    # The first row is selected without a click, and the prediction arrives by signal.
    qtbot.waitUntil(lambda: detail.model_name == MODEL, timeout=10_000)
    assert page.selected_model() == MODEL
    qtbot.waitUntil(lambda: detail.predicted["total"].text() != WAITING, timeout=20_000)

    entry = ps_entry(sim, MODEL)
    fit = expected_fit(sim, MODEL, entry["context_length"])
    est = fit.estimate
    assert detail.predicted["total"].text() == human_bytes(fit.ps_size)
    assert fit.ps_size == page.model._predicted[MODEL]  # the table's "Predicted" figure
    assert [detail.predicted[k].text() for k in ("weights", "kv", "graph", "overhead")] == [
        human_bytes(est.weights_bytes), human_bytes(est.kv_cache_bytes),
        human_bytes(est.graph_bytes), human_bytes(est.overhead_bytes)]
    assert detail.predicted["vram"].text() == human_bytes(fit.ps_size_vram)
    assert detail.predicted["context"].text() == f"{fit.num_ctx:,}"

    assert detail.measured["total"].text() == human_bytes(entry["size"])
    assert detail.measured["vram"].text() == human_bytes(entry["size_vram"])
    assert detail.measured["context"].text() == f"{entry['context_length']:,}"
    assert detail.measured["processor"].text() == page.model.rows[0].processor
    assert detail.measured["weights"].text() == "—"  # /api/ps gives no breakdown

    assert detail.difference.text() == difference_text(fit.ps_size, entry["size"])
    place = fit.placement
    assert f"{place.gpu_layers} of {place.total_layers} layers" in detail.placement.text()
    assert fit.reason and detail.reason.text() == f"Fit: {fit.reason}."
    assert detail.title.isVisibleTo(window) and not detail.hint.isVisibleTo(window)
    assert detail.predicted["total"].accessibleName() == "Predicted total"


def test_selection_drives_the_panel_and_an_empty_table_shows_the_hint(
        make_window, sim, qtbot):
    for name in (MODEL, OTHER):
        sim.install(name)
        sim.load(name, num_ctx=2048)
    window, page = open_running(make_window, qtbot, sim)
    detail = page.detail
    qtbot.waitUntil(lambda: len(page.model.rows) == 2, timeout=10_000)
    first, second = (m.name for m in page.model.rows)
    assert detail.model_name == first
    page.table.selectRow(1)
    assert detail.model_name == second and second in detail.title.text()
    assert detail.measured["total"].text() == human_bytes(ps_entry(sim, second)["size"])

    # A poll with the same models keeps the user's row and the user's pick in the combo.
    page.switch_combo.setCurrentText(first)
    polls = window.services.running.polls
    window.services.running.refresh()
    qtbot.waitUntil(lambda: window.services.running.polls > polls, timeout=10_000)
    assert detail.model_name == second and page.switch_combo.currentText() == first

    window.services.running.unload_all()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=10_000)
    assert detail.model_name is None
    assert detail.hint.isVisibleTo(window) and detail.hint.text() == EMPTY_HINT
    assert not detail.grid.isVisibleTo(window)


def test_difference_reads_as_plain_words():
    gb = 1_000_000_000
    assert difference_text(5 * gb, 5 * gb + gb // 5) == (
        f"Ollama uses {human_bytes(gb // 5)} more than predicted (+4%).")
    assert difference_text(5 * gb, 4 * gb) == (
        f"Ollama uses {human_bytes(gb)} less than predicted (-20%).")
    # A gap under one percent keeps a decimal, so it does not read as "+0%".
    assert difference_text(10 * gb, 10 * gb + 30_000_000).endswith("(+0.3%).")
    assert difference_text(gb, gb) == "Ollama uses exactly the predicted size."
