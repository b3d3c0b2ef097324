"""No status line outlives its state: the four stale cases of the desktop issue, replayed
against the simulator with the whole window (status bar, Running, Library, tray) rendering
from the one LoadedState.

Oracles are independent of the app's formatting: sizes come from the official ``ollama``
client's ``/api/ps`` and are printed with Ollama's HumanBytes rule written out in the test
helpers; what is loaded comes from the simulator itself.
"""

from __future__ import annotations

from shell_support import (
    GIB,
    fake_machine,
    go_human_bytes,
    official_client,
    official_ps,
    wait_connected,
)

from quantdesk.core.compare.results import CompareOptions, ComparisonSpec
from quantdesk.ui.pages.library_model import LOADED
from quantdesk.ui.services.compare import RunRequest

PAGES = ("library", "running", "machine")
SMALL = "qwen2.5:0.5b"
Q4, Q8 = "qwen2.5:0.5b-instruct-q4_K_M", "qwen2.5:0.5b-instruct-q8_0"


def visible_texts(page) -> list[str]:
    from PySide6.QtWidgets import QLabel

    return [w.text() for w in page.findChildren(QLabel) if not w.isHidden() and w.text()]


def settled(window) -> bool:
    state = window.services.loaded.state
    return not state.operations and state.polled_at is not None


def test_running_says_loading_only_while_the_load_runs(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=[SMALL])
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    page = window.pages["running"]
    qtbot.waitUntil(lambda: window.services.running.polls > 0, timeout=5000)
    with qtbot.waitSignal(window.services.running.action_started, timeout=5000):
        window.services.running.load(SMALL)
    assert page.status_text() == f"Loading {SMALL}…"
    assert window.status.loaded.text() == f"· Loading {SMALL}…"
    with qtbot.waitSignal(window.services.running.action_finished, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    (ps,) = official_ps(sim.url)
    memory = f"{go_human_bytes(ps.size)} · 100% GPU"
    assert page.status_text() == f"{SMALL} is loaded · {memory}"
    assert window.status.loaded.text() == f"· {SMALL} is loaded · {memory}"
    assert not any("Loading" in t for t in visible_texts(page))
    library = window.pages["library"]
    row = library.model.rows()[library.model.row_of(SMALL)]
    assert row.texts[LOADED] == memory
    assert [a.text() for a in window.tray_menu.model_actions()] == [f"{SMALL} · {memory}"]


def test_after_a_comparison_nothing_claims_a_model_the_daemon_dropped(make_window, sim_factory,
                                                                      qtbot):
    sim = sim_factory(installed=[Q4, Q8, SMALL], time_scale=20)
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    page = window.pages["running"]
    with qtbot.waitSignal(window.services.running.switch_ready, timeout=10_000):
        window.services.running.switch_to(Q8)
    qtbot.waitUntil(lambda: page.status_text().startswith(f"{Q8} is loaded"), timeout=5000)
    seen: list[str] = []
    window.services.loaded.changed.connect(lambda _s: seen.append(page.status_text()))
    spec = ComparisonSpec(models=(Q4, Q8), prompt="Say hello.",
                          options=CompareOptions(num_predict=12))
    with qtbot.waitSignal(window.services.compare.finished, timeout=30_000):
        window.services.compare.start(RunRequest(spec))
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert any(t.startswith("Comparing: running") for t in seen)
    loaded = sim.loaded_names()
    texts = visible_texts(page)
    if loaded:  # the daemon still holds something: say exactly that
        assert page.status_text().startswith(f"{loaded[0]} is loaded") or "models are loaded" in \
            page.status_text()
    else:
        assert page.status_text() == ""
        assert any(t.startswith("No model is loaded.") for t in texts)
    for name in (Q4, Q8):
        if name not in loaded:
            assert not any(f"{name} is loaded" in t for t in texts), texts
            assert f"{name} is loaded" not in window.status.loaded.text()


def test_gauge_sums_what_is_loaded_against_the_card(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=["llama3.1:8b", "llama3.2:3b"], loaded=["llama3.1:8b",
                                                                         "llama3.2:3b"],
                      vram_bytes=12 * GIB)
    window = make_window(sim.host, only_pages=PAGES, machine=fake_machine(vram_gib=12))
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: window.status.vram_used > 0, timeout=5000)
    used = sum(m.size_vram for m in official_ps(sim.url))
    assert used > 5e9  # two models on the card: the gauge cannot pass with zero
    # 12 GiB = 12.88 GB, which HumanBytes truncates to "12 GB" (never "12.9 GB").
    assert window.status.gauge_label.text() == f"GPU memory: {go_human_bytes(used)} / 12 GB"
    assert window.status.gauge.value() == round(1000 * used / (12 * GIB))
    window.services.running.unload_all()
    qtbot.waitUntil(lambda: sim.loaded_names() == [] and settled(window), timeout=10_000)
    assert window.status.gauge_label.text() == "GPU memory: 0 B / 12 GB"
    assert window.status.gauge.value() == 0


def test_library_line_goes_when_the_model_goes(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=[SMALL, "llama3.2:1b"])
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    library = window.pages["library"]
    qtbot.waitUntil(lambda: library.model.row_of(SMALL) is not None, timeout=5000)
    assert library.select(SMALL)
    library.load_button.click()
    qtbot.waitUntil(lambda: library.message.text().startswith(f"{SMALL}: Loaded · "),
                    timeout=10_000)
    # Another program unloads it behind the app's back (as `ollama stop` would).
    with official_client(sim.url) as client:
        client.generate(model=SMALL, prompt="", keep_alive=0)
    assert sim.loaded_names() == []
    window.services.running.refresh()
    qtbot.waitUntil(lambda: not library.message.isVisible(), timeout=5000)
    row = library.model.rows()[library.model.row_of(SMALL)]
    assert row.texts[LOADED] == "" and row.loaded is None
    assert not any("is loaded" in t or "Loaded ·" in t for t in visible_texts(library))


def test_a_pull_says_downloading_with_its_share_then_ends(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=[], pull_bandwidth=100e6)
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    seen: list[str] = []
    window.services.loaded.changed.connect(
        lambda _s: seen.append(window.services.loaded.lines().headline))
    with qtbot.waitSignal(window.services.pulls.finished, timeout=30_000):
        window.services.pulls.pull(SMALL)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    shares = [t for t in seen if t.startswith(f"Downloading {SMALL} (") and t.endswith("%)…")]
    assert len(shares) >= 2, seen  # it moved while it ran
    assert window.status.loaded.text() == "· No model is loaded."
    assert window.pages["running"].status_text() == ""


def test_a_daemon_that_stops_answering_claims_nothing(make_window, sim_factory, qtbot):
    sim = sim_factory(installed=[SMALL], loaded=[SMALL])
    window = make_window(sim.host, only_pages=PAGES)
    wait_connected(qtbot, window)
    qtbot.waitUntil(lambda: window.status.vram_used > 0, timeout=5000)
    library = window.pages["library"]
    # The Library's list comes from /api/tags, apart from /api/ps: wait for it too, or a
    # loaded machine stops the daemon before the row was ever shown.
    qtbot.waitUntil(lambda: library.model.row_of(SMALL) is not None, timeout=10_000)
    sim.stop()
    window.services.running.refresh()
    qtbot.waitUntil(lambda: not window.services.loaded.state.reachable, timeout=15_000)
    assert window.status.loaded.text() == (
        "· The daemon is not answering: what is loaded is unknown.")
    assert window.status.gauge_label.text().startswith("GPU memory: — / ")
    assert window.status.gauge.value() == 0
    assert window.tray_menu.model_actions() == []
    row = library.model.rows()[library.model.row_of(SMALL)]
    assert row.texts[LOADED] == ""
