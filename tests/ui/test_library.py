"""Library page against the simulated daemon over loopback sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shell_support import answer_next_dialog

from PySide6.QtCore import Qt

from quantdesk.core.ollama import LocalModel, ModelDetails
from quantdesk.ui.pages.library import LibraryPage
from quantdesk.ui.pages.library_model import (
    FIT,
    LOADED,
    NAME,
    NAME_ROLE,
    SIZE,
    SORT_ROLE,
    LibraryFilterProxy,
    LibraryTableModel,
    parameter_count,
)
from quantdesk.ui.widgets.library_copy import CopyDialog

INSTALLED = ["llama3.1:8b", "qwen2.5:7b", "llama3.2:1b", "gemma2:9b"]


@pytest.fixture
def open_page(qtbot, make_services):
    def make(daemon, **kwargs) -> LibraryPage:
        services = make_services(daemon.host, **kwargs)
        page = LibraryPage(services)
        qtbot.addWidget(page)
        page.resize(1100, 700)
        page.show()
        with qtbot.waitSignal(page.ready, timeout=5000):
            services.start()
        return page

    return make


def names_in_view(page: LibraryPage) -> list[str]:
    return [page.proxy.data(page.proxy.index(r, NAME), NAME_ROLE)
            for r in range(page.proxy.rowCount())]


def select(qtbot, page: LibraryPage, name: str) -> None:
    assert page.select(name)
    assert page.selected_model() == name


def test_lists_the_daemons_models_with_their_details(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    assert sorted(names_in_view(page)) == sorted(sim.installed_names())
    row = page.model.rows()[page.model.row_of("llama3.1:8b")]
    assert row.texts[1] == "llama" and row.texts[2] == "8.0B" and row.texts[3] == "Q4_K_M"
    assert row.texts[SIZE].endswith("GB")
    assert page.count_label.text() == f"{len(INSTALLED)} models"


def test_sorts_by_size_and_by_name(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    select(qtbot, page, "qwen2.5:7b")
    page.table.sortByColumn(SIZE, Qt.SortOrder.DescendingOrder)
    assert page.selected_model() == "qwen2.5:7b"  # the selection follows its row
    sizes = [page.model.rows()[page.model.row_of(n)].model.size for n in names_in_view(page)]
    assert sizes == sorted(sizes, reverse=True)
    page.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert names_in_view(page) == sorted(names_in_view(page))


def test_filter_is_debounced_and_matches_every_word(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    qtbot.keyClicks(page.filter_edit, "llama")
    assert page.proxy.rowCount() == len(INSTALLED)  # not yet: the debounce holds it
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 2, timeout=2000)
    assert set(names_in_view(page)) == {"llama3.1:8b", "llama3.2:1b"}
    assert page.count_label.text() == f"2 of {len(INSTALLED)} models"
    page.filter_edit.setText("llama 8.0b")
    page.apply_filter()
    assert names_in_view(page) == ["llama3.1:8b"]
    page.filter_edit.setText("q4_k_m qwen")
    page.apply_filter()
    assert names_in_view(page) == ["qwen2.5:7b"]


def test_load_and_unload_update_the_loaded_column(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    # As with the window on screen: /api/ps is polled, so the column follows the daemon.
    page._services.running.set_mode("active")
    select(qtbot, page, "llama3.2:1b")
    assert not page.unload_button.isEnabled()
    page.load_button.click()
    qtbot.waitUntil(lambda: "llama3.2:1b" in sim.loaded_names(), timeout=5000)
    row = page.model.row_of("llama3.2:1b")
    qtbot.waitUntil(lambda: "GPU" in page.model.rows()[row].texts[LOADED], timeout=5000)
    assert page.model.rows()[row].texts[LOADED].endswith(" · 100% GPU")
    assert page.unload_button.isEnabled()
    page.unload_button.click()
    qtbot.waitUntil(lambda: page.model.rows()[row].texts[LOADED] == "", timeout=5000)
    assert sim.loaded_names() == []


def test_load_that_runs_out_of_memory_shows_the_reason(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=["llama3.1:8b-instruct-fp16"], vram_bytes=4 << 30,
                      ram_bytes=8 << 30)
    page = open_page(sim)
    select(qtbot, page, "llama3.1:8b-instruct-fp16")
    with qtbot.waitSignal(page._services.running.action_failed, timeout=10_000):
        page.load_button.click()
    assert page.message.isVisible()
    assert page.message.text().startswith("llama3.1:8b-instruct-fp16: Could not load")
    assert "memory" in page.message.text().lower()


def test_copy_makes_an_alias(qtbot, sim_factory, open_page, monkeypatch):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    monkeypatch.setattr(CopyDialog, "ask", staticmethod(lambda *_a, **_k: "my-llama:latest"))
    select(qtbot, page, "llama3.1:8b")
    page.copy_button.click()
    qtbot.waitUntil(lambda: page.model.row_of("my-llama:latest") is not None, timeout=5000)
    assert "my-llama:latest" in sim.installed_names()
    copy = page.model.rows()[page.model.row_of("my-llama:latest")].model
    original = page.model.rows()[page.model.row_of("llama3.1:8b")].model
    assert copy.digest == original.digest


def test_copy_dialog_checks_the_name(qtbot):
    dialog = CopyDialog("llama3.1:8b", ["llama3.1:8b", "qwen2.5:7b"])
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.edit.setText("bad name:")
    assert not ok.isEnabled() and "valid" in dialog.hint.text()
    dialog.edit.setText("llama3.1:8b")
    assert not ok.isEnabled()
    dialog.edit.setText("qwen2.5:7b")
    assert ok.isEnabled() and "replaced" in dialog.hint.text()
    dialog.edit.setText("fresh:v1")
    assert ok.isEnabled() and dialog.hint.text() == "" and dialog.name() == "fresh:v1"


def test_delete_asks_first_with_buttons_named_for_the_action(qtbot, sim_factory, open_page):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    select(qtbot, page, "gemma2:9b")
    seen = answer_next_dialog("Keep it")
    page.delete_button.click()
    assert "Delete gemma2:9b?" in seen[0]
    assert set(seen[1].split(" | ")) == {"Delete gemma2:9b", "Keep it"}
    assert "gemma2:9b" in sim.installed_names()  # kept: nothing sent
    answer_next_dialog("Delete gemma2:9b")
    page.delete_button.click()
    qtbot.waitUntil(lambda: page.model.row_of("gemma2:9b") is None, timeout=5000)
    assert "gemma2:9b" not in sim.installed_names()
    assert "deleted" in page.message.text()


def test_details_show_architecture_template_license_and_tensors(qtbot, sim_factory,
                                                                open_page):
    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim)
    select(qtbot, page, "llama3.1:8b")
    page.details_button.click()
    qtbot.waitUntil(lambda: page.details_dialog is not None, timeout=5000)
    dialog = page.details_dialog
    qtbot.addWidget(dialog)
    assert dialog.overview["Architecture"].text() == "llama"
    assert "131,072" in dialog.overview["Context length"].text()
    assert "tools" in dialog.overview["Capabilities"].text()
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert {"Overview", "Parameters", "Template", "License"} <= set(tabs)
    assert dialog.tensor_model.rowCount() > 32  # every block's tensors
    license_tab = dialog.tabs.widget(tabs.index("License"))
    assert "LLAMA 3.1" in license_tab.toPlainText()


def test_fit_column_follows_the_chosen_context(qtbot, sim_factory, open_page):
    from shell_support import fake_machine

    sim = sim_factory(installed=INSTALLED)
    page = open_page(sim, machine=fake_machine(vram_gib=8))
    qtbot.waitUntil(lambda: all(r.fit is not None for r in page.model.rows()), timeout=5000)
    row = page.model.rows()[page.model.row_of("llama3.1:8b")]
    page.context_combo.setCurrentIndex(page.context_combo.findData(2048))
    small_ctx = row.fit
    assert small_ctx.verdict == "gpu" and small_ctx.short == "Fully on GPU"
    page.context_combo.setCurrentIndex(page.context_combo.findData(131072))
    assert row.fit.verdict in ("partial", "cpu")
    assert row.fit.gpu_layers < small_ctx.gpu_layers
    tip = page.model.data(page.model.index(page.model.row_of("llama3.1:8b"), FIT),
                          Qt.ItemDataRole.ToolTipRole)
    assert "KV cache" in tip and "128k context" in tip


def _synthetic(n: int) -> list[LocalModel]:
    families = ["llama", "qwen2", "gemma2", "mistral", "phi3"]
    quants = ["Q4_K_M", "Q8_0", "Q5_K_M", "F16"]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    return [LocalModel(
        name=f"{families[i % 5]}-m{i}:{i % 7}b-{quants[i % 4].lower()}",
        model="", size=(i % 50 + 1) * 10**8, digest=f"{i:064x}",
        modified_at=base + timedelta(hours=i),
        details=ModelDetails(family=families[i % 5], parameter_size=f"{i % 7 + 1}.0B",
                             quantization_level=quants[i % 4]),
    ) for i in range(n)]


def test_a_thousand_models_filter_and_sort_correctly(qtbot):
    model = LibraryTableModel()
    proxy = LibraryFilterProxy()
    proxy.setSourceModel(model)
    models = _synthetic(1000)
    model.set_models(models)
    proxy.sort(SIZE, Qt.SortOrder.AscendingOrder)
    assert proxy.rowCount() == 1000
    proxy.set_needle("qwen2 q8_0")
    expected = [m for m in models if "qwen2" in m.name and "q8_0" in m.name]
    assert proxy.rowCount() == len(expected) > 0
    shown = [proxy.data(proxy.index(r, SIZE), SORT_ROLE)
             for r in range(proxy.rowCount())]
    assert shown == sorted(shown)
    proxy.set_needle("")
    assert proxy.rowCount() == 1000


def test_parameter_count_reads_human_sizes():
    assert parameter_count("8.0B") == 8e9
    assert parameter_count("567.55M") == pytest.approx(5.6755e8)
    assert parameter_count("") == 0.0 and parameter_count("big") == 0.0
