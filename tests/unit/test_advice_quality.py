"""Quality before download: the published figures per quant type, their order, and Compare's
own figures replacing them once this model was compared here."""

from __future__ import annotations

import json

import pytest

from quantdesk.core.advice import is_good, quality_rank, read_measured, reference_quality
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.quant import parse_quant
from quantdesk.core.store import HistoryStore

# llama.cpp tools/perplexity README, "LLaMA 3 8b Scoreboard" (no imatrix): mean KLD in nats,
# typed from the published table.
LLAMA3_KLD = {
    "F16": 0.000551, "Q8_0": 0.001355, "Q6_K": 0.005452, "Q5_K_M": 0.010762,
    "Q5_K_S": 0.016595, "Q5_1": 0.018045, "Q5_0": 0.022239, "Q4_K_M": 0.031273,
    "Q4_K_S": 0.043136, "Q4_1": 0.071683, "Q4_0": 0.07194, "Q3_K_L": 0.087176,
    "Q3_K_M": 0.101913, "Q3_K_S": 0.228217, "Q2_K": 0.445132,
}
LLAMA3_SAME_TOP = {"Q2_K": 71.138, "Q4_K_M": 91.901, "Q6_K": 96.031, "Q8_0": 97.674}


@pytest.mark.parametrize(("quant", "kld"), sorted(LLAMA3_KLD.items()))
def test_llama3_scoreboard_figures(quant, kld):
    q = reference_quality(parse_quant(quant), "llama3.1")
    assert q is not None and q.mean_kld == kld
    assert q.measured_on == "Llama 3 8B" and q.kind == "reference"
    assert "llama.cpp" in q.source
    assert q.same_top_p_percent == LLAMA3_SAME_TOP.get(quant)


def test_closer_families_where_the_file_has_them():
    # Llama 2 7B's own figures for the four types measured on it, Llama 3 8B's for the rest
    q4 = reference_quality(parse_quant("Q4_K_M"), "llama2")
    assert (q4.mean_kld, q4.same_top_p_percent, q4.measured_on) == (0.012686, 94.665,
                                                                    "Llama 2 7B")
    assert reference_quality(parse_quant("Q5_K_M"), "llama2").measured_on == "Llama 3 8B"
    mistral = reference_quality(parse_quant("Q3_K_M"), "mistral")
    assert (mistral.mean_kld, mistral.measured_on) == (0.04, "Mistral 7B")
    assert "kalomaze" in mistral.source
    assert reference_quality(parse_quant("IQ2_XS"), "llama3.1") is None  # never measured


def test_quality_order_follows_kld_not_bits():
    def rank(name):
        return quality_rank(parse_quant(name))

    # Q5_K_M is smaller than Q5_1 and closer to the original weights (0.0108 vs 0.0180)
    assert rank("Q5_K_M") > rank("Q5_1") and rank("Q4_K_M") > rank("Q4_1")
    assert rank("F32") >= rank("BF16") > rank("F16") > rank("Q8_0") > rank("Q6_K")
    assert rank("Q4_K_M") > rank("IQ4_XS") > rank("Q3_K_M") > rank("Q2_K") > rank("IQ2_XS")
    good = [name for name in LLAMA3_KLD if is_good(parse_quant(name))]
    assert set(good) == {"F16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M"}


def _history(path, runs, *, machine_key="m1"):
    spec = ComparisonSpec(models=[r.model for r in runs], prompt="p")
    result = ComparisonResult(id="cmp-1", created_at="2026-11-30T10:00:00+00:00", spec=spec,
                              reference=runs[0].model,
                              fingerprint={"machine_key": machine_key}, runs=runs)
    with HistoryStore(path) as store:
        store.comparisons.begin(result)


def test_compare_history_replaces_reference_figures(tmp_path):
    path = tmp_path / "history.sqlite"
    runs = [RunResult(model="llama3.1:8b-instruct-fp16", position=0, state="done", eval_tps=20.0),
            RunResult(model="llama3.1:8b-instruct-q4_K_M", position=1, state="done",
                      agreement=0.87, approx_kl=0.042, agreement_basis="logprobs",
                      eval_tps=55.5),
            RunResult(model="llama3.1:8b-instruct-q2_K", position=2, state="done",
                      agreement=0.5, approx_kl=None, agreement_basis="text"),
            RunResult(model="qwen2.5:7b-instruct-q4_K_M", position=3, state="done",
                      agreement=0.9)]
    _history(path, runs)
    m = read_measured("llama3.1", path)
    q = m.quality("llama3.1:8b-instruct-q4_K_M")
    assert q.kind == "measured" and q.mean_kld == 0.042 and q.same_top_p_percent == 87.0
    assert "this model" in q.measured_on and "llama3.1:8b-instruct-fp16" in q.measured_on
    # a text-only comparison has no KL, only its agreement
    text = m.quality("llama3.1:8b-instruct-q2_K")
    assert text.mean_kld is None and text.same_top_p_percent == 50.0
    assert m.quality("llama3.1:8b-instruct-fp16") is None  # the reference itself
    assert m.quality("qwen2.5:7b-instruct-q4_K_M") is None  # another model
    # speed counts on the machine it was measured on only
    assert m.speed("llama3.1:8b-instruct-q4_K_M", "m1").tokens_per_s == 55.5
    assert m.speed("llama3.1:8b-instruct-q4_K_M", "other") is None


def test_no_history_file_means_no_measured_figures(tmp_path):
    assert read_measured("llama3.1", tmp_path / "absent.sqlite").runs == {}
    assert not (tmp_path / "absent.sqlite").exists()


def test_quality_json_shape():
    data = reference_quality(parse_quant("Q8_0"), "llama3.1").to_json()
    assert set(data) == {"mean_kld", "same_top_p_percent", "delta_ppl", "measured_on", "source",
                         "kind"}
    assert data["delta_ppl"] == 0.00265
    json.dumps(data)
