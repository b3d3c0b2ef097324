"""The simulator answers generated tasks: right at fp16, wrong more often as bits fall."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.compare import ComparisonSpec, run_comparison
from quantdesk.core.compare.results import CompareOptions
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.quant import all_levels, parse_quant
from quantdesk.core.tasks import TASK_SETS, make_tasks, solve
from quantdesk.sim import SimDaemon
from quantdesk.sim.task_answers import answers_wrong, mistakes, task_reply, wrong_probability
from quantdesk.sim.textgen import generate

FAST = settings(max_examples=12, deadline=None)
seeds = st.integers(min_value=0, max_value=2**31)
sets = st.sampled_from(TASK_SETS)
LINEAGE = "llama3.2:1b-instruct"
# Highest bits first.
LEVELS = [parse_quant(q) for q in ("F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0",
                                   "Q3_K_M", "Q2_K", "IQ1_S")]
LADDER = [f"{LINEAGE}-{q}" for q in ("fp16", "q8_0", "q4_K_M", "q2_K")]


# -- the solver next to the generators ------------------------------------------------------

@FAST
@given(sets, seeds)
def test_solve_answers_every_generated_task(name, seed):
    for task in make_tasks(name, 25, seed):
        answer = solve(task.prompt)
        assert answer is not None, task.prompt
        assert task.grade(answer), (task.prompt, answer)
        assert solve(f"  {task.prompt}\n") == answer  # surrounding whitespace is not content


@FAST
@given(sets, seeds, st.sampled_from(["Please. ", "x", " Thanks!"]))
def test_solve_refuses_what_no_generator_wrote(name, seed, extra):
    task = make_tasks(name, 1, seed)[0]
    assert solve(extra + task.prompt) is None or extra.isspace()
    assert solve(task.prompt + extra) is None


@FAST
@given(st.text(max_size=80))
def test_solve_is_none_for_free_text(text):
    assert solve(text) is None


def test_solve_is_none_for_a_task_shape_with_impossible_content():
    prompt = ("Write the date 31 February 2020 as an ISO 8601 date. "
              "Answer with only the date in the form YYYY-MM-DD.")
    assert solve(prompt) is None
    assert solve(prompt.replace("31 February", "29 February")) == "2020-02-29"


# -- calibration and monotonicity ------------------------------------------------------------

def test_error_rate_never_rises_with_bits():
    levels = sorted(all_levels(), key=lambda lvl: -lvl.file_bpw)
    rates = [wrong_probability(lvl) for lvl in levels]
    assert rates == sorted(rates)
    assert all(0.0 <= r < 1.0 for r in rates)
    assert {wrong_probability(parse_quant(q)) for q in ("F16", "BF16", "F32")} == {0.0}
    q8, q4, q2 = (wrong_probability(parse_quant(q)) for q in ("Q8_0", "Q4_K_M", "Q2_K"))
    assert 0 < q8 <= 0.05 < q4 <= 0.2 < q2


@FAST
@given(sets, seeds)
def test_a_wrong_higher_bit_build_means_every_lower_one_is_wrong(name, seed):
    for task in make_tasks(name, 20, seed):
        wrong = [answers_wrong(LINEAGE, lvl, task.prompt, seed) for lvl in LEVELS]
        first = wrong.index(True) if True in wrong else len(wrong)
        assert wrong == [False] * first + [True] * (len(wrong) - first)
        assert not wrong[0]  # fp16 is the reference


def test_observed_error_rates_follow_the_calibration():
    tasks = make_tasks("mixed", 1000, 11)
    for level in LEVELS:
        p = wrong_probability(level)
        share = sum(answers_wrong(LINEAGE, level, t.prompt, 11) for t in tasks) / len(tasks)
        # 1000 draws: four binomial standard deviations, never less than 1.5 points.
        assert abs(share - p) <= max(0.015, 4 * (p * (1 - p) / len(tasks)) ** 0.5), level.name


@FAST
@given(sets, seeds)
def test_every_mistake_is_plausible_and_graded_wrong(name, seed):
    for task in make_tasks(name, 20, seed):
        wrong = mistakes(task.expected)
        assert wrong and task.expected not in wrong
        for answer in wrong:
            assert not task.grade(answer), (task.prompt, answer)
        for level in LEVELS:
            reply = task_reply(LINEAGE, level, task.prompt, seed)
            assert reply is not None and reply.reference == tuple(task.expected.split(" "))
            assert task.grade(reply.text) == reply.correct
            assert reply.correct == (not answers_wrong(LINEAGE, level, task.prompt, seed))


def test_mistakes_keep_the_answers_shape():
    assert "2024-09-03" in mistakes("2024-03-09")  # month and day swapped
    assert "Strawberry" in mistakes("STRAWBERRY")
    assert "12345" in mistakes("12,345")
    assert {"1235", "1233", "1243"} <= set(mistakes("1234"))
    assert "b, a, c, d" in mistakes("a, b, c, d")


# -- over sockets ------------------------------------------------------------------------------

def _post(sim: SimDaemon, path: str, body: dict) -> dict:
    resp = httpx.post(f"{sim.url}{path}", json={"stream": False, **body}, timeout=10,
                      trust_env=False)
    resp.raise_for_status()
    return resp.json()


def _wrong_task(level_tag: str, seed: int) -> tuple[str, str]:
    """A task prompt the given level gets wrong while fp16 is right, and its answer."""
    level = parse_quant(level_tag)
    for task in make_tasks("mixed", 200, seed):
        if answers_wrong(LINEAGE, level, task.prompt, seed):
            return task.prompt, task.expected
    raise AssertionError("no wrong answer in 200 tasks")  # pragma: no cover


def test_generate_and_chat_answer_tasks_on_the_wire(sim_factory):
    sim = sim_factory(installed=[LADDER[0], LADDER[3]])
    prompt, expected = _wrong_task("Q2_K", 5)
    opts = {"temperature": 0, "seed": 5}
    ref = _post(sim, "/api/generate", {"model": LADDER[0], "prompt": prompt, "options": opts,
                                       "logprobs": True, "top_logprobs": 5})
    assert ref["response"] == expected and ref["done_reason"] == "stop"
    assert ref["eval_count"] == len(expected.split(" "))
    chat = _post(sim, "/api/chat", {"model": LADDER[0], "options": opts, "messages": [
        {"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"},
        {"role": "user", "content": prompt}]})
    assert chat["message"]["content"] == expected

    low = _post(sim, "/api/generate", {"model": LADDER[3], "prompt": prompt, "options": opts,
                                       "logprobs": True, "top_logprobs": 5})
    assert low["response"] != expected and low["response"] in mistakes(expected)
    ref_tokens = [s["token"] for s in ref["logprobs"]]
    low_tokens = [s["token"] for s in low["logprobs"]]
    assert "".join(low_tokens) == low["response"]
    d = next(i for i, (a, b) in enumerate(zip(ref_tokens, low_tokens, strict=False)) if a != b)
    ref_words, low_words = expected.split(" "), low["response"].split(" ")
    assert d == next(i for i, (a, b) in enumerate(zip(ref_words, low_words, strict=False))
                     if a != b)
    runner_up = [c["token"] for c in low["logprobs"][d]["top_logprobs"]]
    assert runner_up[0] == low_tokens[d] and ref_tokens[d] in runner_up[:2]


def test_reply_words_sets_the_length_of_free_replies_but_not_of_tasks(sim_factory):
    sim = sim_factory(installed=[LADDER[2]], reply_words=300)
    opts = {"temperature": 0, "seed": 1, "num_ctx": 4096}
    full = _post(sim, "/api/generate", {"model": LADDER[2], "prompt": "Tell me a story.",
                                        "options": opts})
    assert full["eval_count"] == 300 and full["done_reason"] == "stop"
    level = parse_quant("Q4_K_M")
    expected = [s.word for s in generate(LINEAGE, level, "\nTell me a story.", seed=1,
                                         length=300)]
    assert full["response"].split(" ") == expected
    cut = _post(sim, "/api/generate", {"model": LADDER[2], "prompt": "Tell me a story.",
                                       "options": {**opts, "num_predict": 40}})
    assert cut["eval_count"] == 40 and cut["done_reason"] == "length"
    task = make_tasks("arith", 1, 2)[0]
    answered = _post(sim, "/api/generate", {"model": LADDER[2], "prompt": task.prompt,
                                            "options": opts})
    assert answered["eval_count"] == 1 and task.grade(answered["response"]) == (
        not answers_wrong(LINEAGE, level, task.prompt, 1))
    with pytest.raises(ValueError):
        SimDaemon(reply_words=-1)


async def test_accuracy_ranking_follows_bits_in_a_comparison(sim_factory):
    sim = sim_factory(installed=LADDER, token_rate_scale=20_000.0)
    seed = 3
    spec = ComparisonSpec(tuple(LADDER), task_set="mixed", task_count=40,
                          options=CompareOptions(seed=seed, num_predict=32))
    async with OllamaClient(sim.host) as client:
        result = await run_comparison(client, spec)
    assert result.reference == LADDER[0]
    tasks = make_tasks("mixed", 40, seed)
    by_model = {r.model: r for r in result.runs}
    accuracies = [by_model[m].accuracy for m in LADDER]
    assert accuracies == sorted(accuracies, reverse=True)
    assert accuracies[0] == 1.0 and accuracies[-1] <= 0.8
    assert by_model[LADDER[-1]].accuracy_high < 1.0  # clearly below: fp16 is outside its CI
    for model in LADDER:
        level = parse_quant(model.rsplit("-", 1)[1])
        right = [not answers_wrong(LINEAGE, level, t.prompt, seed) for t in tasks]
        assert [o.correct for o in by_model[model].tasks] == right
    agreements = [by_model[m].agreement for m in LADDER]
    assert agreements == sorted(agreements, reverse=True) and agreements[0] == 1.0
