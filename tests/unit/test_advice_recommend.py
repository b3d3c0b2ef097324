"""The recommendation: a pick per size, the headline pick, and what to change, checked by hand.

Ladders are the simulator's catalog: real library tags with the sizes registry-sizes.json
gives (llama3.1 8b q4_K_M 4.9 GB, qwen2.5 7b q8_0 7.7 GB, fp16 15 GB) and the models'
published shapes. Figures quoted in comments are fit-model.md's (KV cache per token, the
llama-server fit target, the CUDA minimum) worked out by hand.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from advice_support import GiB, catalog_ladder, view, what_if

from quantdesk.core.advice import Evaluator, PlanSettings, is_good, make_plan
from quantdesk.core.machine import Cpu, Machine, Ram

MiB = 1 << 20


def plan(model: str, vram_gib: float, ctx: int, **settings: object):
    return make_plan(catalog_ladder(model), view(what_if(vram_gib)),
                     PlanSettings(num_ctx=ctx, **settings))  # type: ignore[arg-type]


def test_qwen25_on_a_12_gib_card_at_4k_picks_the_7b_q8_0():
    # fp16 7b is 15 GB: more than the card's 12 GiB (12.9 GB) before any cache, never fully
    # on the GPU. q8_0 7b is 7.7 GB; its f16 KV cache at 4096 tokens is 28 layers x 4 KV heads
    # x (128 + 128) x 2 bytes x 4096 = 235 MB; 7.7 + 0.24 + 0.27 (graph) = 8.2 GB is well
    # under 12.9 GB - 1.07 GB (llama-server's fit target) - 0.48 GB (CUDA minimum) = 11.3 GB.
    p = plan("qwen2.5", 12, 4096)
    rec = p.recommendation
    assert rec.pick is not None and rec.pick.name == "qwen2.5:7b-instruct-q8_0"
    assert rec.verdict == "gpu"
    sizes = {s.size: s.pick.variant.tag if s.pick else None for s in rec.per_size}
    assert sizes == {"7b": "7b-instruct-q8_0", "0.5b": "0.5b-instruct-fp16"}
    assert [s.size for s in rec.per_size] == ["7b", "0.5b"]  # largest model first
    # the only better 7b build, fp16, needs more memory: the change names how much
    vram = [a for a in rec.alternatives if a.change == "vram"]
    assert vram and vram[0].pick == "qwen2.5:7b-instruct-fp16"
    assert vram[0].to > 12 * GiB


def test_llama31_on_8_gib_at_32k_keeps_q4_k_m_and_says_what_to_change():
    p = plan("llama3.1", 8, 32768)
    rec = p.recommendation
    assert rec.pick is not None and is_good(rec.pick.variant.quant)
    assert rec.pick.name == "llama3.1:8b-instruct-q4_K_M"
    # At 32k the f16 KV cache alone is 32 layers x 8 x 256 x 2 bytes x 32768 = 4 GiB; with
    # 4.6 GB of weights on the GPU that is more than the 8 GiB card: a partial load, said so.
    assert rec.verdict == "partial"
    assert "25 of 33 layers on the GPU" in rec.why and "slower" in rec.why
    # 25 layers read at the assumed 360 GB/s, 8 at DDR4-3200's 51.2 GB/s:
    # 25/33 + 8/33 x 360/51.2 = 2.46 times the time of all 33 on the GPU.
    assert rec.slowdown == pytest.approx(25 / 33 + 8 / 33 * 360 / 51.2, abs=0.02)
    by_change = {a.change: a for a in rec.alternatives}
    # Context: room for the cache = 8 GiB - 1 GiB (fit target) - 457 MiB (minimum)
    # - 4.605 GB weights on the GPU (the 4.9 GB file less its 295.5 MB token embeddings, which
    # stay on the CPU) - 271 MB graph = 2.148 GB = 16,391 tokens of 128 KiB: 16k in steps of 256.
    assert by_change["context"].to == 16384
    assert by_change["context"].pick == rec.pick.name and by_change["context"].verdict == "gpu"
    assert "16k context" in by_change["context"].text
    # q8_0 halves the cache to 2 GiB at 32k, which fits; Ollama needs flash attention on for it
    kv = by_change["kv_cache"]
    assert kv.to == "q8_0" and kv.requires == {"flash_attention": "on"} and kv.verdict == "gpu"
    # and a card a little larger holds it at 32k with the f16 cache
    assert 8 * GiB < by_change["vram"].to < 12 * GiB
    assert all(a.pick == rec.pick.name for a in rec.alternatives)
    # per size: nothing of 8b is fully on the GPU at 32k, so no per-size pick
    assert [(s.size, s.pick) for s in rec.per_size] == [("8b", None)]


def test_the_alternatives_really_fit_when_applied():
    p = plan("llama3.1", 8, 32768)
    by_change = {a.change: a for a in p.recommendation.alternatives}
    smaller = plan("llama3.1", 8, int(by_change["context"].to))
    assert smaller.row("llama3.1:8b-instruct-q4_K_M").fit.verdict == "gpu"
    quantised = plan("llama3.1", 8, 32768, kv_cache_type="q8_0", flash_attention="on")
    q4 = quantised.row("llama3.1:8b-instruct-q4_K_M")
    assert q4.fit.verdict == "gpu" and q4.fit.kv_cache_type == "q8_0"
    # once it fits at those settings, it is the headline pick (or a better build is)
    assert is_good(quantised.recommendation.pick.variant.quant)
    assert quantised.recommendation.verdict == "gpu"


def test_a_sub_4_bit_pick_only_when_no_setting_helps():
    # 5 GiB = 5.37 GB, less 1.07 GB fit target and 0.48 GB minimum: 3.82 GB for weights,
    # cache and graph. q4_K_M needs 4.6 + 0.27 + 0.27 = 5.1 GB at 2k, more than that at any
    # context or cache type; q2_K (3.2 GB file) fits at 2k, so it is the pick, said to be
    # below q4_K_M, with the memory q4_K_M would need.
    p = plan("llama3.1", 5, 2048)
    rec = p.recommendation
    assert rec.pick is not None and not is_good(rec.pick.variant.quant)
    assert rec.verdict == "gpu" and "below q4_K_M" in rec.why
    vram = [a for a in rec.alternatives if a.change == "vram"]
    assert vram and vram[0].pick == "llama3.1:8b-instruct-q4_K_M"


def test_installed_then_chat_tuned_builds_win_within_one_level():
    ladder = catalog_ladder("llama3.1", kinds=("instruct", "text"))
    p = make_plan(ladder, view(what_if(24)), PlanSettings(num_ctx=4096))
    assert p.recommendation.pick.name == "llama3.1:8b-instruct-fp16"  # chat over text
    text = next(v for v in ladder.variants if v.tag == "8b-text-fp16")
    ladder.variants = [replace(v, installed=True) if v is text else v for v in ladder.variants]
    again = make_plan(ladder, view(what_if(24)), PlanSettings(num_ctx=4096))
    assert again.recommendation.pick.name == "llama3.1:8b-text-fp16"  # the one on disk


def test_no_gpu_picks_a_q4_k_m_class_build_that_runs_on_the_cpu():
    cpu = Machine(gpus=(), ram=Ram(32 * GiB, 30 * GiB), cpu=Cpu("test", 8))
    p = make_plan(catalog_ladder("qwen2.5"), view(cpu), PlanSettings(num_ctx=4096))
    rec = p.recommendation
    assert rec.pick is not None and rec.verdict == "cpu" and is_good(rec.pick.variant.quant)
    assert "no usable GPU" in rec.why


def test_json_shape_of_the_plan():
    data = plan("llama3.1", 8, 32768).to_json()
    assert set(data) >= {"model", "machine", "recommendation", "variants"}
    rec = data["recommendation"]
    assert set(rec) >= {"pick", "why", "per_size", "alternatives"}
    assert {a["change"] for a in rec["alternatives"]} <= {"context", "kv_cache",
                                                          "flash_attention", "vram"}
    assert all(set(a) >= {"change", "to", "pick", "verdict"} for a in rec["alternatives"])
    assert sum(r["best"] for r in data["variants"]) == 1


def test_the_evaluator_caches_one_architecture_per_shape():
    ev = Evaluator()
    ladder = catalog_ladder("llama3.1")
    make_plan(ladder, view(what_if(8)), PlanSettings(num_ctx=4096), evaluator=ev)
    assert len(ev._arch) == 1  # 15 variants of one size: one shape
