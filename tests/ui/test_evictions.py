"""No silent evictions, against the simulator over HTTP: a chat to a model that needs the room
says which models it will unload before anything is unloaded, goes ahead only when told,
and puts them back on request; Compare puts back what it unloaded by default (or not, when
asked). The truth is the simulator's /api/ps before and after."""

from __future__ import annotations

from typing import Any

import pytest
from shell_support import fake_machine

from quantdesk.core.compare.results import CompareOptions, ComparisonSpec

GIB = 1 << 30
SMALL = "llama3.2:3b"
OTHER = "qwen2.5:7b"
Q8 = "llama3.1:8b-instruct-q8_0"
Q4 = "llama3.1:8b"


def loaded(sim: Any) -> set[str]:
    return set(sim.loaded_names())


@pytest.fixture
def crowded(sim_factory):
    # A 12 GiB card with two models loaded: the q8_0 (8.5 GB file) cannot join them.
    sim = sim_factory(installed=[SMALL, OTHER, Q8, Q4], vram_bytes=12 * GIB, reply_words=8)
    sim.load(SMALL, num_ctx=2048, keep_alive_s=600)
    sim.load(OTHER, num_ctx=4096, keep_alive_s=300)
    return sim


@pytest.fixture
def chat(make_services, qtbot, tmp_path):
    def make(sim: Any, vram_gib: int = 12) -> Any:
        from quantdesk.ui.pages.chat import ChatPage

        services = make_services(sim.host, machine=fake_machine(vram_gib),
                                 history_path=tmp_path / "h.sqlite3")
        page = ChatPage(services)
        qtbot.addWidget(page)
        page.show()
        services.start()
        qtbot.waitUntil(lambda: page.picker.count() == 4, timeout=5000)
        qtbot.waitUntil(lambda: len(services.running.models) == 2, timeout=5000)
        return page

    return make


def test_chat_to_a_big_model_asks_first_then_offers_to_put_the_others_back(crowded, chat,
                                                                          qtbot):
    page = chat(crowded)
    before = loaded(crowded)
    assert before == {SMALL, OTHER}
    prompts: list[str] = []
    page.eviction.confirming.connect(prompts.append)
    page.switch_variant(Q8)
    page.input.setPlainText("Hello")
    page.send()
    qtbot.waitUntil(lambda: bool(prompts), timeout=10_000)
    # Said before anything happened: both named, nothing unloaded, nothing sent yet.
    assert SMALL in prompts[0] and OTHER in prompts[0] and Q8 in prompts[0]
    assert page.eviction.isVisible() and page.eviction.go_button.isVisible()
    assert loaded(crowded) == before
    assert not page.send_button.isEnabled()  # one thing at a time, but nothing is blocked
    page.eviction.go_button.click()
    qtbot.waitUntil(lambda: not page.streaming and page.conv.turns[0].answer.state == "done",
                    timeout=15_000)
    after = loaded(crowded)
    assert Q8 in after and not before <= after  # the daemon did unload to make room
    assert page.eviction.restore_button.isVisible()
    assert SMALL in page.eviction.label.text() and OTHER in page.eviction.label.text()
    done: list[object] = []
    page.eviction.restored.connect(done.append)
    page.eviction.restore_button.click()
    qtbot.waitUntil(lambda: bool(done), timeout=15_000)
    assert all(r.ok for r in done[0])
    assert before <= loaded(crowded)
    # Put back as they were: the context each had.
    ctx = {m.name: m.num_ctx for m in crowded.state.loaded()}
    assert ctx[SMALL] == 2048 and ctx[OTHER] == 4096


def test_cancel_leaves_everything_loaded_and_sends_nothing(crowded, chat, qtbot):
    crowded.request_log = []
    page = chat(crowded)
    page.switch_variant(Q8)
    page.input.setPlainText("Hello")
    page.send()
    qtbot.waitUntil(lambda: page.eviction.waiting, timeout=10_000)
    page.eviction.cancel_button.click()
    assert not page.eviction.isVisible() and page.send_button.isEnabled()
    assert loaded(crowded) == {SMALL, OTHER}
    assert not [r for r in crowded.request_log if r["path"] == "/api/chat"]


def test_a_model_that_fits_goes_ahead_without_asking(sim_factory, chat, qtbot):
    sim = sim_factory(installed=[SMALL, OTHER, Q8, Q4], vram_bytes=48 * GIB, reply_words=5)
    sim.load(SMALL)
    sim.load(OTHER)
    page = chat(sim, 48)
    prompts: list[str] = []
    page.eviction.confirming.connect(prompts.append)
    page.switch_variant(Q4)
    page.input.setPlainText("Hi")
    page.send()
    qtbot.waitUntil(lambda: not page.streaming and page.conv.turns[0].answer is not None
                    and page.conv.turns[0].answer.state == "done", timeout=15_000)
    assert prompts == [] and not page.eviction.isVisible()
    assert loaded(sim) == {SMALL, OTHER, Q4}


def _compare(services: Any, qtbot: Any) -> list[object]:
    from quantdesk.ui.services.compare import RunRequest

    restored: list[object] = []
    services.compare.restored.connect(restored.append)
    finished: list[object] = []
    services.compare.finished.connect(finished.append)
    spec = ComparisonSpec(models=(Q8, Q4), prompt="Say hi.",
                          options=CompareOptions(seed=1, num_ctx=2048, num_predict=8))
    services.compare.start(RunRequest(spec))
    qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
    return restored


def test_compare_puts_back_what_it_unloaded_by_default(crowded, make_services, qtbot):
    services = make_services(crowded.host, machine=fake_machine(12))
    services.start()
    qtbot.waitUntil(lambda: services.connection.is_connected, timeout=5000)
    assert services.compare.restore_after  # the default
    restored = _compare(services, qtbot)
    qtbot.waitUntil(lambda: bool(restored), timeout=15_000)
    assert all(r.ok for r in restored[0])
    assert loaded(crowded) == {SMALL, OTHER}
    ctx = {m.name: m.num_ctx for m in crowded.state.loaded()}
    assert ctx == {SMALL: 2048, OTHER: 4096}


def test_compare_can_be_told_not_to_restore(crowded, make_services, qtbot):
    services = make_services(crowded.host, machine=fake_machine(12))
    services.start()
    qtbot.waitUntil(lambda: services.connection.is_connected, timeout=5000)
    services.compare.restore_after = False
    restored = _compare(services, qtbot)
    qtbot.wait(300)
    assert restored == []
    assert not {SMALL, OTHER} <= loaded(crowded)


def test_a_stopped_compare_restores_too(crowded, make_services, qtbot):
    from quantdesk.ui.services.compare import RunRequest

    services = make_services(crowded.host, machine=fake_machine(12))
    services.start()
    qtbot.waitUntil(lambda: services.connection.is_connected, timeout=5000)
    restored: list[object] = []
    services.compare.restored.connect(restored.append)
    runs: list[object] = []
    services.compare.run_changed.connect(lambda _m, r: runs.append(r))
    spec = ComparisonSpec(models=(Q8, Q4), prompt="Write a long story.",
                          options=CompareOptions(seed=1, num_ctx=2048, num_predict=4000))
    services.compare.start(RunRequest(spec))
    qtbot.waitUntil(lambda: any(getattr(r, "state", "") == "generating" for r in runs)
                    or Q8 in loaded(crowded), timeout=15_000)
    assert services.compare.stop()
    qtbot.waitUntil(lambda: bool(restored), timeout=15_000)
    assert {SMALL, OTHER} <= loaded(crowded)


def test_compare_page_says_what_it_will_unload_before_it_starts(crowded, make_services,
                                                                qtbot):
    from quantdesk.ui.pages.compare import ComparePage

    services = make_services(crowded.host, machine=fake_machine(12))
    page = ComparePage(services)
    qtbot.addWidget(page)
    page.show()
    services.start()
    qtbot.waitUntil(lambda: len(services.running.models) == 2
                    and len(services.installed.names) == 4, timeout=5000)
    for m in (Q8, Q4):
        page.setup.add_variant(m, True)
    page.setup.set_checked([Q8, Q4])
    prompts: list[str] = []
    page.eviction.confirming.connect(prompts.append)
    page.run_comparison()
    qtbot.waitUntil(lambda: bool(prompts), timeout=10_000)
    assert OTHER in prompts[0] and "put back afterwards" in prompts[0]
    assert not services.compare.active and loaded(crowded) == {SMALL, OTHER}
    assert page.restore_check.isChecked()
    page.eviction.go_button.click()
    assert services.compare.active


def test_library_load_names_what_it_unloads_and_offers_them_back(crowded, make_services,
                                                                 qtbot):
    from quantdesk.ui.pages.library import LibraryPage

    services = make_services(crowded.host, machine=fake_machine(12))
    page = LibraryPage(services)
    qtbot.addWidget(page)
    page.show()
    services.start()
    qtbot.waitUntil(lambda: len(services.running.models) == 2 and page.select(Q8),
                    timeout=5000)
    prompts: list[str] = []
    page.eviction.confirming.connect(prompts.append)
    qtbot.wait(50)  # let the layout settle after the list arrived
    table_at = page.table.geometry()
    page.load_selected()
    qtbot.waitUntil(lambda: bool(prompts), timeout=10_000)
    assert OTHER in prompts[0] and loaded(crowded) == {SMALL, OTHER}
    # Over the page's top edge, not in its layout: the rows stay where they were.
    assert page.eviction.isVisible() and page.table.geometry() == table_at
    assert page.layout().indexOf(page.eviction) == -1
    assert page.eviction.geometry().bottom() < page.table.geometry().top()
    page.eviction.go_button.click()
    qtbot.waitUntil(lambda: page.eviction.restore_button.isVisible(), timeout=15_000)
    assert Q8 in loaded(crowded) and not {SMALL, OTHER} <= loaded(crowded)
    page.eviction.restore_button.click()
    qtbot.waitUntil(lambda: {SMALL, OTHER} <= loaded(crowded), timeout=15_000)
