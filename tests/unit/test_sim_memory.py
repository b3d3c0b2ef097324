"""The simulator's memory model per Ollama era, its scheduler, fast-forward and resumed pulls.

Figures are checked against fit-model.md's worked example (§10, llama3.1:8b Q4_K_M), which
was derived from real logs, not against our own predictor.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from quantdesk.sim.catalog import catalog
from quantdesk.sim.memory import (
    FIT_TARGET,
    GIB,
    MIB,
    MINIMUM,
    SimMachine,
    footprint,
    kv_cache_bytes,
    server_compute_bytes,
)

Q4 = "llama3.1:8b-instruct-q4_K_M"
FP16 = "llama3.1:8b-instruct-fp16"
SERVER, MEASURED, STATIC = (0, 32, 15), (0, 20, 0), (0, 12, 10)
BIG = SimMachine(vram_bytes=24 * GIB)
GAMING = SimMachine(vram_bytes=12 * GIB)


def fp(name: str, ctx: int, machine: SimMachine, version: tuple[int, int, int]):
    variant = catalog().resolve(name)
    assert variant is not None
    return footprint(variant, ctx, machine, version)


def test_kv_cache_is_two_by_layers_by_ctx_by_kv_heads_by_head_dim_by_two_bytes():
    v = catalog().resolve(Q4)
    assert kv_cache_bytes(v, 4096) == 2 * 32 * 4096 * 8 * 128 * 2 == 512 * MIB
    assert kv_cache_bytes(v, 32768) == 4 * GIB


@pytest.mark.parametrize(
    ("version", "ctx", "low", "high"),
    [
        # fit-model.md §10: ps SIZE 6.1 GB (≤0.12.10) and 5.5 GB (0.12.11–0.29) at 4096;
        # "11 GB" at 32768 in both (HumanBytes prints whole GB from 10 up).
        (STATIC, 4096, 6.05e9, 6.15e9),
        (MEASURED, 4096, 5.45e9, 5.55e9),
        (STATIC, 32768, 11e9, 12e9),
        (MEASURED, 32768, 11e9, 12e9),
    ],
)
def test_ps_size_matches_the_worked_example(version, ctx, low, high):
    f = fp(Q4, ctx, BIG, version)
    assert f.size == f.size_vram and low <= f.size < high


def test_llama_server_size_is_weights_plus_kv_plus_a_small_compute_buffer():
    v = catalog().resolve(Q4)
    small, large = fp(Q4, 4096, GAMING, SERVER), fp(Q4, 32768, GAMING, SERVER)
    for f, ctx in ((small, 4096), (large, 32768)):
        assert f.size == f.size_vram  # all on the card: only GPU buffers are reported
        compute = f.size - f.weights - kv_cache_bytes(v, ctx)
        assert compute == server_compute_bytes(v, ctx) < 400 * MIB  # flash attention
    # Input embeddings stay on the CPU: the file is larger than the weights counted.
    assert small.weights < v.model_bytes - 250e6
    # 32k costs the extra KV cache (+ a larger mask), nothing like the static graph.
    assert large.size - small.size == pytest.approx(3.5 * GIB, rel=0.02)
    assert large.size < 9.5e9 < fp(Q4, 32768, GAMING, MEASURED).size


def test_static_estimate_counts_the_minimum_and_one_spare_layer():
    static, measured = fp(Q4, 4096, BIG, STATIC), fp(Q4, 4096, BIG, MEASURED)
    spare = static.size - measured.size - MINIMUM
    assert 100 * MIB < spare < 200 * MIB  # blk.0 (132.5 MiB) + its KV (16 MiB)


def test_llama_server_keeps_a_gib_free_and_spills_the_rest():
    f = fp(FP16, 4096, GAMING, SERVER)
    assert 0 < f.gpu_layers < f.total_layers
    assert GAMING.vram_bytes - FIT_TARGET - 200 * MIB < f.size_vram <= (
        GAMING.vram_bytes - FIT_TARGET)
    assert f.size > catalog().resolve(FP16).model_bytes  # weights, KV and buffers
    q8 = "llama3.1:8b-instruct-q8_0"
    assert fp(q8, 4096, GAMING, SERVER).gpu_layers == 33  # q8_0 fits at 4k …
    assert fp(q8, 32768, GAMING, SERVER).gpu_layers < 33  # … but not at 32k


def test_no_gpu_puts_everything_in_ram():
    f = fp(Q4, 4096, SimMachine(vram_bytes=0), SERVER)
    assert f.size_vram == 0 and f.gpu_layers == 0
    assert f.size > catalog().resolve(Q4).model_bytes


def _ps(sim) -> dict[str, dict]:
    return {m["name"]: m for m in httpx.get(sim.url + "/api/ps").json()["models"]}


def _load(sim, model: str, **options) -> None:
    r = httpx.post(sim.url + "/api/generate", json={"model": model, "options": options},
                   timeout=10)
    assert r.status_code == 200, r.text


def test_scheduler_evicts_rather_than_oversubscribe_the_card(sim_factory):
    sim = sim_factory(installed=[Q4, FP16, "llama3.1:8b-instruct-q2_K"],
                      vram_bytes=12 * GIB, ram_bytes=32 * GIB)
    _load(sim, Q4)
    _load(sim, "llama3.1:8b-instruct-q2_K")
    assert set(_ps(sim)) == {Q4, "llama3.1:8b-instruct-q2_K"}  # 9 GB: both fit
    _load(sim, FP16)  # needs the whole card
    loaded = _ps(sim)
    assert list(loaded) == [FP16]
    assert loaded[FP16]["context_length"] == 4096  # the 12 GiB tier
    assert sum(m["size_vram"] for m in loaded.values()) <= 12 * GIB


def test_fast_forward_reports_the_simulated_speed(sim_factory):
    sim = sim_factory(installed=[Q4], token_rate_scale=1.0, time_scale=20.0)
    started = time.perf_counter()
    body = httpx.post(sim.url + "/api/generate", timeout=10, json={
        "model": Q4, "prompt": "hello there", "stream": False,
        "options": {"num_predict": 40, "num_ctx": 4096}}).json()
    wall = time.perf_counter() - started
    tps = body["eval_count"] / (body["eval_duration"] / 1e9)
    # 4.9 GB read per token at 500 GB/s: ~100 tok/s on the simulated card …
    assert 60 < tps < 110
    assert body["load_duration"] / 1e9 > 2.0  # 4.9 GB at 2 GB/s
    # … while the real clock ran 20 times faster.
    assert wall < (body["total_duration"] / 1e9) / 4
    with pytest.raises(ValueError):
        sim_factory(time_scale=0)


def test_partial_download_is_resumed_by_the_next_pull(sim_factory):
    sim = sim_factory(pull_bandwidth=1e3, progress_interval=0.01)
    sim.partial_download("llama3.2:1b", 0.4)
    manifest = sim.catalog.manifest_for("llama3.2:1b")
    weights = max(manifest.layers, key=lambda b: b.size)
    assert sim.blob_progress("llama3.2:1b")[weights.digest] == (int(weights.size * 0.4),
                                                                weights.size)
    with httpx.stream("POST", sim.url + "/api/pull", json={"model": "llama3.2:1b"},
                      timeout=10) as r:
        for line in r.iter_lines():
            d = json.loads(line)
            if d.get("digest") == weights.digest:
                assert d["completed"] >= int(weights.size * 0.4)  # resumes, not from zero
                break
    with pytest.raises(ValueError):
        sim.partial_download("llama3.2:1b", 1.0)
