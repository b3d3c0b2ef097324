"""Deterministic text whose agreement with fp16 falls as bits fall."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.quant import parse_quant
from quantdesk.sim.textgen import divergence_point, generate, greedy_word

LINEAGE = "llama3.1:8b-instruct"
FP16 = parse_quant("F16")
LEVELS = [parse_quant(q) for q in ("Q2_K", "Q3_K_M", "Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0")]


def words(level, prompt, seed=0, **kw):
    return [s.word for s in generate(LINEAGE, level, prompt, seed=seed, **kw)]


def test_same_request_same_text():
    assert words(LEVELS[0], "hello", 3) == words(LEVELS[0], "hello", 3)
    assert words(FP16, "hello", 3) != words(FP16, "hello", 4)
    assert words(FP16, "hello") != words(FP16, "goodbye")


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=30), st.integers(0, 10_000))
def test_divergence_order_follows_bits(prompt, seed):
    points = [divergence_point(level, prompt, seed) for level in LEVELS]
    assert all(p is not None for p in points)
    assert points == sorted(points)  # fewer bits -> earlier
    assert points[0] < points[-1]
    assert divergence_point(FP16, prompt, seed) is None


@settings(max_examples=15, deadline=None)
@given(st.text(max_size=20), st.integers(0, 1000))
def test_quant_text_equals_fp16_exactly_up_to_divergence(prompt, seed):
    for level in LEVELS[:4]:
        d = divergence_point(level, prompt, seed)
        ref = [greedy_word(LINEAGE, FP16, prompt, seed, i) for i in range(d + 3)]
        own = [greedy_word(LINEAGE, level, prompt, seed, i) for i in range(d + 3)]
        assert own[:d] == ref[:d]
        assert own[d] != ref[d]


def test_top_candidate_is_the_greedy_word_and_has_top_logprob():
    for step in generate(LINEAGE, LEVELS[3], "why is the sky blue", temperature=0):
        best_word, best_lp = step.candidates[0]
        assert step.word == best_word and step.logprob == best_lp
        lps = [lp for _, lp in step.candidates]
        assert lps == sorted(lps, reverse=True)
        assert sum(math.exp(lp) for lp in lps) < 1.0  # log-probabilities, not scores


def test_lower_bits_have_flatter_distributions():
    def top_prob(level):
        step = next(iter(generate(LINEAGE, level, "q", temperature=0)))
        return math.exp(step.logprob)

    probs = [top_prob(level) for level in [*LEVELS, FP16]]
    assert probs == sorted(probs)
    assert probs[0] < probs[-1]


def test_after_divergence_fp16_word_is_the_runner_up():
    level = LEVELS[0]
    d = divergence_point(level, "p", 0)
    steps = list(generate(LINEAGE, level, "p", seed=0, temperature=0))
    if d < len(steps):
        assert steps[d].candidates[1][0] == greedy_word(LINEAGE, FP16, "p", 0, d)


def test_limit_and_temperature():
    assert len(words(FP16, "x", limit=3)) == 3
    greedy = words(LEVELS[0], "sample me", 1)
    hot = words(LEVELS[0], "sample me", 1, temperature=2.0)
    assert hot == words(LEVELS[0], "sample me", 1, temperature=2.0)  # seeded
    assert hot != greedy
