"""What the demo and the screenshots show: the 12 GB demo machine, the Variants page opening
on the loaded family in whole sentences, the Compare summary and panes fitting four variants,
and the Downloads demo queue. Against the simulator over loopback where a daemon is needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from PySide6.QtCore import Qt

from quantdesk.core.compare.results import RunResult
from quantdesk.core.ollama import LocalModel, ModelDetails
from quantdesk.core.registry import Variant
from quantdesk.ui.pages.downloads_demo import showing_all
from quantdesk.ui.pages.variants import as_sentence, best_sentence, most_relevant
from quantdesk.ui.pages.variants_model import is_base_model, tidy_order
from quantdesk.ui.plain_text import tip as plain_tip
from quantdesk.ui.services.pulls import LayerState, PullState
from quantdesk.ui.widgets.compare_format import accuracy_short, point_labels
from quantdesk.ui.widgets.compare_pane import REFERENCE_STAR, TWO_COLUMN_WIDTH, VariantPane
from quantdesk.ui.widgets.fit_badge import FitView

GIB = 1 << 30


def local(name: str, day: int) -> LocalModel:
    return LocalModel(name=name, model=name, digest="d" * 64, size=1,
                      modified_at=datetime(2025, 1, day, tzinfo=UTC),
                      details=ModelDetails.from_json({}))


def test_variants_open_on_the_loaded_then_recent_then_newest_family():
    models = [local("gemma2:9b", 1), local("llama3.1:8b", 2), local("qwen2.5:7b", 3)]
    assert most_relevant(models, ["llama3.1:8b"], []) == "llama3.1"
    assert most_relevant(models, [], ["mistral:7b", "gemma2:9b"]) == "gemma2"  # installed only
    assert most_relevant(models, [], []) == "qwen2.5"  # the newest pull, not "gemma2"
    assert most_relevant([], ["llama3.1:8b"], []) is None


def variant(tag: str, quant: str, size: int, *, installed: bool = False) -> Variant:
    from quantdesk.core.quant import parse_quant

    return Variant(name=f"llama3.1:{tag}", tag=tag, quant=parse_quant(quant), size_bytes=size,
                   model_bytes=size, digest=None, installed=installed)


def test_chat_builds_come_first_and_the_pick_reads_as_sentences():
    # which build is picked is core.advice's (tests/unit/test_advice_recommend.py)
    text = variant("8b-text-q8_0", "Q8_0", 8_500_000_000)
    chat = variant("8b-instruct-q8_0", "Q8_0", 8_500_000_000, installed=True)
    small = variant("8b-instruct-q4_K_M", "Q4_K_M", 4_900_000_000)
    gpu = FitView("gpu", "Fully on GPU", "", 33, 33, 9_400_000_000, 9_400_000_000, 23296)
    assert is_base_model(text) and not is_base_model(chat)
    assert [v.tag for v in tidy_order([text, chat, small])] == [
        "8b-instruct-q8_0", "8b-text-q8_0", "8b-instruct-q4_K_M"]
    sentence = best_sentence(chat, gpu, 4096)
    assert sentence.startswith("8b-instruct-q8_0 runs fully on the GPU in 9.4 GB")
    assert "up to 22.8k of context. Practically lossless;" in sentence
    assert ". the" not in sentence and sentence.endswith(".")
    partial = FitView("partial", "Partial 24/33 layers", "", 24, 33, 16_800_000_000, 0, 0)
    assert "24 of 33 layers on the GPU" in best_sentence(chat, partial, 4096)
    assert as_sentence("severe loss; experiments only") == "Severe loss; experiments only."


def test_variants_page_opens_on_the_loaded_family_with_readable_advice(
        qtbot, sim_factory, make_services, monkeypatch, tmp_path):
    from quantdesk.ui.pages.variants import VariantsPage
    from quantdesk.ui.pages.variants_model import ADVICE

    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path))
    sim = sim_factory(installed=["gemma2:9b", "llama3.1:8b"], loaded=["llama3.1:8b"])
    services = make_services(sim.host, registry=sim.url)
    with qtbot.waitSignal(services.running.models_changed, timeout=5000):
        services.start()
    qtbot.waitUntil(lambda: bool(services.installed.models), timeout=5000)
    page = VariantsPage(services)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    with qtbot.waitSignal(page.ladder_shown, timeout=10_000) as shown:
        page.show()
    assert shown.args == ["llama3.1"]  # not the alphabetically first "gemma2"
    row = page.model.rows()[0]
    shown_text = page.model.data(page.model.index(0, ADVICE))
    tip = page.model.data(page.model.index(0, ADVICE), Qt.ItemDataRole.ToolTipRole)
    # The tip is the advice, escaped (it quotes names).
    assert shown_text == row.variant.quant.words and tip == plain_tip(row.advice)
    assert shown_text in tip
    assert page.table.columnWidth(ADVICE) >= 120


def run(model: str, quant: str, position: int, **kw) -> RunResult:
    return RunResult(model, position, state="done", quant=quant, **kw)


def test_chart_labels_and_table_accuracy_are_short():
    runs = [run("llama3.1:8b-instruct-fp16", "F16", 0), run("llama3.1:8b", "Q4_K_M", 1)]
    assert point_labels(runs) == {"llama3.1:8b-instruct-fp16": "F16", "llama3.1:8b": "Q4_K_M"}
    same = [run("a:1", "Q4_K_M", 0), run("b:2", "Q4_K_M", 1)]
    assert point_labels(same) == {"a:1": "1", "b:2": "2"}  # the level tells nothing apart
    r = run("m:x", "Q2_K", 0, accuracy=0.75, correct=9, graded=12, accuracy_low=0.47,
            accuracy_high=0.91)
    assert accuracy_short(r) == "75% (9/12)"


def test_narrow_pane_lists_metrics_in_one_column_and_keeps_its_title_on_one_line(qtbot):
    pane = VariantPane("llama3.1:8b-instruct-fp16", reference=True)
    qtbot.addWidget(pane)
    pane.resize(TWO_COLUMN_WIDTH + 100, 400)
    pane.show()
    qtbot.waitUntil(lambda: pane.metric_columns == 2)
    assert pane.title.text() == "llama3.1:8b-instruct-fp16"
    assert "reference" in pane.ref_label.text()
    pane.resize(200, 400)
    qtbot.waitUntil(lambda: pane.metric_columns == 1)
    assert pane.ref_label.text() == REFERENCE_STAR
    assert "…" in pane.title.text() and pane.title.text().endswith("fp16")
    for value in pane.values.values():  # every metric still has a label beside it
        assert value.isVisibleTo(pane)


def pull(name: str, phase: str, **kw) -> PullState:
    return PullState(name, phase, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("missing_message", ["", "not found"])
def test_downloads_demo_waits_for_all_three_rows(missing_message):
    done = pull("a", "done")
    failed = pull("b", "failed", message=missing_message)
    going = pull("c", "pulling", completed=10, total=100, speed=5.0, eta_s=18.0,
                 layers=(LayerState("sha256:" + "0" * 64, 10, 100),))
    assert showing_all(done, failed, going) is bool(missing_message)
    assert not showing_all(done, pull("b", "failed", message="x"), pull("c", "pulling"))


def test_demo_machine_is_the_12_gb_gaming_pc_and_ps_agrees_with_the_prediction(qapp):
    import httpx

    from quantdesk.core.fit import Architecture, FitOptions, estimate_fit
    from quantdesk.ui import demo

    host = demo.start_demo_daemon()
    try:
        machine = demo.demo_machine()
        sim = demo.demo_daemon()
        assert machine.total_vram_bytes == sim.machine.vram_bytes == 12 * GIB
        assert machine.ram.total_bytes == sim.machine.ram_bytes == 32 * GIB
        assert machine.gpus[0].name == "Simulated GPU 12 GB"
        [ps] = httpx.get(f"http://{host}/api/ps", trust_env=False).json()["models"]
        assert ps["name"] == demo.DEMO_LOADED and ps["context_length"] == 4096
        show = httpx.post(f"http://{host}/api/show", json={"model": ps["name"]},
                          trust_env=False).json()
        tensors = [(t["name"], t["type"], tuple(t["shape"])) for t in show["tensors"]]
        predicted = estimate_fit(Architecture.from_model_info(show["model_info"]), machine,
                                 FitOptions(num_ctx=4096, ollama_version=sim.version),
                                 tensors=tensors).ps_size
        assert ps["size"] == ps["size_vram"]
        assert abs(predicted - ps["size"]) < 0.02 * ps["size"]
    finally:
        demo.stop_demo_daemon()
