"""Agreement edge cases, each against numbers worked out by hand from the definitions in
core/compare/agreement.py's docstring (nats; probabilities chosen so the logs are easy)."""

from __future__ import annotations

import math

import pytest

from quantdesk.core.compare import Transcript, score
from quantdesk.core.compare.agreement import (
    first_divergence,
    kl_terms,
    position_kl,
    prefix_share,
    similarity,
)
from quantdesk.core.ollama import Logprob

# 0.8·ln(0.8/0.5) + 0.2·ln(0.2/0.5) = 0.8·0.470004 − 0.2·0.916291
KL_8_2_VS_5_5 = 0.1927447570
# 0.9·ln(0.9/0.6) + 0.1·ln(0.1/0.4) = 0.9·0.405465 − 0.1·1.386294
KL_9_1_VS_6_4 = 0.2262891612


def lp(token: str, top: dict[str, float]) -> Logprob:
    return Logprob(token, math.log(top[token]),
                   top_logprobs=tuple(Logprob(t, math.log(p)) for t, p in top.items()))


def test_kl_when_the_variant_stops_early_covers_only_shared_positions():
    ref = [lp("a", {"a": 0.8, "b": 0.2}), lp("b", {"b": 0.6, "a": 0.4})]
    run = [lp("a", {"a": 0.5, "b": 0.5})]
    # diverges at 1 (the variant stopped); position 1 exists on one side only
    assert kl_terms(ref, run) == pytest.approx([KL_8_2_VS_5_5])


def test_kl_when_the_reference_stops_early_covers_only_shared_positions():
    ref = [lp("a", {"a": 0.8, "b": 0.2})]
    run = [lp("a", {"a": 0.5, "b": 0.5}), lp("b", {"b": 0.6, "a": 0.4})]
    assert kl_terms(ref, run) == pytest.approx([KL_8_2_VS_5_5])
    a = score([Transcript("a", tuple(ref))], [Transcript("a b", tuple(run))])
    assert (a.first_divergence, a.agreement) == (1, 0.5)
    assert a.approx_kl == pytest.approx(KL_8_2_VS_5_5)


def test_kl_of_identical_sequences_covers_every_position():
    ref = [lp("x", {"x": 0.9, "y": 0.1})] * 3
    run = [lp("x", {"x": 0.6, "y": 0.4})] * 3
    assert kl_terms(ref, run) == pytest.approx([KL_9_1_VS_6_4] * 3)


def test_kl_up_to_and_including_the_split_position():
    ref = [lp("x", {"x": 0.9, "y": 0.1}), lp("x", {"x": 0.9, "y": 0.1}),
           lp("x", {"x": 0.9, "y": 0.1})]
    run = [lp("x", {"x": 0.6, "y": 0.4}), lp("y", {"y": 0.6, "x": 0.4}),
           lp("x", {"x": 0.6, "y": 0.4})]
    # position 1: ref has x 0.9 / y 0.1, the variant x 0.4 / y 0.6
    # 0.9·ln(0.9/0.4) + 0.1·ln(0.1/0.6) = 0.729837 − 0.179176
    assert kl_terms(ref, run) == pytest.approx([KL_9_1_VS_6_4, 0.5506612])


def test_kl_of_an_empty_side_is_empty():
    assert kl_terms([], [lp("a", {"a": 1.0})]) == []
    assert kl_terms([lp("a", {"a": 1.0})], []) == []


def test_a_truncated_kl_below_zero_is_clamped_to_zero():
    # the reference lists only 70 % of its mass: 0.6·ln(0.6/0.9) + 0.1·ln(0.1/0.05) < 0
    ref = Logprob("a", math.log(0.6),
                  top_logprobs=(Logprob("a", math.log(0.6)), Logprob("b", math.log(0.1))))
    run = Logprob("a", math.log(0.9),
                  top_logprobs=(Logprob("a", math.log(0.9)), Logprob("b", math.log(0.05))))
    assert position_kl(ref, run) == 0.0


def test_a_positive_kl_is_not_clamped():
    ref = lp("a", {"a": 0.8, "b": 0.2})
    run = lp("a", {"a": 0.5, "b": 0.5})
    assert position_kl(ref, run) == pytest.approx(KL_8_2_VS_5_5)
    assert position_kl(ref, Logprob("a", math.log(0.5))) is None  # the variant sent no top-k


def test_pooled_kl_is_the_mean_over_all_positions_of_all_pairs():
    ref = [Transcript("a", (lp("a", {"a": 0.8, "b": 0.2}),)),
           Transcript("x x", (lp("x", {"x": 0.9, "y": 0.1}),) * 2)]
    run = [Transcript("a", (lp("a", {"a": 0.5, "b": 0.5}),)),
           Transcript("x x", (lp("x", {"x": 0.6, "y": 0.4}),) * 2)]
    a = score(ref, run)
    # three positions in all: (0.192745 + 2 · 0.226289) / 3, not the mean of the two means
    assert a.approx_kl == pytest.approx(0.2151076931)
    assert (a.first_divergence, a.agreement, a.basis) == (None, 1.0, "logprobs")


def test_logprobs_without_top_k_give_no_kl():
    ref = [Transcript("a", (Logprob("a", -0.1),))]
    run = [Transcript("a", (Logprob("a", -0.2),))]
    a = score(ref, run)
    assert a.basis == "logprobs" and a.approx_kl is None


def test_logprobs_on_one_side_only_fall_back_to_words():
    ref = [Transcript("a b", (lp("a", {"a": 1.0}), lp("b", {"b": 1.0})))]
    run = [Transcript("a c")]
    a = score(ref, run)
    assert (a.basis, a.approx_kl, a.first_divergence, a.agreement) == ("text", None, 1, 0.5)


@pytest.mark.parametrize("order", [1, -1])
def test_pooled_first_divergence_is_the_earliest_of_any_pair(order):
    ref = [Transcript("a b c d"), Transcript("p q")][::order]
    run = [Transcript("a b c x"), Transcript("z q")][::order]
    a = score(ref, run)
    assert a.first_divergence == 0
    assert a.agreement == pytest.approx((3 + 0) / (4 + 2))


def test_one_pair_diverging_is_enough_for_a_pooled_divergence():
    ref = [Transcript("same words"), Transcript("a b c")]
    run = [Transcript("same words"), Transcript("a b")]
    assert score(ref, run).first_divergence == 2
    assert score(ref[::-1], run[::-1]).first_divergence == 2


def test_words_split_on_any_whitespace():
    t = Transcript("one\ttwo\n\nthree  four\r\n five ")
    assert t.words == ["one", "two", "three", "four", "five"]
    a = score([Transcript("one two three")], [Transcript(" one\ntwo\t three\n")])
    assert (a.first_divergence, a.agreement, a.similarity) == (None, 1.0, 1.0)


def test_empty_answers_agree_fully():
    a = score([Transcript("")], [Transcript("  \n")])
    assert (a.first_divergence, a.agreement, a.similarity, a.basis) == (None, 1.0, 1.0, "text")


def test_similarity_is_difflibs_ratio_by_hand():
    # matching blocks "a" and "c": 2·2 matched words over 3 + 2 words
    assert similarity(["a", "b", "c"], ["a", "c"]) == pytest.approx(0.8)
    assert similarity([], []) == 1.0
    assert similarity(["a"], []) == 0.0
    assert similarity([], ["a"]) == 0.0
    # autojunk off: words repeated in more than 1 % of a 200+ word answer still match. The
    # two answers are the same 299 words shifted by one: 2 x 299 / 600
    ref = ("a w " * 150).split()
    run = ("w a " * 150).split()
    assert similarity(ref, run) == pytest.approx(2 * 299 / 600)


def test_prefix_share_and_divergence_edges():
    assert prefix_share(["a", "b"], ["a", "b"]) == (None, 2, 2)
    assert prefix_share(["a", "b", "c"], ["a"]) == (1, 1, 3)
    assert prefix_share([], []) == (None, 0, 0)
    assert first_divergence(["a"], ["a", "b", "c"]) == 1
    assert first_divergence(["x", "b"], ["y", "b"]) == 0


def test_tokens_not_words_decide_with_logprobs():
    # the same text, tokenised differently: with logprobs the tokens are compared
    ref = Transcript("hello world", (lp("hel", {"hel": 1.0}), lp("lo", {"lo": 1.0}),
                                     lp(" world", {" world": 1.0})))
    run = Transcript("hello world", (lp("hello", {"hello": 1.0}),
                                     lp(" world", {" world": 1.0})))
    a = score([ref], [run])
    assert (a.basis, a.first_divergence, a.agreement, a.similarity) == ("logprobs", 0, 0.0, 1.0)


def test_score_refuses_mismatched_or_empty_inputs():
    message = r"^score needs one transcript per prompt on both sides$"
    with pytest.raises(ValueError, match=message):
        score([], [])
    with pytest.raises(ValueError, match=message):
        score([Transcript("a")], [Transcript("a"), Transcript("b")])
