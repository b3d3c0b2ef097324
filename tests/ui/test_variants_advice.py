"""Variants page advice: the machine line and host profiles, quality and speed per variant,
the recommendation with applicable alternatives, flash attention, the snapshot and the
transformers section, against the simulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shell_support import fake_machine

from PySide6.QtCore import Qt

from quantdesk.core.compare.fingerprint import machine_key
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.config import config_path
from quantdesk.core.hosts import load_profiles, profile_from_preset, save_profile
from quantdesk.core.store import HistoryStore
from quantdesk.core.store.database import default_path
from quantdesk.ui.pages.variants import VariantsPage
from quantdesk.ui.pages.variants_model import QUALITY, SPEED

GIB = 1 << 30
# llama.cpp's KL-divergence scoreboard for Llama 3 8B, as the issue quotes it (nats)
LLAMA3_KLD = {"q8_0": 0.0014, "q6_K": 0.0055, "q5_K_M": 0.011, "q4_K_M": 0.031,
              "q4_0": 0.072, "q3_K_M": 0.10, "q2_K": 0.45}
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "quality-reference.json"


@pytest.fixture(autouse=True)
def _no_page_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path / "models"))


@pytest.fixture
def open_page(qtbot, make_services):
    def make(daemon, *, vram_gib: int = 8, registry: str | None = None) -> VariantsPage:
        services = make_services(daemon.host, registry=registry or daemon.url,
                                 machine=fake_machine(vram_gib=vram_gib))
        with qtbot.waitSignal(services.installed.changed, timeout=10_000):
            services.start()
        qtbot.waitUntil(lambda: services.connection.is_connected, timeout=10_000)
        page = VariantsPage(services)
        qtbot.addWidget(page)
        page.resize(1280, 800)
        return page

    return make


def show(qtbot, page: VariantsPage, query: str) -> None:
    with qtbot.waitSignal(page.ladder_shown, timeout=30_000):
        page.show_model(query)


def row_by_tag(page: VariantsPage, tag: str) -> int:
    return next(i for i, r in enumerate(page.model.rows()) if r.variant.tag == tag)


def cell(page: VariantsPage, row: int, col: int, role=Qt.ItemDataRole.DisplayRole):
    return page.model.data(page.model.index(row, col), role)


def test_quality_and_speed_columns_say_where_their_figures_come_from(qtbot, sim_factory,
                                                                    open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=12)
    show(qtbot, page, "llama3.1:8b")
    page.set_context(4096)
    reference = {r["quant"]: r["mean_kld"] for r in
                 json.loads(SHARED.read_text())["llama-3-8b"]} if SHARED.exists() else {}
    for quant, kld in LLAMA3_KLD.items():
        i = row_by_tag(page, f"8b-instruct-{quant}")
        text = cell(page, i, QUALITY)
        # the published figure to the 3 significant digits shown (0.031 from 0.03077 …)
        shown = float(text.split(" ")[0])
        assert shown == pytest.approx(kld, rel=0.06), (quant, text)
        if quant in reference:
            assert shown == pytest.approx(reference[quant], rel=0.005)
        tip = cell(page, i, QUALITY, Qt.ItemDataRole.ToolTipRole)
        assert "Measured on Llama 3 8B, not on this model" in tip
        assert "here" not in text
        speed = cell(page, i, SPEED)
        assert speed.startswith("≈") and speed.endswith("tok/s est.")
        assert "Estimate, not a measurement" in cell(page, i, SPEED, Qt.ItemDataRole.ToolTipRole)
    # a smaller build reads fewer bytes per token: it is expected faster on the same GPU
    q4 = page.plan.row("llama3.1:8b-instruct-q4_K_M").speed.tokens_per_s
    q8 = page.plan.row("llama3.1:8b-instruct-q8_0").speed.tokens_per_s
    assert q4 > q8 * 1.5


def test_compare_history_replaces_the_published_figures_marked_as_measured(
        qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=12)
    key = machine_key(page._services.hardware.machine)
    runs = [RunResult(model="llama3.1:8b-instruct-fp16", position=0, state="done"),
            RunResult(model="llama3.1:8b-instruct-q4_K_M", position=1, state="done",
                      agreement=0.87, approx_kl=0.042, agreement_basis="logprobs",
                      eval_tps=55.5)]
    spec = ComparisonSpec(models=[r.model for r in runs], prompt="p")
    with HistoryStore(default_path()) as store:
        store.comparisons.begin(ComparisonResult(
            id="cmp-1", created_at="2026-11-30T10:00:00+00:00", spec=spec,
            reference=runs[0].model, fingerprint={"machine_key": key}, runs=runs))
    show(qtbot, page, "llama3.1:8b")
    i = row_by_tag(page, "8b-instruct-q4_K_M")
    assert cell(page, i, QUALITY) == "0.042 · 87.0% · here"
    assert "this model, here" in cell(page, i, QUALITY, Qt.ItemDataRole.ToolTipRole)
    assert cell(page, i, SPEED) == "56 tok/s meas."
    # the others keep the published figures and the estimate
    j = row_by_tag(page, "8b-instruct-q8_0")
    assert "here" not in cell(page, j, QUALITY) and "est." in cell(page, j, SPEED)


def test_machine_line_and_host_profile_dialog(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=8)
    show(qtbot, page, "llama3.1:8b")
    line = page.machine_line.label.text()
    assert line.startswith(f"Verdicts for the daemon at {sim.host}: Test GPU 8 GB")
    assert line.endswith("from this machine, probed.")
    assert page.machine_line.label.textFormat() == Qt.TextFormat.PlainText
    assert page.machine_line.edit_button.isHidden()  # a loopback daemon is probed

    # A profile for the daemon's address (as for a home GPU server) takes over.
    save_profile(profile_from_preset(sim.host, "rtx-3060-12gb", ram_bytes=32 * GIB))
    show(qtbot, page, "llama3.1:8b")
    assert page.view.source == "preset"
    assert page.view.machine.total_vram_bytes == 12 * GIB
    assert ('from host profile "NVIDIA GeForce RTX 3060, 12 GB VRAM" stated by you'
            in page.machine_line.label.text())
    assert not page.machine_line.edit_button.isHidden()
    page.set_context(4096)
    assert page.fit_of("llama3.1:8b-instruct-q8_0").verdict == "gpu"  # 8.5 GB on 12 GB

    dialog = page.edit_host_profile()
    assert dialog.preset.currentData() == "rtx-3060-12gb"
    dialog.preset.setCurrentIndex(dialog.preset.findData("rtx-4060-8gb"))
    assert dialog.vram.value() == 8
    with qtbot.waitSignal(page.ladder_shown, timeout=30_000):
        dialog.save()
    stored = load_profiles(config_path())[0][page.view.host]
    assert stored.preset == "rtx-4060-8gb" and stored.ram_bytes == 32 * GIB
    assert page.view.machine.total_vram_bytes == 8 * GIB
    assert "RTX 4060, 8 GB VRAM" in page.machine_line.label.text()
    page.set_context(4096)
    assert page.fit_of("llama3.1:8b-instruct-q8_0").verdict == "partial"

    # the what-if fields: a stated machine without a preset
    dialog = page.edit_host_profile()
    dialog.preset.setCurrentIndex(0)
    dialog.gpu_name.setText("Home server GPU <b>x</b>")
    dialog.vram.setValue(20)
    dialog.ram.setValue(64)
    with qtbot.waitSignal(page.ladder_shown, timeout=30_000):
        dialog.save()
    assert page.view.source == "stated"
    assert page.view.machine.total_vram_bytes == 20 * GIB
    assert 'Home server GPU <b>x</b>' in page.machine_line.label.text()


def test_recommendation_offers_changes_a_click_applies(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=8)
    show(qtbot, page, "llama3.1")
    page.set_context(32768)
    rec = page.plan.recommendation
    pick = rec.pick
    assert pick is not None and pick.variant.quant.name in ("Q4_K_M", "Q5_K_M", "Q6_K",
                                                            "Q8_0", "Q5_K_S", "Q4_K_S")
    assert pick.fit.verdict != "gpu"
    headline = page.best_label.text()
    assert headline.startswith("Recommended at 32k context:") and pick.variant.tag in headline
    assert page.advice.per_size.text().startswith("Per size: ")
    buttons = page.advice.buttons
    context = next(a for a in rec.alternatives if a.change == "context")
    assert 2048 <= context.to < 32768
    button = next(b for b in buttons if b.accessibleName() == f"Apply: {context.text}")
    button.click()
    assert page.context == context.to
    assert page.fit_of(context.pick).verdict == "gpu"
    # the KV-cache alternative turns flash attention on too, and is saved
    page.set_context(32768)
    kv = next((a for a in page.plan.recommendation.alternatives if a.change == "kv_cache"),
              None)
    assert kv is not None, [a.text for a in page.plan.recommendation.alternatives]
    next(b for b in page.advice.buttons if b.accessibleName() == f"Apply: {kv.text}").click()
    assert page.kv_cache_type == kv.to and page.flash_attention == "on"
    assert page._services.settings.flash_attention == "on"
    saved = json.loads(config_path().read_text())
    assert saved["flash_attention"] == "on"
    assert page.fit_of(kv.pick).verdict == "gpu"


def test_flash_attention_control_says_what_the_kv_type_needs(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=8)
    show(qtbot, page, "llama3.1:8b")
    assert page.flash_attention == "auto"
    assert page.flash_note.text() == ("Ollama 0.32.15 turns flash attention on by itself on "
                                      "this hardware.")
    name = "llama3.1:8b-instruct-q4_K_M"
    page.set_context(32768)
    f16 = page.fit_of(name).need_bytes
    page.kv_combo.setCurrentText("q8_0")
    note = page.flash_note.text()
    assert not page.flash_note.isHidden()
    assert "q8_0 KV cache" in note and "flash attention set to on" in note
    assert page.fit_of(name).need_bytes == f16  # Ollama 0.32 keeps it f16 on auto
    page.flash_combo.setCurrentText("on")
    assert page.flash_note.isHidden() and page.flash_note.text() == ""
    assert page.fit_of(name).need_bytes < f16
    assert json.loads(config_path().read_text())["flash_attention"] == "on"
    page.flash_combo.setCurrentText("off")
    assert "with it off the cache stays f16" in page.flash_note.text()


def test_an_unreachable_registry_answers_from_the_snapshot(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=[])
    page = open_page(sim, vram_gib=12, registry="http://127.0.0.1:9")
    show(qtbot, page, "llama3.1")
    assert page.ladder.from_snapshot
    text = page.message.text()
    assert text.startswith("No registry reachable: this ladder is from the snapshot of 20")
    assert page.model.rowCount() > 5 and page.plan.recommendation.pick is not None


def test_a_safetensors_repository_gets_the_transformers_section(qtbot, sim_factory,
                                                               open_page):
    sim = sim_factory(installed=[])
    page = open_page(sim, vram_gib=24)
    page.show()
    show(qtbot, page, "hf.co/quantdesk-sim/llama-3.1-8b-instruct")
    section = page.transformers
    assert section.isVisible() and page.table.isHidden()
    fits = {f.load_in: f for f in section.fits}
    assert set(fits) == {"nf4", "int8", "bf16", "fp16", "fp32"}
    assert section.table.rowCount() == 5
    params = sum(t.elements for t in section.repo.tensors)
    assert 7.9e9 < params < 8.1e9  # Llama 3.1 8B
    # hand-computed: bf16 weights are 2 bytes a parameter, fp32 4; nf4 about half a byte
    assert fits["bf16"].footprint_bytes == pytest.approx(2 * params, rel=0.001)
    assert fits["fp32"].footprint_bytes == pytest.approx(4 * params, rel=0.001)
    assert 0.5 * params < fits["nf4"].weights_bytes < 0.75 * params
    assert fits["bf16"].verdict == "gpu" and fits["fp32"].verdict != "gpu"
    assert "4k context" in section.title.text()
    kv4k = fits["bf16"].kv_cache_bytes
    # Llama 3.1 8B: 32 layers × 8 KV heads × 128 × 2 (K and V) × 2 bytes = 128 KiB a token
    assert kv4k == 4096 * 32 * 8 * 128 * 2 * 2
    page.set_context(16384)
    assert {f.load_in: f for f in section.fits}["bf16"].kv_cache_bytes == 4 * kv4k
