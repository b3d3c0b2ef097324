"""More small rules of core/: loopback hosts, registry transport failures in words, the
comparison's reference choice, dismissing load failures, the gpt-oss graph of the static
estimator, a settings file that cannot be read."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from quantdesk.core.architecture import Architecture
from quantdesk.core.compare.planning import CompareSetupError, choose_reference
from quantdesk.core.fit.graph import MiB, static_graph
from quantdesk.core.hosts.resolve import is_loopback
from quantdesk.core.hosts.store import load_profiles
from quantdesk.core.loaded_state import Failure, LoadedState, model_key
from quantdesk.core.quant import parse_quant
from quantdesk.core.registry.http import _transport_reason


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("LOCALHOST:11434", True), ("127.0.0.1:11434", True),
     ("http://127.0.0.2:8080", True), ("[::1]:11434", True), ("192.168.1.10:11434", False),
     ("gpu-box.lan", False)],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_registry_transport_failures_in_words():
    request = httpx.Request("GET", "https://registry.example/v2/")
    assert _transport_reason(httpx.TooManyRedirects("x", request=request)) == (
        "it redirects in a loop")
    assert _transport_reason(httpx.UnsupportedProtocol("x", request=request)) == (
        "it redirects to an address that is not http or https")
    assert _transport_reason(httpx.ReadTimeout("x", request=request)) == "timed out"
    assert _transport_reason(httpx.ConnectError("refused", request=request)) == "ConnectError"
    assert _transport_reason(httpx.ReadError("", request=request)) == "ReadError"
    assert _transport_reason(httpx.ReadError("reset by peer", request=request)) == (
        "reset by peer")


def test_reference_is_the_requested_one_or_the_most_precise():
    models = ["m:q4_K_M", "m:Q8_0", "m:odd"]
    levels = {"m:q4_K_M": parse_quant("q4_K_M"), "m:Q8_0": parse_quant("q8_0"), "m:odd": None}
    assert choose_reference(models, levels) == "m:Q8_0"
    assert choose_reference(models, levels, "M:Q4_K_M") == "m:q4_K_M"  # case ignored
    with pytest.raises(CompareSetupError, match="'m:f16' is not one of the compared"):
        choose_reference(models, levels, "m:f16")
    tie = {"a": parse_quant("q8_0"), "b": parse_quant("q8_0")}
    assert choose_reference(["a", "b"], tie) == "a"  # first on a tie


def test_dismissing_load_failures():
    f1 = Failure("llama3.2", "load", "out of memory", 1.0)
    f2 = Failure("qwen3:8b", "load", "timed out", 2.0)
    state = LoadedState(failures=(f1, f2))
    assert state.dismiss("LLAMA3.2:latest").failures == (f2,)  # same model, other spelling
    assert state.dismiss().failures == ()
    assert model_key("not a valid name!") == "not a valid name!"
    assert model_key("Llama3.2") == "llama3.2:latest"


def gpt_oss() -> Architecture:
    # gpt-oss:20b as /api/show reports it: 24 layers, 64 heads over 8 KV heads, width 2880
    return Architecture.from_model_info({
        "general.architecture": "gptoss", "gptoss.block_count": 24,
        "gptoss.embedding_length": 2880, "gptoss.attention.head_count": 64,
        "gptoss.attention.head_count_kv": 8, "gptoss.context_length": 131072,
        "gptoss.attention.key_length": 64, "gptoss.attention.value_length": 64,
        "gptoss.feed_forward_length": 2880, "gptoss.expert_count": 32,
        "gptoss.expert_used_count": 4})


def test_gpt_oss_graph_of_the_static_estimator():
    arch = gpt_oss()
    # flash attention: (4 x parallel + context / 1024 + 110) MiB = 4 + 8 + 110 at 8192
    assert static_graph(arch, 8192, 512, 6 * MiB, flash=True) == (122 * MiB, 122 * MiB)
    assert static_graph(arch, 8192, 512, 6 * MiB, flash=True, parallel=2) == (
        126 * MiB, 126 * MiB)
    # without: 2 x (64 / 8) x the KV total / 6 = 16 x 6 MiB / 6
    assert static_graph(arch, 8192, 512, 6 * MiB, flash=False) == (16 * MiB, 16 * MiB)


def test_an_unreadable_settings_file_has_no_profiles(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json", encoding="utf-8")
    profiles, _ = load_profiles(bad)
    assert profiles == {}
    bad.write_text("[1, 2]", encoding="utf-8")  # JSON, but not an object
    assert load_profiles(bad)[0] == {}
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert load_profiles(folder)[0] == {}


def test_limit_and_redirect_messages():
    from quantdesk.core.ollama.bounds import RedirectRefused, ResponseTooLarge

    big = ResponseTooLarge("127.0.0.1:11434", "listing models", 8 << 20)
    assert str(big) == (
        "The daemon at 127.0.0.1:11434 sent more than 8 MiB while listing models, more than "
        "any Ollama answer, so QuantDesk stopped reading. Is --host pointing at an Ollama "
        "daemon?")
    assert big.limit == 8 << 20
    assert "more than 64 KiB while" in str(ResponseTooLarge("h", "x", 64 * 1024))
    moved = RedirectRefused("h:1", "/api/tags", 302, "http://elsewhere.example/")
    assert str(moved) == (
        "The daemon at h:1 answered /api/tags with a redirect (HTTP 302) to "
        "http://elsewhere.example/. An Ollama daemon never redirects, so QuantDesk did not "
        "follow it; check --host.")
    assert "(HTTP 301). An Ollama" in str(RedirectRefused("h:1", "/api/tags", 301, ""))


async def test_comparison_events_end_early_or_with_the_error():
    from quantdesk.core.compare.events import CompareEvent, iterate_events

    started = []

    async def failing(sink):
        sink(CompareEvent("started", "m", 0))
        raise RuntimeError("daemon went away")

    seen = []
    with pytest.raises(RuntimeError, match="daemon went away"):
        async for event in iterate_events(failing):
            seen.append(event.kind)
    assert seen == ["started"]

    async def endless(sink):
        started.append(True)
        while True:
            sink(CompareEvent("token", "m", 0))
            await asyncio.sleep(0)

    async for _event in iterate_events(endless):
        break  # leaving early cancels the comparison
    assert started == [True]


def test_a_shape_that_cannot_be_read_is_the_rows_reason_and_is_kept():
    from quantdesk.core.advice.rows import Evaluator

    rows = Evaluator()
    assert rows.architecture("k", {}) == (
        "The model description has no general.architecture; re-read it with /api/show.")
    assert rows.architecture("k", {"general.architecture": "llama"}) == (
        rows.architecture("k", {}))  # one answer per shape key
    assert "lacks its layer count" in rows.architecture("k2", {"general.architecture": "llama"})


def test_snapshot_build_writes_where_the_package_keeps_it(tmp_path, monkeypatch, capsys):
    from quantdesk.core.registry import snapshot_build

    out = tmp_path / "library-snapshot.json"
    monkeypatch.setattr(snapshot_build, "target", lambda: out)
    monkeypatch.setattr(snapshot_build, "build", lambda shared: {"from": str(shared)})
    assert snapshot_build.main(["snapshot_build", str(tmp_path / "shared")]) == 0
    assert out.read_text() == '{\n "from": "' + str(tmp_path / "shared") + '"\n}\n'
    assert capsys.readouterr().out == f"{out}\n"
    assert snapshot_build._printed_bytes("4.9GB") == 4_900_000_000  # as the tags page prints
    assert snapshot_build._printed_bytes("~ 812 MB") == 812_000_000
    assert snapshot_build._printed_bytes("big") is None
