"""Ctrl+K palette (fuzzy, size and loaded state, Enter acts) and the tray menu."""

from __future__ import annotations

from datetime import UTC, datetime

from shell_support import go_human_bytes, official_ps, wait_connected

from PySide6.QtCore import Qt

from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.ollama import LocalModel, ModelDetails, RunningModel
from quantdesk.ui.widgets.palette import DETAIL_ROLE, HTML_ROLE, PageEntry, SwitcherPalette
from quantdesk.ui.widgets.tray import TrayMenu

INSTALLED = ["llama3.2:3b", "qwen2.5:0.5b", "qwen2.5:7b", "llama3.2:1b"]
SIZES = {"llama3.2:3b": 2_019_393_189, "qwen2.5:0.5b": 397_821_319,
         "qwen2.5:7b": 4_683_087_332, "llama3.2:1b": 1_321_098_329}
PAGES = ("library", "running", "machine")


def local(name: str) -> LocalModel:
    return LocalModel(name=name, model=name, size=SIZES[name], digest=f"sha{len(name)}",
                      modified_at=datetime(2026, 12, 1, tzinfo=UTC), details=ModelDetails())


def running(name: str, vram: int) -> RunningModel:
    return RunningModel(name=name, model=name, size=SIZES[name], digest="d", details=ModelDetails(),
                        expires_at=None, size_vram=vram)


def palette_with(qtbot, loaded: tuple[str, ...] = ()) -> SwitcherPalette:
    palette = SwitcherPalette()
    qtbot.addWidget(palette)
    state = LoadedState().with_snapshot([running(n, SIZES[n]) for n in loaded], asked_at=1.0)
    palette.set_entries([local(n) for n in INSTALLED], state,
                        [PageEntry("library", "Library"), PageEntry("running", "Running")])
    return palette


def test_fuzzy_query_finds_out_of_order_letters_and_marks_them(qtbot):
    palette = palette_with(qtbot)
    palette.filter.setText("qwen7")
    assert palette.visible_names()[0] == "qwen2.5:7b"  # q-w-e-n … 7, not an exact substring
    item = palette.list.item(0)
    assert item.data(HTML_ROLE) == "<b>qwen</b>2.5:<b>7</b>b"
    # 4,683,087,332 bytes: HumanBytes says 4.7 GB; nothing is loaded.
    assert item.data(DETAIL_ROLE) == "4.7 GB"
    palette.filter.setText("zzz")
    assert palette.entries() == [] and "Nothing matches" in palette.hint.text()


def test_loaded_models_come_first_and_say_so(qtbot):
    palette = palette_with(qtbot, loaded=("llama3.2:1b",))
    assert palette.visible_names()[0] == "llama3.2:1b"
    assert palette.list.item(0).data(DETAIL_ROLE) == "1.3 GB · Loaded · 1.3 GB · 100% GPU"
    palette.filter.setText("run")
    assert ("page", "running") in palette.entries()


def test_model_names_are_escaped_in_the_marked_text(qtbot):
    from quantdesk.ui.widgets.palette import marked_html

    assert marked_html("a<b>:1", (0, 5)) == "<b>a</b>&lt;b&gt;:<b>1</b>"


def test_arrow_keys_then_enter_chooses_and_esc_closes(qtbot):
    palette = palette_with(qtbot)
    palette.open_palette()
    palette.filter.setText("llama")
    first, second = palette.visible_names()
    qtbot.keyClick(palette.filter, Qt.Key.Key_Down)
    assert palette.current_name() == second
    with qtbot.waitSignal(palette.chosen) as blocker:
        qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert blocker.args == [second] and first != second
    assert not palette.isVisible()
    palette.open_palette()
    assert palette.isVisible()
    qtbot.keyClick(palette.filter, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_ctrl_enter_loads_beside_and_enter_on_a_page_opens_it(qtbot):
    palette = palette_with(qtbot)
    palette.open_palette()
    qtbot.keyClicks(palette.filter, "q05")
    with qtbot.waitSignal(palette.load_requested) as blocker:
        qtbot.keyClick(palette.filter, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["qwen2.5:0.5b"]
    palette.open_palette()
    qtbot.keyClicks(palette.filter, "libr")
    assert palette.current_entry() == ("page", "library")
    with qtbot.waitSignal(palette.page_requested) as blocker:
        qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert blocker.args == ["library"]


def test_ctrl_k_typed_qwen7_then_enter_switches_the_daemon(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED, loaded=["llama3.2:3b"])
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: len(window.services.installed.names) == 4, timeout=5000)
    qtbot.waitUntil(lambda: window.services.loaded.state.models != (), timeout=5000)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_page("machine")
    qtbot.keyClick(window.pages["machine"], Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    palette = window.palette_dialog
    qtbot.waitUntil(palette.isVisible, timeout=2000)
    (ps,) = official_ps(sim.url)
    loaded_detail = palette.list.item(0).data(DETAIL_ROLE)
    assert palette.visible_names()[0] == "llama3.2:3b"  # loaded first while nothing is typed
    assert loaded_detail.endswith(f"Loaded · {go_human_bytes(ps.size)} · 100% GPU")
    qtbot.keyClicks(palette.filter, "qwen7")
    assert palette.visible_names()[0] == "qwen2.5:7b"
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000):
        qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert sim.loaded_names() == ["qwen2.5:7b"]
    assert window.current_page_key() == "running"


def test_tray_menu_lists_loaded_and_recent_and_switches(qtbot):
    menu = TrayMenu()
    qtbot.addWidget(menu)
    menu.set_models(loaded=["a:1"], recent=["b:2", "a:1", "c:3"], installed=["a:1", "d:4"])
    actions = {a.data(): a for a in menu.model_actions()}
    assert list(actions) == ["a:1", "b:2", "c:3"]  # a loaded model is not repeated as recent
    assert actions["a:1"].isChecked() and not actions["b:2"].isChecked()
    with qtbot.waitSignal(menu.switch_requested) as blocker:
        actions["c:3"].trigger()
    assert blocker.args == ["c:3"]
    switch = {a.data(): a for a in menu.switch_actions()}
    assert list(switch) == ["a:1", "d:4"] and switch["a:1"].isChecked()
    picked: list[str] = []
    menu.switch_requested.connect(picked.append)
    switch["d:4"].trigger()
    qtbot.waitUntil(lambda: picked == ["d:4"], timeout=1000)
    shown: list[bool] = []
    menu.show_requested.connect(lambda: shown.append(True))
    next(a for a in menu.actions() if a.text() == "Show QuantDesk").trigger()
    qtbot.waitUntil(lambda: shown == [True], timeout=1000)
    assert picked == ["d:4"]  # once: the submenu's action is not also the main menu's


def test_tray_follows_the_loaded_state_and_switches(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=INSTALLED, loaded=["llama3.2:1b"])
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: [a.data() for a in window.tray_menu.model_actions()]
                    == ["llama3.2:1b"], timeout=5000)
    (ps,) = official_ps(sim.url)
    assert window.tray_menu.model_actions()[0].text() == (
        f"llama3.2:1b · {go_human_bytes(ps.size)} · 100% GPU")
    qtbot.waitUntil(lambda: len(window.tray_menu.switch_actions()) == 4, timeout=5000)
    target = next(a for a in window.tray_menu.switch_actions() if a.data() == "qwen2.5:7b")
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000):
        target.trigger()
    assert sim.loaded_names() == ["qwen2.5:7b"]
    qtbot.waitUntil(lambda: [a.data() for a in window.tray_menu.model_actions()]
                    == ["qwen2.5:7b"], timeout=5000)
