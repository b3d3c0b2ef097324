"""Eviction prediction against hand-computed scheduler cases (server/sched.go at v0.33.0-rc2),
and the restore plan put back on the simulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quantdesk.core.architecture import Architecture
from quantdesk.core.eviction import (
    IncomingModel,
    RestoreItem,
    predict_evictions,
    server_vram_prediction,
)
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.ollama import OllamaClient, RunningModel
from quantdesk.core.restore import restore_models

GiB = 2**30
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LLAMA_8B = Architecture(
    arch="llama", block_count=32, embedding_length=4096, head_count=(32,) * 32,
    head_count_kv=(8,) * 32, key_length=128, value_length=128, vocab_size=128256,
    context_length=131072, feed_forward_length=(14336,) * 32)
# 8.5 GB file (the q8_0 tag as the tags page prints it) + 2·32·8·128·4096·2 = 512 MiB of KV.
Q8_NEED = 8_500_000_000 + 536_870_912


def machine(total: int, free: int | None = None, gpus: int = 1) -> Machine:
    cards = tuple(Gpu("nvidia", i, "card", total, total if free is None else free)
                  for i in range(gpus))
    return Machine(cards, Ram(32 * GiB, 30 * GiB), Cpu("cpu", 8))


def ps(name: str, vram: int, *, left_s: float = 300, ctx: int = 4096) -> RunningModel:
    return RunningModel.from_json({
        "name": name, "model": name, "size": vram, "size_vram": vram, "digest": "",
        "details": {}, "expires_at": (NOW + timedelta(seconds=left_s)).isoformat(),
        "context_length": ctx})


def q8(num_ctx: int = 4096) -> IncomingModel:
    return IncomingModel("llama3.1:8b-instruct-q8_0", Q8_NEED, num_ctx)


def test_server_prediction_is_file_plus_f16_kv():
    assert server_vram_prediction(8_500_000_000, LLAMA_8B, 4096) == Q8_NEED
    # Two parallel slots double the KV; a context past the trained one is clamped to it.
    assert server_vram_prediction(0, LLAMA_8B, 4096, num_parallel=2) == 2 * 536_870_912
    assert server_vram_prediction(0, LLAMA_8B, 10**6) == 2 * 32 * 8 * 128 * 131072 * 2


def test_q8_on_a_12_gib_card_unloads_both_loaded_models_shortest_keep_alive_first():
    # 12 GiB = 12,884,901,888 B. Loaded: 4.7 GB (4 min left) + 4.1 GB (2 min left).
    loaded = [ps("qwen2.5:7b", 4_700_000_000, left_s=240),
              ps("llama3.2:3b", 4_100_000_000, left_s=120)]
    plan = predict_evictions(loaded, machine(12 * GiB), q8(), now=NOW)
    # Free 12,884,901,888 − 8,800,000,000 = 4,084,901,888; 80 % = 3,267,921,510 < 9,036,870,912.
    # Without llama3.2: free 8,184,901,888; 80 % = 6,547,921,510, still short: qwen goes too.
    assert plan.unloads == ("llama3.2:3b", "qwen2.5:7b")
    assert [e.reason for e in plan.evictions] == ["memory", "memory"]
    assert plan.summary == ("Loading llama3.1:8b-instruct-q8_0 will unload llama3.2:3b and "
                            "qwen2.5:7b to make room in GPU memory.")


def test_q8_on_a_24_gib_card_unloads_nothing():
    loaded = [ps("qwen2.5:7b", 4_700_000_000), ps("llama3.2:3b", 4_100_000_000)]
    plan = predict_evictions(loaded, machine(24 * GiB), q8(), now=NOW)
    # Free 25,769,803,776 − 8.8e9 = 16,969,803,776; 80 % = 13,575,843,020 ≥ 9,036,870,912.
    assert plan.evictions == () and plan.summary == "" and plan.restore == ()


def test_one_eviction_is_enough_when_the_first_makes_room():
    # 16 GiB = 17,179,869,184. Loaded 6 GB + 2 GB: free 9,179,869,184, 80 % = 7,343,895,347.
    # Unloading the 2 GB one (shortest keep-alive) gives 11,179,869,184, 80 % 8,943,895,347:
    # still short of 9,036,870,912, so the 6 GB one goes as well.
    loaded = [ps("a:7b", 6_000_000_000, left_s=600), ps("b:1b", 2_000_000_000, left_s=60)]
    assert predict_evictions(loaded, machine(16 * GiB), q8(), now=NOW).unloads == ("b:1b", "a:7b")
    # 17 GiB = 18,253,611,008: after b goes, free 12,253,611,008, 80 % = 9,802,888,806 ≥ need.
    assert predict_evictions(loaded, machine(17 * GiB), q8(), now=NOW).unloads == ("b:1b",)


def test_before_0_30_the_whole_model_must_fit_not_80_percent():
    loaded = [ps("a:7b", 3_000_000_000)]
    need = 9_500_000_000  # the fit's full-offload requirement
    # 12 GiB − 3 GB = 9,884,901,888 free: enough at 100 %, not at 80 % (7,907,921,510).
    old = IncomingModel("big:8b", need, 4096, share=1.0)
    new = IncomingModel("big:8b", need, 4096)
    assert predict_evictions(loaded, machine(12 * GiB), old, now=NOW).unloads == ()
    assert predict_evictions(loaded, machine(12 * GiB), new, now=NOW).unloads == ("a:7b",)


def test_the_card_reporting_less_free_than_its_total_counts():
    # Another program holds 3 GB: the card reports 12 GiB − 1 GB (loaded) − 3 GB free.
    loaded = [ps("a:1b", 1_000_000_000)]
    card = machine(12 * GiB, free=12 * GiB - 4_000_000_000)
    # min(8,884,901,888, 11,884,901,888) × 0.8 = 7,107,921,510 < need → a goes; then
    # min(8,884,901,888 + 1e9, 12 GiB) × 0.8 = 7,907,921,510, but no model is left to unload.
    plan = predict_evictions(loaded, card, q8(), now=NOW)
    assert plan.unloads == ("a:1b",)


def test_the_model_limit_unloads_one_even_when_memory_is_plenty():
    tiny = [ps(f"m{i}:1b", 500_000_000, left_s=100 * (i + 1)) for i in range(3)]
    # Unset OLLAMA_MAX_LOADED_MODELS: 3 per GPU → one must go; the shortest keep-alive (m0).
    plan = predict_evictions(tiny, machine(48 * GiB), q8(), now=NOW)
    assert plan.unloads == ("m0:1b",) and plan.max_models == 3
    assert plan.summary.endswith("because Ollama keeps at most 3 models loaded.")
    # Two GPUs: six may be loaded.
    assert predict_evictions(tiny, machine(48 * GiB, gpus=2), q8(), now=NOW).unloads == ()
    # OLLAMA_MAX_LOADED_MODELS=2: two go.
    plan = predict_evictions(tiny, machine(48 * GiB), q8(), now=NOW, max_loaded_models=2)
    assert plan.unloads == ("m0:1b", "m1:1b")


def test_without_a_gpu_only_the_limit_applies():
    cpu = Machine((), Ram(16 * GiB, 10 * GiB), Cpu("cpu", 8))
    two = [ps("a:7b", 0), ps("b:7b", 0)]
    assert predict_evictions(two, cpu, q8(), now=NOW).unloads == ()
    three = [*two, ps("c:7b", 0, left_s=10)]
    assert predict_evictions(three, cpu, q8(), now=NOW).unloads == ("c:7b",)


def test_idle_before_busy_and_forever_last():
    loaded = [ps("pinned:7b", 4_000_000_000, left_s=10**10),  # keep_alive -1: ~292 years
              ps("chatting:7b", 4_000_000_000, left_s=30),
              ps("idle:7b", 4_000_000_000, left_s=900)]
    plan = predict_evictions(loaded, machine(12 * GiB), q8(), now=NOW, busy={"chatting:7b"})
    # Three loaded hit the limit of 3, and 0.88 GB free is far too little: all three go.
    # findRunnerToUnload takes the first idle runner in keep-alive order (idle:7b, then
    # pinned:7b, forever sorting last) and a busy one only when none is idle.
    assert plan.unloads == ("idle:7b", "pinned:7b", "chatting:7b")
    assert [e.reason for e in plan.evictions] == ["limit", "memory", "memory"]


def test_known_keep_alive_beats_the_time_left():
    # b was used a moment ago (4:59 left) but was sent keep_alive 5m; a has 1 min left of a
    # 1 h keep-alive. The scheduler sorts by the keep-alive itself: b goes first.
    loaded = [ps("a:7b", 6_000_000_000, left_s=60), ps("b:7b", 6_000_000_000, left_s=299)]
    by_time = predict_evictions(loaded, machine(12 * GiB), q8(), now=NOW)
    assert by_time.unloads[0] == "a:7b"
    by_setting = predict_evictions(loaded, machine(12 * GiB), q8(), now=NOW,
                                   keep_alive_s={"a:7b": 3600, "b:7b": 300})
    assert by_setting.unloads[0] == "b:7b"


def test_already_loaded_at_the_same_context_unloads_nothing():
    loaded = [ps("llama3.1:8b-instruct-q8_0", 9_000_000_000, ctx=4096), ps("x:1b", 10**9)]
    plan = predict_evictions(loaded, machine(12 * GiB), q8(4096), now=NOW)
    assert plan.already_loaded and plan.evictions == ()
    auto = predict_evictions(loaded, machine(12 * GiB), q8(0), now=NOW)
    assert auto.already_loaded


def test_another_context_reloads_it_and_may_push_others_out():
    loaded = [ps("llama3.1:8b-instruct-q8_0", 9_000_000_000, ctx=2048, left_s=900),
              ps("x:1b", 2_000_000_000, left_s=60)]
    plan = predict_evictions(loaded, machine(12 * GiB), q8(4096), now=NOW)
    # Its own runner goes first; then 12 GiB − 2 GB leaves 8,707,921,510 at 80 %: x goes.
    assert [(e.name, e.reason) for e in plan.evictions] == [
        ("llama3.1:8b-instruct-q8_0", "reload"), ("x:1b", "memory")]
    assert [r.name for r in plan.restore] == ["x:1b"]
    assert plan.summary.startswith("llama3.1:8b-instruct-q8_0 is loaded at another context")


def test_a_model_already_stopping_is_not_an_eviction():
    loaded = [ps("gone:7b", 8_000_000_000, left_s=-1), ps("a:1b", 1_000_000_000)]
    plan = predict_evictions(loaded, machine(12 * GiB), q8(), now=NOW)
    assert "gone:7b" not in plan.unloads


def test_restore_plan_keeps_keep_alive_and_context():
    loaded = [ps("pinned:7b", 6 * 10**9, left_s=10**10, ctx=8192),
              ps("a:3b", 5 * 10**9, left_s=179.6, ctx=2048)]
    plan = predict_evictions(loaded, machine(12 * GiB), q8(), now=NOW)
    assert plan.restore == (RestoreItem("a:3b", 180.0, 2048), RestoreItem("pinned:7b", -1, 8192))
    assert plan.restore[0].options == {"num_ctx": 2048}


async def test_restore_puts_the_models_back_on_the_daemon(sim_factory):
    sim = sim_factory(installed=["llama3.2:3b", "qwen2.5:7b", "mistral:7b"])
    async with OllamaClient(sim.host) as client:
        await client.load("llama3.2:3b", keep_alive=-1, options={"num_ctx": 2048})
        await client.load("qwen2.5:7b", keep_alive="10m", options={"num_ctx": 4096})
        before = {m.name: m for m in await client.ps()}
        now = datetime.now(UTC)
        machine_12 = machine(12 * GiB)
        plan = predict_evictions(list(before.values()), machine_12, IncomingModel(
            "mistral:7b", 11 * 10**9), now=now)
        assert set(plan.unloads) == {"llama3.2:3b", "qwen2.5:7b"}
        for name in plan.unloads:  # what the scheduler would do
            await client.unload(name)
        assert await client.ps() == []
        seen: list[tuple[int, int, str]] = []
        results = await restore_models(client, plan.restore,
                                       on_progress=lambda *a: seen.append(a))
        after = {m.name: m for m in await client.ps()}
    assert all(r.ok for r in results)
    assert [s[2] for s in seen] == [r.name for r in results]
    assert {n: m.context_length for n, m in after.items()} == {"llama3.2:3b": 2048,
                                                               "qwen2.5:7b": 4096}
    assert after["llama3.2:3b"].is_forever(datetime.now(UTC))
    left = after["qwen2.5:7b"].expires_in(datetime.now(UTC))
    assert left is not None and timedelta(minutes=9) < left <= timedelta(minutes=10)


async def test_restore_reports_a_model_that_will_not_load(sim):
    async with OllamaClient(sim.host) as client:
        results = await restore_models(client, [RestoreItem("absent:1b", None, 0)])
    assert not results[0].ok and "absent:1b" in results[0].error


def test_from_fit_sizes_the_model_as_its_ollama_version_does():
    from quantdesk.core.fit import FitOptions, estimate_fit

    card = machine(12 * GiB)
    new = estimate_fit(LLAMA_8B, card, FitOptions(num_ctx=4096, ollama_version="0.32.15"),
                       weight_bytes=8_500_000_000, quant="q8_0", model="m:q8")
    incoming = IncomingModel.from_fit(new, file_bytes=8_500_000_000, arch=LLAMA_8B)
    assert (incoming.name, incoming.need_bytes, incoming.share) == ("m:q8", Q8_NEED, 0.8)
    old = estimate_fit(LLAMA_8B, card, FitOptions(num_ctx=4096, ollama_version="0.12.5"),
                       weight_bytes=8_500_000_000, quant="q8_0", model="m:q8")
    incoming = IncomingModel.from_fit(old, file_bytes=8_500_000_000, arch=LLAMA_8B)
    assert incoming.need_bytes == old.estimate.total_bytes and incoming.share == 1.0
