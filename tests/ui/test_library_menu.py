"""The Library's context menu and multi-select delete, against the simulator; what is left
is read back with the official ``ollama`` client's ``/api/tags``."""

from __future__ import annotations

from pathlib import Path

from shell_support import answer_next_dialog, go_human_bytes, official_client, wait_connected

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication

from quantdesk.ui.pages.library_model import NAME
from quantdesk.ui.widgets import library_menu

INSTALLED = ["qwen2.5:7b", "llama3.2:1b", "qwen2.5:0.5b", "gemma2:9b"]
PAGES = ("library", "variants", "compare", "running")


def library_window(make_window, sim, qtbot):
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    page = window.pages["library"]
    qtbot.waitUntil(lambda: page.proxy.rowCount() == len(INSTALLED), timeout=5000)
    return window, page


def open_menu(page, name: str):
    row = page.proxy.mapFromSource(page.model.index(page.model.row_of(name), NAME))
    page.table.clearSelection()
    menu = page.menu_at(page.table.visualRect(row).center())
    assert menu is not None and menu.name == name
    return menu


def select_rows(page, names: list[str]) -> None:
    """As Ctrl+click does: the first row current, every named row selected."""
    sm = page.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag
    page.table.clearSelection()
    for i, name in enumerate(names):
        idx = page.proxy.mapFromSource(page.model.index(page.model.row_of(name), NAME))
        sm.select(idx, flags.Select | flags.Rows)
        if i == 0:
            sm.setCurrentIndex(idx, flags.NoUpdate)


def test_menu_leads_to_variants_and_compare_and_copies_the_name(make_window, sim_factory,
                                                                qtbot):
    sim = sim_factory(installed=INSTALLED)
    window, page = library_window(make_window, sim, qtbot)
    menu = open_menu(page, "llama3.2:1b")
    assert list(menu.entries) == ["Chat with it", "Variants and fit", "Compare its variants",
                                  "Load", "Details", "Copy name", "Copy to a new name…",
                                  "Show in folder", "Delete…"]
    assert menu.entries["Chat with it"].isEnabled() == ("chat" in window.pages)
    menu.entries["Copy name"].trigger()
    assert QApplication.clipboard().text() == "llama3.2:1b"
    menu.entries["Variants and fit"].trigger()
    assert window.current_page_key() == "variants"
    assert window.pages["variants"].model_combo.currentText() == "llama3.2:1b"
    menu = open_menu(page, "qwen2.5:7b")
    menu.entries["Compare its variants"].trigger()
    assert window.current_page_key() == "compare"
    assert "qwen2.5:7b" in window.pages["compare"].setup.checked_models()


def test_show_in_folder_opens_the_daemons_models_folder(make_window, sim_factory, qtbot,
                                                        monkeypatch, tmp_path):
    sim = sim_factory(installed=INSTALLED)
    _window, page = library_window(make_window, sim, qtbot)
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv("OLLAMA_MODELS", str(folder))
    opened: list[str] = []
    monkeypatch.setattr(library_menu.QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    menu = open_menu(page, "gemma2:9b")
    assert menu.entries["Show in folder"].isEnabled()  # the simulator is on loopback
    menu.entries["Show in folder"].trigger()
    assert [Path(p) for p in opened] == [folder]


def test_multi_delete_says_what_is_freed_and_which_are_loaded(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED, loaded=["qwen2.5:0.5b"])
    window, page = library_window(make_window, sim, qtbot)
    qtbot.waitUntil(lambda: window.services.loaded.state.models != (), timeout=5000)
    chosen = ["qwen2.5:7b", "qwen2.5:0.5b", "gemma2:9b"]
    select_rows(page, chosen)
    assert sorted(page.selected_models()) == sorted(chosen)
    assert page.delete_button.text() == "Delete 3…"
    with official_client(sim.url) as client:
        sizes = {m.model: m.size for m in client.list().models}
    freed = go_human_bytes(sum(sizes[n] for n in chosen))

    seen = answer_next_dialog("Keep them")
    page.delete_button.click()
    assert set(seen[1].split(" | ")) == {"Delete 3 models", "Keep them"}
    assert f"This frees up to {freed} of disk space" in seen[0]
    assert "qwen2.5:0.5b is loaded now and will be unloaded first." in seen[0]
    assert sorted(sim.installed_names()) == sorted(INSTALLED)  # kept: nothing sent

    select_rows(page, chosen)
    answer_next_dialog("Delete 3 models")
    page.delete_button.click()
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 1, timeout=10_000)
    with official_client(sim.url) as client:
        assert [m.model for m in client.list().models] == ["llama3.2:1b"]
        assert list(client.ps().models) == []  # the loaded one was unloaded, not orphaned
    qtbot.waitUntil(lambda: window.services.loaded.state.models == (), timeout=5000)


def test_a_copy_frees_nothing_while_its_twin_stays(make_window, sim_factory, qtbot):
    from quantdesk.ui.widgets.library_delete import delete_plan

    sim = sim_factory(installed=INSTALLED)
    window, page = library_window(make_window, sim, qtbot)
    with official_client(sim.url) as client:
        client.copy("llama3.2:1b", "my-llama:latest")
    window.services.installed.refresh()
    qtbot.waitUntil(lambda: page.model.row_of("my-llama:latest") is not None, timeout=5000)
    installed = window.services.installed.models
    twin = [m for m in installed if m.name == "my-llama:latest"]
    plan = delete_plan(twin, installed, window.services.loaded.state)
    assert plan.freed_bytes == 0 and "frees no disk space" in plan.text
    both = [m for m in installed if m.name in ("my-llama:latest", "llama3.2:1b")]
    assert delete_plan(both, installed, window.services.loaded.state).freed_bytes == twin[0].size
