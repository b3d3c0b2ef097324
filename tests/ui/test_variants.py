"""Variants page: the ladder from the simulated registry, live fit verdicts, one-click pull."""

from __future__ import annotations

import pytest
from shell_support import fake_machine

from PySide6.QtCore import QPoint, Qt

from quantdesk.sim.catalog import catalog
from quantdesk.ui.pages.variants import VariantsPage, context_steps, repositories
from quantdesk.ui.pages.variants_model import (
    BEST_ROLE,
    FIT,
    PULL,
    STATUS,
    TAG,
)


@pytest.fixture(autouse=True)
def _no_page_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def open_page(qtbot, make_services, monkeypatch, tmp_path):
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path))

    def make(daemon, *, vram_gib: int = 8) -> VariantsPage:
        services = make_services(daemon.host, registry=daemon.url,
                                 machine=fake_machine(vram_gib=vram_gib))
        with qtbot.waitSignal(services.installed.changed, timeout=5000):
            services.start()
        page = VariantsPage(services)
        qtbot.addWidget(page)
        page.resize(1280, 760)
        return page

    return make


def show(qtbot, page: VariantsPage, query: str) -> None:
    with qtbot.waitSignal(page.ladder_shown, timeout=30_000):
        page.show_model(query)


def tags(page: VariantsPage) -> list[str]:
    return [r.variant.tag for r in page.model.rows()]


def test_ladder_lists_every_tag_with_a_badge(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim)
    page.show()
    show(qtbot, page, "llama3.1")
    expected = {v.tag for v in catalog().variants() if v.model == "llama3.1"}
    assert set(tags(page)) >= expected
    rows = page.model.rows()
    assert all(r.fit is not None and r.fit.verdict in ("gpu", "partial", "cpu", "no")
               for r in rows)
    # The installed default is marked; the rest are remote.
    statuses = {r.variant.tag: page.model.data(page.model.index(i, STATUS))
                for i, r in enumerate(rows)}
    assert statuses["8b-instruct-q4_K_M"] == "Installed"
    assert statuses["8b-instruct-fp16"] == "Remote"
    tip = page.model.data(page.model.index(0, FIT), Qt.ItemDataRole.ToolTipRole)
    assert "Weights" in tip and "KV cache" in tip and "layers" in tip
    assert page.model.data(page.model.index(0, PULL)) in ("Pull", "")


def test_opening_the_page_shows_the_first_installed_family(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["qwen2.5:7b"])
    page = open_page(sim)
    with qtbot.waitSignal(page.ready, timeout=30_000):
        page.show()
    assert page.ladder is not None and page.ladder.repository == "qwen2.5"
    assert repositories(page._services.installed.models) == ["qwen2.5"]


def test_slider_and_kv_type_change_verdicts_live(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=8)
    show(qtbot, page, "llama3.1:8b")
    name = next(r.variant.name for r in page.model.rows()
                if r.variant.tag == "8b-instruct-q4_K_M")
    page.set_context(2048)
    small = page.fit_of(name)
    assert small.verdict == "gpu"
    assert page.context_slider.maximum() == len(context_steps(131072)) - 1
    page.context_slider.setValue(page.context_slider.maximum())
    assert page.context == 131072 and page.context_label.text().startswith("128k")
    big = page.fit_of(name)
    assert big.verdict in ("partial", "cpu") and big.need_bytes > small.need_bytes
    # The largest context kept fully on the GPU does not depend on the slider.
    assert big.max_gpu_ctx == small.max_gpu_ctx > 2048
    f16_need = big.need_bytes
    page.kv_combo.setCurrentText("q4_0")
    assert page.fit_of(name).need_bytes <= f16_need


def test_best_that_fits_is_highlighted(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b"])
    page = open_page(sim, vram_gib=8)
    show(qtbot, page, "llama3.1")
    page.set_context(4096)
    best = page.model.best
    assert best is not None
    row = page.model.rows()[best]
    assert row.fit.verdict == "gpu"
    assert page.model.data(page.model.index(best, TAG), BEST_ROLE) is True
    # Nothing more precise also fits fully on the GPU.
    better = [r for r in page.model.rows() if r.fit and r.fit.verdict == "gpu"
              and r.variant.quant and row.variant.quant
              and r.variant.quant.rank > row.variant.quant.rank]
    assert better == []
    assert row.variant.tag in page.best_label.text()
    assert "runs fully on your GPU" in row.advice
    assert row.variant.quant.words in row.advice


def test_pull_button_queues_a_download(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.2:1b"], pull_bandwidth=5e8)
    page = open_page(sim)
    page.show()
    show(qtbot, page, "llama3.2:1b")
    row = next(i for i, r in enumerate(page.model.rows())
               if r.variant.tag == "1b-instruct-q4_K_M")
    variant = page.model.rows()[row].variant
    assert not variant.installed and page.model.data(page.model.index(row, PULL)) == "Pull"
    page.table.scrollTo(page.model.index(row, PULL))
    rect = page.table.visualRect(page.model.index(row, PULL))
    pulls = page._services.pulls
    with qtbot.waitSignal(pulls.added, timeout=3000) as added:
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.center()))
    assert added.args == [variant.name]
    assert pulls.state(variant.name).expected_bytes == variant.size_bytes
    qtbot.waitUntil(lambda: page.model.data(page.model.index(row, STATUS)).startswith(
        ("Queued", "Downloading")), timeout=3000)
    with qtbot.waitSignal(pulls.finished, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: page.model.data(page.model.index(row, STATUS)) == "Installed",
                    timeout=5000)


def test_unknown_model_shows_why(qtbot, sim, open_page):
    page = open_page(sim)
    with qtbot.waitSignal(page.service.failed, timeout=10_000):
        page.show_model("no-such-model-anywhere")
    assert not page.message.isHidden()
    assert "no-such-model-anywhere" in page.message.text()
    assert page.model.rowCount() == 0 and page.ladder is None


def test_context_steps_are_powers_of_two_up_to_the_maximum():
    assert context_steps(8192) == [2048, 4096, 8192]
    assert context_steps(40960) == [2048, 4096, 8192, 16384, 32768, 40960]
    assert context_steps(1024) == [2048]
