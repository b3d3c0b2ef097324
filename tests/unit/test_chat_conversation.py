"""Conversation values and chat settings: history sent per turn, alternatives, labels, limits."""

from __future__ import annotations

import pytest

from quantdesk.core.chat import (
    SPECS,
    Answer,
    AnswerMemory,
    AnswerStats,
    ChatError,
    ChatOptions,
    Conversation,
    OptionError,
)


def answered(conv: Conversation, text: str, variant: str | None = None) -> Conversation:
    req = conv.request() if variant is None else conv.regenerate_request(variant)
    return conv.with_answer(req, Answer(req.variant, text, state="done"))


def test_history_carries_the_system_prompt_and_each_chosen_answer():
    conv = Conversation.new("llama3.2:3b", system_prompt="Answer in one line.")
    conv = answered(conv.ask("What is 2+2?"), "4")
    conv = conv.ask("And 3+3?")
    assert conv.request().messages == (
        {"role": "system", "content": "Answer in one line."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    )
    assert conv.title == "What is 2+2?"


def test_switching_variant_sends_the_same_history_to_the_other_model():
    conv = answered(Conversation.new("llama3.2:3b").ask("Hi"), "Hello!")
    before = conv.ask("Tell me more").request()
    after = conv.switch_variant("qwen2.5:7b").ask("Tell me more").request()
    assert (before.variant, after.variant) == ("llama3.2:3b", "qwen2.5:7b")
    assert before.messages == after.messages


def test_regenerate_with_keeps_the_first_answer_beside_the_new_one():
    conv = answered(Conversation.new("llama3.2:3b").ask("Name a colour"), "Blue")
    conv = answered(conv, "Green", variant="qwen2.5:7b")
    turn = conv.turns[-1]
    assert [(a.variant, a.text) for a in turn.answers] == [("llama3.2:3b", "Blue"),
                                                            ("qwen2.5:7b", "Green")]
    assert turn.chosen == 1 and conv.variant == "llama3.2:3b"  # regenerating is not switching
    # The conversation continues from the chosen answer; choosing the first goes back to it.
    assert conv.ask("Why?").request().messages[1]["content"] == "Green"
    back = conv.choose(-1, 0)
    assert back.ask("Why?").request().messages[1]["content"] == "Blue"
    with pytest.raises(ChatError):
        conv.choose(0, 5)


def test_a_stopped_answer_counts_as_far_as_it_got_and_a_failed_empty_one_is_retried():
    conv = Conversation.new("m:1b").ask("Count to ten")
    req = conv.request()
    conv = conv.with_answer(req, Answer("m:1b", "one two thr", state="stopped"))
    assert conv.ask("Go on").request().messages[-2] == {"role": "assistant",
                                                       "content": "one two thr"}
    conv2 = Conversation.new("m:1b").ask("Hi")
    req = conv2.request()
    conv2 = conv2.with_answer(req, Answer("m:1b", "", state="failed", error="daemon gone"))
    again = conv2.request()
    assert again.slot == 0  # answered again in place, not beside an empty failure
    assert conv2.ask("Hello?").request().messages == (
        {"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"})


def test_no_new_message_or_regenerate_while_an_answer_streams():
    conv = Conversation.new("m:1b").ask("Hi")
    req = conv.request()
    conv = conv.with_answer(req, Answer("m:1b", "Hel"))  # state "streaming"
    with pytest.raises(ChatError, match="still coming"):
        conv.ask("More")
    with pytest.raises(ChatError, match="still coming"):
        conv.regenerate_request("x:1b")
    with pytest.raises(ChatError, match="Type a message"):
        Conversation.new("m:1b").ask("   ")
    with pytest.raises(ChatError, match="no answer"):
        Conversation.new("m:1b").ask("Hi").regenerate_request()


def test_values_are_immutable_and_long_titles_are_cut():
    conv = Conversation.new("m:1b")
    asked = conv.ask("x" * 100)
    assert conv.turns == () and len(asked.turns) == 1
    assert len(asked.title) == 60 and asked.title.endswith("…")
    assert asked.id.startswith("chat-") and asked.id != Conversation.new("m:1b").id


def test_answer_labels_name_variant_speed_and_memory():
    done = Answer("qwen2.5:7b", "Hi", state="done", stats=AnswerStats(eval_tps=42.04),
                  memory=AnswerMemory(4_900_000_000, 4_900_000_000))
    assert done.label == "qwen2.5:7b · 42.0 tokens/s · 4.9 GB · 100% GPU"
    stopped = Answer("m:1b", "Hi", state="stopped",
                     stats=AnswerStats(eval_tps=30.0, estimated=True))
    assert stopped.label == "m:1b · stopped · ≈ 30.0 tokens/s"
    split = Answer("big:70b", state="done", done_reason="length",
                   memory=AnswerMemory(40 * 10**9, 20 * 10**9))
    assert split.label == "big:70b · cut at the length limit · 40 GB · 50%/50% CPU/GPU"


def test_options_are_sent_under_ollamas_names_only_when_set():
    opts = ChatOptions().with_value("temperature", "0.2").with_value("num_ctx", 8192)
    assert opts.to_ollama() == {"temperature": 0.2, "num_ctx": 8192}
    assert opts.with_value("temperature", "").to_ollama() == {"num_ctx": 8192}
    conv = Conversation.new("m:1b", options=opts).ask("Hi")
    assert conv.request().options == {"temperature": 0.2, "num_ctx": 8192}


def test_option_limits_are_refused_in_plain_words():
    with pytest.raises(OptionError, match=r"Creativity goes from 0 to 2 \(you entered 3\)"):
        ChatOptions().with_value("temperature", 3)
    with pytest.raises(OptionError, match="whole number"):
        ChatOptions().with_value("num_ctx", 4096.5)
    with pytest.raises(OptionError, match="takes a number, not 'lots'"):
        ChatOptions().with_value("top_k", "lots")
    with pytest.raises(OptionError, match="finite"):
        ChatOptions().with_value("top_p", float("nan"))
    with pytest.raises(OptionError, match="no chat setting"):
        ChatOptions().with_value("mirostat", 1)
    assert ChatOptions().with_value("num_ctx", "16,384").num_ctx == 16384


def test_every_setting_has_words_and_no_field_name_leaks_into_them():
    names = {s.key for s in SPECS}
    assert names == set(ChatOptions().__dataclass_fields__)
    for s in SPECS:
        assert s.label and s.help and s.unset
        # Ollama's field names (num_ctx, top_p …) stay inside; "seed" is an English word.
        assert not any(n in s.label or n in s.help for n in names if "_" in n), s
        assert "temperature" not in s.label.lower()
    rows = dict(ChatOptions(num_predict=-1, temperature=0.7).describe())
    assert rows["Longest answer (tokens)"] == "no limit"
    assert rows["Creativity"] == "0.7"
    assert rows["Conversation memory (tokens)"] == "Ollama's default for this machine"


def test_stored_options_survive_bad_values():
    opts = ChatOptions.from_ollama({"temperature": 9, "top_k": 20, "bogus": 1})
    assert opts == ChatOptions(top_k=20)
    assert ChatOptions.from_ollama("not a dict") == ChatOptions()
