"""The Chat page against the simulator over real HTTP: streaming and Stop, switching the
variant mid-conversation, regenerate-with, and the chat kept in the history file. What the
daemon received is read from the simulator's own request log, not from the page."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from shell_support import fake_machine

from PySide6.QtCore import Qt, QUrl

from quantdesk.core.store import HistoryStore

SMALL = "llama3.2:3b"
OTHER = "qwen2.5:7b"


@pytest.fixture
def chat_page(make_services, qtbot, tmp_path):
    def make(sim: Any, **kwargs: Any) -> Any:
        from quantdesk.ui.pages.chat import ChatPage

        services = make_services(sim.host, history_path=tmp_path / "history.sqlite3",
                                 **kwargs)
        page = ChatPage(services)
        qtbot.addWidget(page)
        page.resize(1000, 700)
        page.show()
        services.start()
        qtbot.waitUntil(lambda: page.picker.count() > 0, timeout=5000)
        return page

    return make


def chat_bodies(sim: Any) -> list[dict[str, Any]]:
    return [r["body"] for r in sim.request_log if r["path"] == "/api/chat"]


def ask(qtbot: Any, page: Any, text: str, timeout: int = 10_000) -> None:
    page.input.setPlainText(text)
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.streaming and page.conv is not None
                    and page.conv.turns[-1].answer is not None
                    and page.conv.turns[-1].answer.state != "streaming", timeout=timeout)


def test_answer_streams_in_pieces_and_stop_keeps_the_partial_text(sim_factory, chat_page,
                                                                  qtbot, tmp_path):
    sim = sim_factory(installed=[SMALL], loaded=[SMALL], token_rate_scale=1.0,
                      reply_words=3000)
    sim.request_log = []
    page = chat_page(sim)
    seen: list[str] = []
    page.service.answer_changed.connect(lambda _r, a: seen.append(a.text))
    page.input.setPlainText("Tell me a long story.")
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    assert page.input.toPlainText() == ""  # Enter sent it
    qtbot.waitUntil(lambda: len([t for t in seen if t]) >= 3, timeout=10_000)
    # Shown while it streams, in the answer's own view, labelled as still answering.
    view = page.transcript.answer_view(0, 0)
    qtbot.waitUntil(lambda: bool(view.body.toPlainText().strip()), timeout=3000)
    assert "answering" in view.label.text()
    assert page.stop_button.isEnabled()
    texts = [t for t in seen if t]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))
    assert len(set(texts)) >= 2  # it grew: more than one repaint, not one final block
    qtbot.keyClick(page.input, Qt.Key.Key_Escape)  # Esc stops
    qtbot.waitUntil(lambda: not page.streaming, timeout=5000)
    answer = page.conv.turns[0].answer
    assert answer.state == "stopped" and answer.text
    assert len(answer.text.split()) < 3000  # cut short, not run to its end
    assert "stopped" in page.transcript.answer_view(0, 0).label.text()
    # Kept in the history file as it was shown.
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        back = store.chats.get(page.conv.id)
    assert back.turns[0].answer.state == "stopped"
    assert back.turns[0].answer.text == answer.text
    assert chat_bodies(sim)[0]["messages"] == [{"role": "user",
                                                "content": "Tell me a long story."}]


def test_shift_enter_is_a_new_line_not_a_send(sim_factory, chat_page, qtbot):
    sim = sim_factory(installed=[SMALL], loaded=[SMALL])
    sim.request_log = []
    page = chat_page(sim)
    page.input.setPlainText("first line")
    page.input.moveCursor(page.input.textCursor().MoveOperation.End)
    qtbot.keyClick(page.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(page.input, "second")
    assert page.input.toPlainText() == "first line\nsecond"
    assert chat_bodies(sim) == [] and page.conv is None


def test_switching_variant_mid_chat_sends_the_whole_history_to_the_other_model(
        sim_factory, chat_page, qtbot):
    sim = sim_factory(installed=[SMALL, OTHER], loaded=[SMALL, OTHER], reply_words=12)
    sim.request_log = []
    page = chat_page(sim, machine=fake_machine(48))
    page.switch_variant(SMALL)
    ask(qtbot, page, "What is 2 + 2?")
    first = page.conv.turns[0].answer
    assert first.state == "done" and first.variant == SMALL and first.text
    page.switch_variant(OTHER)
    ask(qtbot, page, "And times 3?")
    bodies = chat_bodies(sim)
    assert [b["model"] for b in bodies] == [SMALL, OTHER]
    assert bodies[1]["messages"] == [
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "And times 3?"},
    ]
    second = page.conv.turns[1].answer
    assert second.variant == OTHER
    # Each answer is labelled with the variant that gave it, its speed and its memory.
    for turn, name in ((0, SMALL), (1, OTHER)):
        label = page.transcript.answer_view(turn, 0).label.text()
        assert label.startswith(name) and "tokens/s" in label and "GPU" in label


def test_regenerate_with_puts_a_labelled_alternative_beside_the_first(sim_factory, chat_page,
                                                                      qtbot, tmp_path):
    sim = sim_factory(installed=[SMALL, OTHER], loaded=[SMALL, OTHER], reply_words=10)
    sim.request_log = []
    page = chat_page(sim, machine=fake_machine(48))
    page.switch_variant(SMALL)
    ask(qtbot, page, "Name a colour.")
    page.regenerate(OTHER)
    qtbot.waitUntil(lambda: len(page.conv.turns[0].answers) == 2
                    and page.conv.turns[0].answers[1].state == "done", timeout=10_000)
    qtbot.waitUntil(lambda: not page.streaming, timeout=5000)
    turn = page.conv.turns[0]
    assert [a.variant for a in turn.answers] == [SMALL, OTHER]
    assert turn.chosen == 1
    bodies = chat_bodies(sim)
    # The alternative answers the same message, without the first answer in its history.
    assert bodies[1]["model"] == OTHER
    assert bodies[1]["messages"] == bodies[0]["messages"] == [
        {"role": "user", "content": "Name a colour."}]
    views = page.transcript.turns[0].answers
    assert len(views) == 2
    assert views[0].label.text().startswith(SMALL)
    assert views[1].label.text().startswith(OTHER)
    assert views[0].geometry().top() == views[1].geometry().top()  # side by side
    assert views[0].geometry().right() < views[1].geometry().left()
    assert views[0].continue_button.isVisible() and not views[1].continue_button.isVisible()
    # Continuing from the first answer makes it the one the next message builds on.
    views[0].continue_button.click()
    assert page.conv.turns[0].chosen == 0
    ask(qtbot, page, "Why that one?")
    assert chat_bodies(sim)[-1]["messages"][1] == {"role": "assistant",
                                                   "content": turn.answers[0].text}
    qtbot.waitUntil(lambda: page.history.list.count() == 1, timeout=5000)
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        back = store.chats.get(page.conv.id)
    assert [a.variant for a in back.turns[0].answers] == [SMALL, OTHER]


def test_code_blocks_copy_and_nothing_is_loaded(qtbot, qapp):
    from quantdesk.core.chat.answer import Answer
    from quantdesk.ui.pages.chat_transcript import AnswerView

    view = AnswerView(0, 0)
    qtbot.addWidget(view)
    text = ("Use this:\n\n```python\nwith open(p) as f:\n    pass\n```\n\n"
            "![x](http://127.0.0.1:9/x.png) <img src=http://127.0.0.1:9/y.png>")
    view.show_answer(Answer("m:1b", text, state="done"), chosen=True, alternatives=False)
    view.show()
    qapp.processEvents()
    assert view.body.requested == []
    assert "<img" in view.body.toPlainText()  # raw HTML shows as text
    view.body.anchorClicked.emit(QUrl("#copy-0"))
    assert qapp.clipboard().text() == "with open(p) as f:\n    pass"


def test_missing_model_offers_a_pull_and_a_dead_daemon_is_said_in_words(sim_factory,
                                                                        chat_page, qtbot):
    sim = sim_factory(installed=[SMALL], loaded=[SMALL])
    page = chat_page(sim)
    page.picker.addItem("absent:1b")
    page.switch_variant("absent:1b")
    page.eviction.confirming.connect(lambda _t: page.eviction.go_button.click())
    ask(qtbot, page, "Hello?")
    assert page.conv.turns[0].answer.state == "failed"
    assert page.pull_button.isVisible() and "absent:1b" in page.pull_button.text()
    assert "not installed" in page.message.text()
    page.switch_variant(SMALL)
    sim.stop()
    page.regenerate()
    qtbot.waitUntil(lambda: not page.streaming and page.conv.turns[0].answers[-1].state
                    == "failed", timeout=10_000)
    assert "not answering" in page.message.text()


def test_history_list_reopens_renames_and_deletes(sim_factory, chat_page, qtbot, tmp_path):
    sim = sim_factory(installed=[SMALL], loaded=[SMALL], reply_words=5)
    page = chat_page(sim)
    ask(qtbot, page, "First chat")
    first_id = page.conv.id
    page.new_chat()
    assert page.transcript.turns == []
    ask(qtbot, page, "Second chat")
    qtbot.waitUntil(lambda: page.history.list.count() == 2, timeout=5000)
    page.service.open(first_id)
    qtbot.waitUntil(lambda: page.conv.id == first_id, timeout=5000)
    assert page.transcript.turns[0].user.text() == "First chat"
    page.rename(first_id, "Renamed")
    qtbot.waitUntil(lambda: "Renamed" in [page.history.list.item(i).text()
                                          for i in range(page.history.list.count())],
                    timeout=5000)
    page.confirm_delete = lambda _title: True
    page.delete(first_id)
    qtbot.waitUntil(lambda: page.history.list.count() == 1, timeout=5000)
    assert page.conv is None
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        assert [c.title for c in store.chats.summaries()] == ["Second chat"]


def test_open_chat_lead_in_starts_a_chat_with_that_model(sim_factory, chat_page, qtbot):
    sim = sim_factory(installed=[SMALL, OTHER], loaded=[SMALL])
    page = chat_page(sim)
    page.service.open_chat(OTHER)
    assert page.picker.currentText() == OTHER and page.conv is None


def test_system_prompt_and_settings_in_plain_words_reach_the_daemon(sim_factory, chat_page,
                                                                    qtbot):
    sim = sim_factory(installed=[SMALL], loaded=[SMALL], reply_words=5)
    sim.request_log = []
    page = chat_page(sim)
    page.settings_button.click()
    labels = [page.settings.edits[k].accessibleName() for k in ("temperature", "num_ctx")]
    assert labels == ["Creativity", "Conversation memory (tokens)"]  # no Ollama names
    page.settings.system.setPlainText("Answer in French.")
    creativity = page.settings.edits["temperature"]
    creativity.setText("5")
    creativity.editingFinished.emit()
    # Refused in words, the typed value kept for correcting, the chat's value untouched.
    assert "Creativity goes from 0 to 2" in page.message.text()
    assert creativity.text() == "5" and page.settings.options.temperature is None
    creativity.setText("0.3")
    creativity.editingFinished.emit()
    assert page.settings.options.temperature == 0.3 and not page.message.isVisible()
    ask(qtbot, page, "Bonjour")
    body = chat_bodies(sim)[0]
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert body["options"] == {"temperature": 0.3}


def test_chat_is_a_sidebar_page_with_a_shortcut_and_the_lead_in_shows_it(sim_factory,
                                                                         make_window, qtbot):
    sim = sim_factory(installed=[SMALL, OTHER])
    window = make_window(sim.host, only_pages=None)
    keys = [spec.key for spec in window.page_specs]
    assert "chat" in keys
    n = keys.index("chat") + 1
    action = window.page_actions[n - 1]
    assert action.shortcut().toString() == f"Ctrl+{n}"
    window.show_page("library")
    qtbot.waitUntil(lambda: window.pages["chat"].picker.count() == 2, timeout=5000)
    window.services.chat.open_chat(OTHER)  # what Library, Variants and Compare call
    assert window.current_page_key() == "chat"
    assert window.pages["chat"].picker.currentText() == OTHER


def test_library_chat_button_leads_into_a_chat_with_the_selected_model(sim_factory,
                                                                       make_window, qtbot):
    sim = sim_factory(installed=[SMALL, OTHER])
    window = make_window(sim.host, only_pages=("library", "chat"))
    library = window.pages["library"]
    qtbot.waitUntil(lambda: library.select(OTHER), timeout=5000)
    assert library.chat_button.isEnabled()
    library.chat_button.click()
    assert window.current_page_key() == "chat"
    assert window.pages["chat"].picker.currentText() == OTHER


def test_empty_states_say_what_to_do(make_services, qtbot, unreachable_host, sim_factory):
    from quantdesk.ui.pages.chat import ChatPage

    services = make_services(unreachable_host)
    page = ChatPage(services)
    qtbot.addWidget(page)
    page.show()
    services.start()
    assert "not connected" in page.transcript.empty.text()
    assert not page.send_button.isEnabled()
    sim = sim_factory()  # a daemon with nothing installed
    services.connection.set_host(sim.host)
    qtbot.waitUntil(lambda: services.connection.is_connected, timeout=5000)
    qtbot.waitUntil(lambda: "Downloads page" in page.transcript.empty.text(), timeout=5000)


def test_compare_offers_a_chat_with_each_finished_variant(sim_factory, make_services, qtbot):
    from quantdesk.core.compare.results import CompareOptions, ComparisonSpec
    from quantdesk.ui.pages.compare import ComparePage
    from quantdesk.ui.services.compare import RunRequest

    sim = sim_factory(installed=[SMALL, OTHER])
    services = make_services(sim.host, machine=fake_machine(48))
    page = ComparePage(services)
    qtbot.addWidget(page)
    services.start()
    qtbot.waitUntil(lambda: services.connection.is_connected, timeout=5000)
    assert not page.chat_button.isEnabled()
    spec = ComparisonSpec(models=(SMALL, OTHER), prompt="Say hi.",
                          options=CompareOptions(seed=1, num_ctx=2048, num_predict=8))
    with qtbot.waitSignal(services.compare.finished, timeout=30_000):
        page.start(RunRequest(spec))
    assert page.chat_button.isEnabled()
    actions = page.chat_button.menu().actions()
    assert [a.text() for a in actions] == [SMALL, OTHER]
    with qtbot.waitSignal(services.chat.open_requested) as asked:
        actions[1].trigger()
    assert asked.args == [OTHER]


def test_the_chat_page_fits_beside_the_sidebar_at_1024_pixels(make_services, qtbot,
                                                               unreachable_host):
    from quantdesk.ui.pages.chat import ChatPage

    page = ChatPage(make_services(unreachable_host))
    qtbot.addWidget(page)
    # 1024 px less the 180 px sidebar and the window's 16 px page margins on each side.
    assert page.minimumSizeHint().width() <= 1024 - 180 - 32
