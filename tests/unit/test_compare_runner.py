"""Comparisons against the simulated daemon over real loopback sockets."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from quantdesk.core.compare import (
    ComparisonSpec,
    TogetherRefused,
    VariantsNotInstalled,
    can_run_together,
    diff_comparisons,
    rerun,
    run_comparison,
)
from quantdesk.core.compare.agreement import Transcript, score
from quantdesk.core.compare.planning import VariantShape
from quantdesk.core.hardware import machine_override
from quantdesk.core.machine import Cpu, Machine, Ram
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.quant import parse_quant
from quantdesk.core.store import HistoryStore
from quantdesk.core.tasks import make_tasks

GiB = 1 << 30
LADDER = ["llama3.2:1b-instruct-q2_K", "llama3.2:1b-instruct-q4_K_M",
          "llama3.2:1b-instruct-q6_K", "llama3.2:1b-instruct-fp16"]
BASE = Machine(gpus=(), ram=Ram(64 * GiB, 60 * GiB), cpu=Cpu("test cpu", 8))


def machine(vram_gib: float) -> Machine:
    return machine_override(BASE, gpu_mem=[int(vram_gib * GiB)])


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the network and keeps every raw response body."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.log: list[tuple[str, dict, bytearray]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        resp = await self.inner.handle_async_request(request)
        body = json.loads(request.content) if request.content else {}
        raw = bytearray()
        self.log.append((request.url.path, body, raw))
        inner = resp.stream

        class Tee(httpx.AsyncByteStream):
            async def __aiter__(self):
                async for chunk in inner:
                    raw.extend(chunk)
                    yield chunk

            async def aclose(self) -> None:
                await inner.aclose()

        return httpx.Response(resp.status_code, headers=resp.headers, stream=Tee(),
                              extensions=resp.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def store(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite3") as s:
        yield s


async def test_quality_follows_bits_and_metrics_match_the_daemon(sim_factory, store):
    sim = sim_factory(installed=LADDER)
    rec = Recorder()
    async with httpx.AsyncClient(transport=rec) as http:
        client = OllamaClient(sim.host, http=http)
        result = await run_comparison(client, ComparisonSpec(tuple(LADDER), prompt="Why quantize?"),
                                      store=store, machine=machine(24))
    assert result.complete and result.reference == "llama3.2:1b-instruct-fp16"
    runs = {r.model: r for r in result.runs}
    by_bits = sorted(LADDER, key=lambda m: parse_quant(m.rsplit("-", 1)[1]).file_bpw)
    agreement = [runs[m].agreement for m in by_bits]
    kl = [runs[m].approx_kl for m in by_bits]
    assert agreement == sorted(agreement) and agreement[0] < agreement[-1] == 1.0
    assert kl == sorted(kl, reverse=True) and kl[-1] == 0.0 and kl[0] > 0
    divergence = [runs[m].first_divergence for m in by_bits[:-1]]
    assert None not in divergence[:2] and divergence[0] < divergence[1]
    assert {r.agreement_basis for r in result.runs} == {"logprobs"}

    # Independently from the raw /api/generate lines the daemon sent:
    gens = [(body, raw) for path, body, raw in rec.log
            if path == "/api/generate" and body.get("prompt")]
    assert [b["model"] for b, _ in gens] == [LADDER[3], *LADDER[:3]]  # reference first
    raw_steps = {}
    for body, raw in gens:
        lines = [json.loads(x) for x in raw.decode().splitlines() if x.strip()]
        final = lines[-1]
        run = runs[body["model"]]
        assert body["options"] == {"seed": 0, "num_ctx": 4096, "num_predict": 128,
                                   "temperature": 0.0}
        assert run.load_s == final["load_duration"] / 1e9
        assert run.ttft_s == final["prompt_eval_duration"] / 1e9  # the load is apart
        assert run.eval_tps == pytest.approx(final["eval_count"] / final["eval_duration"] * 1e9)
        assert run.prompt_tps == pytest.approx(
            final["prompt_eval_count"] / final["prompt_eval_duration"] * 1e9)
        assert run.eval_tokens == final["eval_count"] == len(lines) - 1
        assert run.response == "".join(x["response"] for x in lines)
        raw_steps[body["model"]] = [lp for x in lines for lp in x.get("logprobs", [])]
    ref = [s["token"] for s in raw_steps[LADDER[3]]]
    for m in LADDER[:3]:
        toks = [s["token"] for s in raw_steps[m]]
        d = next((i for i, (a, b) in enumerate(zip(ref, toks, strict=False)) if a != b), None)
        assert runs[m].first_divergence == d
        longest = max(len(ref), len(toks))
        assert runs[m].agreement == pytest.approx((longest if d is None else d) / longest)
    stored = store.comparisons.get(result.id)
    assert stored == result
    loads = store.loads.loads()
    assert len(loads) == 4 and all(x.predicted_size and x.observed_size for x in loads)
    assert {x.observed_size for x in loads} == {r.size for r in result.runs}


async def test_task_set_accuracy_is_graded_per_task(sim_factory):
    sim = sim_factory(installed=LADDER[:2])
    async with OllamaClient(sim.host) as client:
        spec = ComparisonSpec(tuple(LADDER[:2]), task_set="mixed", task_count=4)
        result = await run_comparison(client, spec)
    tasks = make_tasks("mixed", 4, 0)
    for run in result.runs:
        assert [o.task_id for o in run.tasks] == [t.id for t in tasks]
        grades = [t.grade(o.response) for t, o in zip(tasks, run.tasks, strict=True)]
        assert [o.correct for o in run.tasks] == grades
        assert run.graded == 4 and run.correct == sum(grades)
        assert run.accuracy == sum(grades) / 4
        assert run.accuracy_low <= run.accuracy <= run.accuracy_high


async def test_old_daemon_without_logprobs_compares_text(sim_factory):
    sim = sim_factory(installed=LADDER[::3], version="0.12.10")
    async with OllamaClient(sim.host) as client:
        result = await run_comparison(client, ComparisonSpec(tuple(LADDER[::3]), prompt="hi"))
    low, ref = result.runs
    assert low.agreement_basis == "text" and low.approx_kl is None
    expected = score([Transcript(ref.response)], [Transcript(low.response)])
    assert (low.first_divergence, low.similarity) == (expected.first_divergence,
                                                      expected.similarity)
    assert 0 < low.similarity < 1


async def test_together_runs_when_the_fit_says_so_and_is_refused_otherwise(sim_factory, store):
    sim = sim_factory(installed=LADDER[:2])
    spec = ComparisonSpec(tuple(LADDER[:2]), prompt="hi", together=True)
    async with OllamaClient(sim.host) as client:
        with pytest.raises(TogetherRefused, match="without --together"):
            await run_comparison(client, spec, store=store, machine=machine(1.2))
        assert store.comparisons.summaries() == []  # refused before anything ran
        seen_loaded = []
        result = await run_comparison(client, spec, store=store, machine=machine(24),
                                      on_event=lambda e: e.kind == "running" and
                                      seen_loaded.append(len(sim.loaded_names())))
    assert result.complete and seen_loaded == [2, 2]  # both loaded while generating
    assert all(r.load_s and r.load_s > 0 and r.size for r in result.runs)


def test_can_run_together_packs_variants_one_after_another():
    info = {"general.architecture": "llama", "llama.block_count": 16,
            "llama.embedding_length": 2048, "llama.attention.head_count": 32,
            "llama.attention.head_count_kv": 8, "llama.context_length": 131072,
            "llama.vocab_size": 128256, "llama.feed_forward_length": 8192,
            "general.parameter_count": 1_235_814_400}
    from quantdesk.core.architecture import Architecture

    shape = VariantShape("m:fp16", Architecture.from_model_info(info), (), "F16")
    one = can_run_together([shape], machine(8), 4096)
    assert one.ok
    # The smallest card (in 1/4 GiB steps) that holds one: too small for two, because the
    # second is fitted into what the first left.
    size = one.fits[0].ps_size / GiB
    while not can_run_together([shape], machine(size), 4096).ok:
        size += 0.25
    tight = machine(size)
    two = can_run_together([shape, shape], tight, 4096)
    assert not two.ok and "would not stay on the GPU" in two.reason
    assert not can_run_together([shape, shape], BASE, 4096).ok  # no GPU at all
    assert not can_run_together([shape, None], machine(80), 4096).ok


async def test_stop_mid_run_stores_the_comparison_incomplete(sim_factory, store):
    sim = sim_factory(installed=LADDER[:3])
    spec = ComparisonSpec(tuple(LADDER[:3]), prompt="hi")
    async with OllamaClient(sim.host) as client:
        task: asyncio.Task | None = None

        def stop_on_second_variant(event):
            if event.kind == "token" and event.model == LADDER[0]:
                task.cancel()

        task = asyncio.ensure_future(run_comparison(client, spec, store=store,
                                                    on_event=stop_on_second_variant))
        with pytest.raises(asyncio.CancelledError):
            await task
    (summary,) = store.comparisons.summaries()
    stored = store.comparisons.get(summary.id)
    assert not stored.complete
    states = {r.model: r.state for r in stored.runs}
    assert states == {LADDER[2]: "done", LADDER[0]: "cancelled", LADDER[1]: "cancelled"}


async def test_a_dropped_stream_fails_that_run_and_the_others_finish(sim_factory, store):
    sim = sim_factory(installed=LADDER[:3])
    sim.faults.drop("/api/generate", after_lines=3, model=LADDER[1])
    events = []
    async with OllamaClient(sim.host) as client:
        result = await run_comparison(client, ComparisonSpec(tuple(LADDER[:3]), prompt="hi"),
                                      store=store, on_event=events.append)
    states = {r.model: r.state for r in result.runs}
    assert states == {LADDER[0]: "done", LADDER[1]: "failed", LADDER[2]: "done"}
    failed = result.run(LADDER[1])
    assert "connection to the daemon dropped" in failed.error
    assert any(e.kind == "failed" and e.model == LADDER[1] and e.error for e in events)
    assert not result.complete and not store.comparisons.summaries()[0].complete
    assert store.comparisons.get(result.id).run(LADDER[1]).error == failed.error


async def test_a_daemon_that_goes_away_fails_the_rest_fast(sim_factory, store):
    sim = sim_factory(installed=LADDER[:3])
    async with OllamaClient(sim.host) as client:
        def kill_after_reference(event):
            if event.kind == "done" and event.model == LADDER[2]:
                sim.stop()

        result = await run_comparison(client, ComparisonSpec(tuple(LADDER[:3]), prompt="hi"),
                                      store=store, on_event=kill_after_reference)
    assert result.run(LADDER[2]).state == "done"
    errors = {result.run(m).error for m in LADDER[:2]}
    assert len(errors) == 1 and "Cannot reach the Ollama daemon" in errors.pop()
    assert not store.comparisons.get(result.id).complete


async def test_missing_variants_are_reported_or_pulled(sim_factory, store):
    sim = sim_factory(installed=[LADDER[3]])
    spec = ComparisonSpec((LADDER[0], LADDER[3]), prompt="hi")
    async with OllamaClient(sim.host) as client:
        with pytest.raises(VariantsNotInstalled, match="--pull") as info:
            await run_comparison(client, spec, store=store)
        assert info.value.models == (LADDER[0],)
        events = []
        result = await run_comparison(client, spec, store=store, pull_missing=True,
                                      on_event=events.append)
    assert result.complete and LADDER[0] in sim.installed_names()
    pulling = [e for e in events if e.kind == "pulling" and e.progress is not None]
    assert pulling and pulling[-1].progress.done and pulling[-1].model == LADDER[0]
    (pull,) = store.loads.pulls()
    assert (pull.name, pull.outcome) == (LADDER[0], "success") and pull.bytes > 0
    assert result.fingerprint["digests"][LADDER[0]] == result.run(LADDER[0]).digest != ""


async def test_rerun_after_an_upgrade_says_what_changed(sim_factory, store):
    old_sim = sim_factory(installed=LADDER[::3], version="0.32.15")
    async with OllamaClient(old_sim.host) as client:
        first = await run_comparison(client, ComparisonSpec(tuple(LADDER[::3]), prompt="hi"),
                                     store=store)
    new_sim = sim_factory(installed=LADDER[::3], version="0.33.0")
    async with OllamaClient(new_sim.host) as client:
        second, diff = await rerun(client, store, first.id)
    assert second.id != first.id and second.spec == first.spec
    assert "Ollama version 0.32.15 -> 0.33.0" in diff.setup_changes
    assert diff.changed and diff.old_id == first.id
    # Same models and digests: the text and agreement are deterministic, only speeds move.
    for r in diff.runs:
        assert not r.response_changed and "agreement" not in r.deltas
    same = diff_comparisons(first, first)
    assert not same.changed and all(not r.deltas for r in same.runs)
    assert [s.id for s in store.comparisons.summaries()] == [second.id, first.id]


async def test_events_as_an_async_iterator(sim_factory):
    from quantdesk.core.compare import ComparisonRunner, iterate_events

    sim = sim_factory(installed=LADDER[::3])
    async with OllamaClient(sim.host) as client:
        spec = ComparisonSpec(tuple(LADDER[::3]), prompt="hi")

        async def start(sink):
            return await ComparisonRunner(client, spec, on_event=sink).run()

        kinds = [(e.kind, e.model) async for e in iterate_events(start)]
    assert kinds[0] == ("started", "") and kinds[-1] == ("finished", "")
    states = [k for k in kinds if k[0] in ("loading", "running", "done")]
    phases = ("loading", "running", "done")
    assert states == [(s, m) for m in (LADDER[3], LADDER[0]) for s in phases]
    assert sum(1 for k, _ in kinds if k == "token") > 10
