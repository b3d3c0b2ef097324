"""Fuzzy palette matching: hand-picked queries from the issue, ranking rules, positions, and a
regular-expression oracle for which names match at all."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from quantdesk.core.fuzzy import fuzzy_filter, fuzzy_match, fuzzy_rank, highlight_runs

INSTALLED = [
    "llama3.1:8b-instruct-q4_K_M",
    "qwen2.5:72b",
    "qwen2.5:7b",
    "codeqwen:7b",
    "qwen2.5-coder:7b",
    "llama3.1:8b",
    "llama3.2:3b",
    "mistral:7b",
    "qwen2.5:7b-instruct-q8_0",
    "deepseek-r1:8b",
    "gemma2:9b",
]


def names(query: str) -> list[str]:
    return [m.text for m in fuzzy_rank(query, INSTALLED)]


def test_qwen7_finds_qwen25_7b_first_with_the_letters_it_used():
    match = fuzzy_match("qwen7", "qwen2.5:7b")
    assert match is not None
    # q w e n at the start, then the 7 after the colon (index 8), counted by hand.
    assert match.positions == (0, 1, 2, 3, 8)
    assert names("qwen7")[0] == "qwen2.5:7b"


def test_l31q4_finds_the_instruct_q4_tag():
    match = fuzzy_match("l31q4", "llama3.1:8b-instruct-q4_K_M")
    assert match is not None
    # l, the 3 of "llama3", the 1 after the dot, then "q4" after the last dash.
    assert match.positions == (0, 5, 7, 21, 22)
    assert names("l31q4") == ["llama3.1:8b-instruct-q4_K_M"]


def test_substring_search_would_find_nothing_but_fuzzy_does():
    for query in ("qwen7", "l31q4", "q4km", "ds8"):
        assert not any(query in n for n in INSTALLED)
        assert names(query), query


def test_case_and_spaces_in_the_query_are_ignored():
    a = fuzzy_match("Q4 K M", "llama3.1:8b-instruct-q4_K_M")
    b = fuzzy_match("q4km", "llama3.1:8b-instruct-q4_K_M")
    assert a is not None and a == b
    assert a.positions == (21, 22, 24, 26)


def test_no_match_when_a_letter_is_missing_or_out_of_order():
    assert fuzzy_match("zz", "qwen2.5:7b") is None
    assert fuzzy_match("7q", "qwen2.5:7b") is None  # the 7 comes after the q
    assert fuzzy_match("qwen2.5:7bb", "qwen2.5:7b") is None  # longer than the name
    assert names("xyz") == []


def test_prefix_beats_the_same_letters_inside_a_word():
    # "qw" opens qwen2.5 but sits inside codeqwen: the prefix ranks first, codeqwen last.
    ranked = names("qw")
    assert ranked[-1] == "codeqwen:7b"
    assert set(ranked[:-1]) == {n for n in INSTALLED if n.startswith("qwen")}
    prefix, inner = fuzzy_match("qw", "qwen2.5:7b"), fuzzy_match("qw", "codeqwen:7b")
    assert prefix is not None and inner is not None and prefix.score > inner.score


def test_word_start_beats_a_letter_inside_a_word():
    # "coder" after the dash scores word-start; no other name holds it at all.
    assert names("coder") == ["qwen2.5-coder:7b"]
    word = fuzzy_match("m", "llama3.1:8b-instruct-q4_K_M")  # the M after "_K_"
    assert word is not None and word.positions == (26,)  # not the m inside "llama"


def test_equal_scores_put_the_shorter_name_first():
    ranked = names("qwen7")
    # Same letters, same bonuses: 10, 11 and 24 characters long.
    assert ranked[:3] == ["qwen2.5:7b", "qwen2.5:72b", "qwen2.5:7b-instruct-q8_0"]
    # The 7 of "-coder:7b" sits after a longer gap: below the three.
    assert ranked.index("qwen2.5-coder:7b") == 3


def test_a_tighter_run_beats_a_scattered_one():
    run, scattered = fuzzy_match("mis", "mistral:7b"), fuzzy_match(
        "mis", "llama3.1:8b-instruct-q4_K_M")
    assert run is not None and scattered is not None
    assert run.score > scattered.score
    assert names("mis") == ["mistral:7b", "llama3.1:8b-instruct-q4_K_M"]


def test_the_best_alignment_is_chosen_not_the_first_one_found():
    # Greedy left-to-right would take the "a" of "llama" for "a3"; the best placement keeps
    # the run "a3" at indexes 4 and 5.
    match = fuzzy_match("la3", "llama3.1:8b")
    assert match is not None and match.positions == (0, 4, 5)


def test_empty_query_keeps_every_name_in_the_given_order():
    assert names("") == INSTALLED
    assert fuzzy_match("  ", "x") is not None


def test_filter_keeps_the_items_and_rank_honours_limit():
    rows = [{"name": n, "size": i} for i, n in enumerate(INSTALLED)]
    picked = fuzzy_filter("g9", rows, key=lambda r: r["name"])
    assert [(r["name"], m.positions) for r, m in picked] == [("gemma2:9b", (0, 7))]
    assert len(fuzzy_rank("7b", INSTALLED, limit=2)) == 2


def test_highlight_runs_merge_adjacent_positions():
    assert highlight_runs((0, 1, 2, 3, 8)) == [(0, 4), (8, 9)]
    assert highlight_runs(()) == []


names_st = st.text(alphabet="abcq0123456789:._-KM", min_size=0, max_size=24)
queries_st = st.text(alphabet="abcq0123456789km", min_size=1, max_size=6)


@given(query=queries_st, text=names_st)
def test_matches_exactly_when_a_regex_subsequence_matches(query, text):
    oracle = re.search(".*".join(map(re.escape, query)), text, flags=re.IGNORECASE)
    match = fuzzy_match(query, text)
    assert (match is not None) == (oracle is not None)
    if match is not None:
        assert list(match.positions) == sorted(set(match.positions))
        assert "".join(text[p] for p in match.positions).lower() == query.lower()
