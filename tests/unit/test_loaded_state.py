"""The loaded-state model: the stale lines issue 11 lists, each as a sequence of events, and the
same model fed by real /api/ps answers from the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quantdesk.core.loaded_lines import gauge, model_line, status_lines
from quantdesk.core.loaded_state import LoadedState, Operation, model_key
from quantdesk.core.ollama import OllamaClient, RunningModel

GB = 10**9
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def ps(name: str, size: int, vram: int | None = None, *, ctx: int = 4096,
       expires: datetime | None = None) -> RunningModel:
    # The shape of one /api/ps entry (ollama-api.md §3), parsed as the client parses it.
    return RunningModel.from_json({
        "name": name, "model": name, "size": size,
        "size_vram": size if vram is None else vram, "digest": "ab" * 32,
        "details": {"family": "qwen2", "quantization_level": "Q4_K_M"},
        "expires_at": (expires or NOW + timedelta(minutes=5)).isoformat(),
        "context_length": ctx,
    })


def load(model: str, at: float, *, op_id: str = "", num_ctx: int = 0) -> Operation:
    return Operation(op_id or f"load {model}", "load", model, at, num_ctx=num_ctx)


def every_line(state: LoadedState, names: list[str]) -> list[str]:
    lines = status_lines(state)
    return [lines.headline, lines.error, lines.tray_tooltip, lines.gauge.text,
            *(model_line(state, n, NOW).text for n in names)]


def test_loading_line_goes_when_ps_shows_the_model_even_before_the_reply():
    s = LoadedState(gpu_total_bytes=12 * 2**30).with_snapshot([], asked_at=0.0)
    s = s.start(load("qwen2.5:7b", at=1.0))
    assert status_lines(s).headline == "Loading qwen2.5:7b…"
    assert model_line(s, "qwen2.5:7b").text == "Loading…"
    s = s.with_snapshot([ps("qwen2.5:7b", 4_900_000_000)], asked_at=2.0)
    lines = status_lines(s)
    assert lines.headline == "qwen2.5:7b is loaded · 4.9 GB · 100% GPU"
    assert not lines.busy
    assert model_line(s, "qwen2.5:7b", NOW).text == "Loaded · 4.9 GB · 100% GPU"
    # The late reply of the load changes nothing: the operation is already gone.
    assert s.finish("load qwen2.5:7b", at=2.5) == s


def test_a_snapshot_asked_before_the_load_started_proves_nothing():
    # qwen was loaded at 2048; the user reloads it at 8192. A poll sent before the click
    # answers after it, still listing the old runner: "Loading" must stay.
    s = LoadedState().with_snapshot([ps("qwen2.5:7b", 4 * GB, ctx=2048)], asked_at=0.0)
    s = s.start(load("qwen2.5:7b", at=1.0, num_ctx=8192))
    s = s.with_snapshot([ps("qwen2.5:7b", 4 * GB, ctx=2048)], asked_at=0.5)
    assert s.busy
    # A poll sent after the click that still sees the old context proves nothing either.
    s = s.with_snapshot([ps("qwen2.5:7b", 4 * GB, ctx=2048)], asked_at=1.5)
    assert status_lines(s).headline == "Loading qwen2.5:7b…"
    s = s.with_snapshot([ps("qwen2.5:7b", 5 * GB, ctx=8192)], asked_at=3.0)
    assert status_lines(s).headline == "qwen2.5:7b is loaded · 5 GB · 100% GPU"


def test_after_a_comparison_no_ready_line_sits_above_no_model_loaded():
    # The comparison loaded q8_0 last and unloaded it: the daemon holds nothing.
    names = ["llama3.1:8b-instruct-q8_0", "llama3.1:8b-instruct-q4_K_M"]
    s = LoadedState(gpu_total_bytes=24 * 2**30).with_snapshot([], asked_at=0.0)
    s = s.start(Operation("cmp-1", "compare", names[1], started_at=1.0, detail="1 of 2"))
    s = s.with_snapshot([ps(names[1], 5 * GB)], asked_at=2.0)
    assert status_lines(s).headline == (
        "Comparing: running llama3.1:8b-instruct-q4_K_M (1 of 2)…")
    s = s.update("cmp-1", model=names[0], detail="2 of 2")
    s = s.with_snapshot([ps(names[0], 8_500_000_000)], asked_at=3.0)
    assert model_line(s, names[0]).text == "In a comparison (2 of 2)…"
    s = s.finish("cmp-1", at=4.0)
    # Until a poll asked after the end arrives, the comparison is what the line says.
    assert status_lines(s).headline.startswith("Comparing")
    s = s.with_snapshot([], asked_at=4.1)
    lines = every_line(s, names)
    assert lines[0] == "No model is loaded."
    # No line anywhere still speaks of either variant.
    assert not any(n in line for n in names for line in lines), lines
    assert lines[3] == "GPU memory: 0 B / 24 GB"  # a 24 GiB card, as its box names it


def test_gauge_sums_vram_of_every_loaded_model_against_the_card():
    card = 12 * 2**30  # a "12 GB" card, 12.88e9 bytes, printed "12 GB" as ollama ps does
    s = LoadedState(gpu_total_bytes=card).with_snapshot(
        [ps("qwen2.5:7b", 4_700_000_000), ps("llama3.2:3b", 4_500_000_000, 4_100_000_000)],
        asked_at=1.0)
    g = gauge(s)
    assert g.used_bytes == 8_800_000_000
    assert g.text == "GPU memory: 8.8 GB / 12 GB"
    assert abs(g.fraction - 8.8e9 / card) < 1e-9  # about two-thirds of the bar
    assert "qwen2.5:7b 4.7 GB" in g.tooltip and "llama3.2:3b 4.1 GB" in g.tooltip


def test_gauge_without_gpu_or_daemon_claims_nothing():
    s = LoadedState(gpu_total_bytes=0).with_snapshot([ps("m:1b", GB, 0)], asked_at=1.0)
    assert gauge(s).text == "GPU memory: no GPU"
    s = LoadedState(gpu_total_bytes=8 * 2**30).with_snapshot([ps("m:1b", GB)], asked_at=1.0)
    s = s.with_unreachable(asked_at=2.0)
    assert gauge(s).text == "GPU memory: — / 8 GB"  # an 8 GiB (8.59e9 bytes) card
    assert s.models == () and model_line(s, "m:1b").state == "idle"
    assert status_lines(s).headline == (
        "The daemon is not answering: what is loaded is unknown.")


def test_library_drops_loaded_once_the_model_has_gone():
    s = LoadedState().with_snapshot([ps("mistral:7b", 4 * GB)], asked_at=1.0)
    assert model_line(s, "mistral:7b", NOW).state == "loaded"
    # Its keep-alive ran out; nobody in the app unloaded it.
    s = s.with_snapshot([], asked_at=2.0)
    assert model_line(s, "mistral:7b", NOW).text == ""
    assert status_lines(s).loaded == ()


def test_unloading_line_goes_when_ps_no_longer_lists_the_model():
    s = LoadedState().with_snapshot([ps("mistral:7b", 4 * GB)], asked_at=1.0)
    s = s.start(Operation("u", "unload", "mistral:7b", started_at=2.0))
    assert status_lines(s).headline == "Unloading mistral:7b…"
    s = s.with_snapshot([ps("mistral:7b", 4 * GB)], asked_at=2.5)  # still stopping
    assert model_line(s, "mistral:7b").text == "Unloading…"
    s = s.with_snapshot([], asked_at=3.0)
    assert status_lines(s).headline == "No model is loaded."


def test_a_failed_load_replaces_loading_with_the_reason_until_the_next_try():
    s = LoadedState().with_snapshot([], asked_at=0.0)
    s = s.start(load("llama3.1:70b", at=1.0))
    s = s.fail("load llama3.1:70b", "it needs 43 GB and the machine has 32 GB", at=2.0)
    lines = status_lines(s)
    assert lines.headline == "No model is loaded."
    assert lines.error == ("Could not load llama3.1:70b: it needs 43 GB and the machine "
                           "has 32 GB")
    assert model_line(s, "llama3.1:70b").state == "failed"
    s = s.start(load("llama3.1:70b", at=3.0))
    assert status_lines(s).error == ""
    assert model_line(s, "llama3.1:70b").text == "Loading…"


def test_a_failure_contradicted_by_a_later_snapshot_goes():
    s = LoadedState().with_snapshot([], asked_at=0.0).start(load("qwen2.5:7b", at=1.0))
    s = s.fail("load qwen2.5:7b", "the connection dropped", at=2.0)
    s = s.with_snapshot([ps("qwen2.5:7b", 4 * GB)], asked_at=1.5)  # older than the failure
    assert status_lines(s).error
    s = s.with_snapshot([ps("qwen2.5:7b", 4 * GB)], asked_at=3.0)
    assert status_lines(s).error == ""
    assert model_line(s, "qwen2.5:7b", NOW).state == "loaded"


def test_a_late_answer_never_overwrites_a_newer_one():
    s = LoadedState().with_snapshot([ps("a:1b", GB)], asked_at=5.0)
    assert s.with_snapshot([], asked_at=4.0) is s
    assert s.with_unreachable(asked_at=4.0) is s


def test_names_match_as_the_daemon_matches_them():
    s = LoadedState().with_snapshot([ps("llama3.2:latest", 2 * GB)], asked_at=1.0)
    assert model_line(s, "LLAMA3.2", NOW).state == "loaded"
    assert model_key("registry.ollama.ai/library/llama3.2") == model_key("llama3.2:latest")


def test_stopping_and_several_operations():
    s = LoadedState().with_snapshot(
        [ps("a:1b", GB, expires=NOW - timedelta(seconds=1)), ps("b:2b", 2 * GB)], asked_at=1.0)
    assert model_line(s, "a:1b", NOW).text == "Stopping…"
    assert status_lines(s).headline == "2 models are loaded (3 GB): a:1b, b:2b"
    s = s.start(Operation("p", "pull", "c:7b", 2.0, detail="45 %"))
    s = s.start(load("b:2b", at=3.0))
    assert status_lines(s).headline == "Loading b:2b… · 1 more task"
    assert model_line(s, "c:7b").text == "Downloading (45 %)…"
    s = s.cancel("p")
    assert model_line(s, "c:7b").state == "idle" and not status_lines(s).error


def test_before_the_first_poll_nothing_is_claimed():
    assert status_lines(LoadedState()).headline == "Checking what is loaded…"


async def test_fed_by_the_simulator_over_http(sim_factory):
    """The real sequence: a poll, a load through /api/generate, the next poll."""
    sim = sim_factory(installed=["qwen2.5:7b", "llama3.2:3b"], loaded=["llama3.2:3b"],
                      vram_bytes=12 * 2**30)
    clock = iter(float(i) for i in range(100))
    async with OllamaClient(sim.host) as client:
        s = LoadedState(gpu_total_bytes=12 * 2**30)
        s = s.with_snapshot(await client.ps(), asked_at=next(clock))
        assert status_lines(s).loaded == ("llama3.2:3b",)
        s = s.start(load("qwen2.5:7b", at=next(clock)))
        await client.load("qwen2.5:7b")
        s = s.finish("load qwen2.5:7b", at=next(clock))
        assert status_lines(s).headline == "Loading qwen2.5:7b…"  # settling: no old claim
        s = s.with_snapshot(await client.ps(), asked_at=next(clock))
    lines = status_lines(s)
    assert set(lines.loaded) == {"qwen2.5:7b", "llama3.2:3b"}
    assert lines.gauge.used_bytes == sum(m.size_vram for m in s.models) > 0
    assert model_line(s, "qwen2.5:7b").state == "loaded"
    assert not s.busy
