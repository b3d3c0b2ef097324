"""Every daemon command end to end: ``quantdesk`` against the simulated daemon on loopback.

Most runs call ``main([...])`` in this process (fast); the Ctrl-C test runs a real subprocess
so a real SIGINT goes through asyncio. Expected values are read independently from the
simulator (its state, or its raw HTTP answers), never hard-coded.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from quantdesk import __version__
from quantdesk.cli.main import main
from quantdesk.sim.http import NdjsonStream

SMALL = "qwen2.5:0.5b-instruct-q2_K"  # the smallest catalog model: fast pulls and loads
OTHER = "qwen2.5:0.5b-instruct-q4_K_M"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def daemon(sim):
    """The shared simulator, made quick: fast pulls, loads and tokens, two models installed."""
    sim.pull_bandwidth = 4e9
    sim.progress_interval = 0.01
    sim.token_rate_scale = 50.0
    for name in (OTHER, SMALL):
        sim.install(name)
    return sim


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def raw(sim, method: str, path: str, body: dict | None = None) -> dict:
    """The simulator's own answer, fetched without QuantDesk's client."""
    resp = httpx.request(method, sim.url + path, json=body, timeout=5, trust_env=False)
    return resp.json()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- version, ls, ps, show ------------------------------------------------------------------

def test_version_with_host_before_and_after_the_command(daemon, capsys):
    for argv in (["--host", daemon.host, "version", "--json"],
                 ["version", "--json", "--host", daemon.url]):
        code, out, _ = cli(capsys, *argv)
        assert code == 0
        assert json.loads(out) == {"client": __version__, "daemon": daemon.version}
    code, out, _ = cli(capsys, "version", "--host", daemon.host)
    assert code == 0 and f"ollama {daemon.version}" in out


def test_unreachable_daemon_exits_1_with_the_fix(capsys):
    port = closed_port()
    code, out, err = cli(capsys, "ls", "--host", f"127.0.0.1:{port}")
    assert code == 1 and out == ""
    assert f"127.0.0.1:{port}" in err and "ollama serve" in err
    code, out, err = cli(capsys, "version", "--json", "--host", f"127.0.0.1:{port}")
    assert code == 1 and json.loads(out)["daemon"] is None


def test_host_from_environment(daemon, capsys, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", daemon.host)
    code, out, _ = cli(capsys, "ls", "--json")
    assert code == 0 and [m["name"] for m in json.loads(out)] == daemon.installed_names()


def test_ls_json_matches_the_daemon(daemon, capsys):
    code, out, _ = cli(capsys, "ls", "--json", "--host", daemon.host)
    assert code == 0
    expected = [
        {"name": m["name"], "size": m["size"], "digest": m["digest"],
         "family": m["details"]["family"], "parameter_size": m["details"]["parameter_size"],
         "quantization_level": m["details"]["quantization_level"]}
        for m in raw(daemon, "GET", "/api/tags")["models"]
    ]
    got = json.loads(out)
    assert [{k: v for k, v in m.items() if k != "modified_at"} for m in got] == expected
    assert all(m["modified_at"] for m in got)
    code, out, _ = cli(capsys, "--host", daemon.host, "ls")
    assert code == 0 and SMALL in out and "Q2_K" in out


def test_ps_reports_the_loaded_model(daemon, capsys):
    code, out, _ = cli(capsys, "ps", "--json", "--host", daemon.host)
    assert code == 0 and json.loads(out) == []
    daemon.load(SMALL, num_ctx=2048)
    code, out, _ = cli(capsys, "ps", "--json", "--host", daemon.host)
    [entry] = json.loads(out)
    [want] = raw(daemon, "GET", "/api/ps")["models"]
    assert (entry["name"], entry["size"], entry["size_vram"], entry["context_length"]) == (
        want["name"], want["size"], want["size_vram"], 2048)
    assert entry["expires_at"]
    code, out, _ = cli(capsys, "ps", "--host", daemon.host)
    assert code == 0 and SMALL in out and "GPU" in out


def test_show_json_and_missing_model(daemon, capsys):
    code, out, _ = cli(capsys, "show", SMALL, "--json", "--host", daemon.host)
    assert code == 0
    shown = json.loads(out)
    want = raw(daemon, "POST", "/api/show", {"model": SMALL})
    assert shown["model_info"] == want["model_info"]
    assert shown["architecture"] == want["model_info"]["general.architecture"]
    assert shown["quantization"] == want["details"]["quantization_level"]
    assert shown["capabilities"] == want["capabilities"]
    assert len(shown["tensors"]) == len(want.get("tensors", []))
    code, out, _ = cli(capsys, "show", SMALL, "--verbose", "--host", daemon.host)
    assert code == 0 and "architecture" in out
    code, out, err = cli(capsys, "show", "llama3.1:8b", "--host", daemon.host)
    assert code == 1 and "quantdesk pull llama3.1:8b" in err


# -- pull --------------------------------------------------------------------------------------

def _total_size(sim, name: str) -> int:
    return sum(size for _, size in sim.blob_progress(name).values())


def test_pull_progress_as_ndjson(daemon, capsys):
    name = "qwen2.5:0.5b-instruct-q3_K_S"
    code, out, _ = cli(capsys, "pull", name, "--json", "--host", daemon.host)
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["status"] == "pulling manifest"
    assert events[-1]["done"] and events[-1]["status"] == "success"
    # blobs done within one 60 ms tick (template, license, config) are never reported by
    # the daemon, so the total is the weights; and the bar ends full
    assert 0 <= _total_size(daemon, name) - events[-1]["total"] < 20_000
    assert events[-1]["completed"] == events[-1]["total"]
    assert all(a["completed"] <= b["completed"] for a, b in itertools.pairwise(events))
    assert name in daemon.installed_names()


def test_pull_with_a_bar_on_stderr(daemon, capsys):
    name = "qwen2.5:0.5b-instruct-q3_K_M"
    code, out, err = cli(capsys, "--host", daemon.host, "pull", name)
    assert code == 0 and out == ""
    assert "pulling manifest" in err and "%" in err and f"pulled {name}" in err


def test_pull_of_a_missing_tag_exits_1_with_the_reason(daemon, capsys):
    code, _, err = cli(capsys, "pull", "qwen2.5:0.5b-nonexistent", "--host", daemon.host)
    assert code == 1
    assert "file does not exist" in err


def test_pull_interrupted_by_a_fault_then_resumed(daemon, capsys):
    name = "qwen2.5:0.5b-instruct-q4_0"
    daemon.pull_bandwidth = 1e9
    daemon.faults.drop("/api/pull", after_lines=6)
    code, _, err = cli(capsys, "pull", name, "--json", "--host", daemon.host)
    assert code == 1 and "dropped" in err
    partial = {d: have for d, (have, size) in daemon.blob_progress(name).items()
               if 0 < have < size}
    assert partial, "the dropped pull should leave a partial blob behind"
    code, out, _ = cli(capsys, "pull", name, "--json", "--host", daemon.host)
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    first = next(e for e in events if e["digest"] in partial)
    assert first["layer_completed"] >= partial[first["digest"]]  # resumed, not restarted
    assert events[-1]["done"] and name in daemon.installed_names()


def test_ctrl_c_cancels_a_pull_cleanly(daemon):
    name = "qwen2.5:0.5b-instruct-q8_0"
    daemon.pull_bandwidth = 20e6  # slow enough to still be running when interrupted
    env = {**os.environ, "PYTHONPATH": str(REPO / "desktop")}
    # A child inherits an ignored SIGINT (`trap '' INT`, nohup, some CI runners) and Python
    # then installs no KeyboardInterrupt handler: give the child the default disposition.
    proc = subprocess.Popen(
        [sys.executable, "-m", "quantdesk", "pull", name, "--host", daemon.host],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if line.startswith("pulling ") and "%" in line:
                break
        else:
            pytest.fail("no progress line before the deadline")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "run `quantdesk pull" in err and "resume" in err
    assert name not in daemon.installed_names()
    assert any(have > 0 for have, _ in daemon.blob_progress(name).values())


# -- rm, cp ------------------------------------------------------------------------------------

def test_rm(daemon, capsys):
    code, _, err = cli(capsys, "rm", OTHER, "--host", daemon.host)
    assert code == 0 and OTHER in err
    assert daemon.installed_names() == [SMALL]
    code, _, err = cli(capsys, "rm", OTHER, "--host", daemon.host)
    assert code == 1 and "not installed" in err


def test_cp(daemon, capsys):
    code, _, _ = cli(capsys, "cp", SMALL, "mine/backup:v1", "--host", daemon.host)
    assert code == 0
    assert "mine/backup:v1" in daemon.installed_names()
    tags = {m["name"]: m["digest"] for m in raw(daemon, "GET", "/api/tags")["models"]}
    assert tags["mine/backup:v1"] == tags[SMALL]
    code, _, err = cli(capsys, "cp", SMALL, "bad name", "--host", daemon.host)
    assert code == 1 and "not a valid model name" in err
    code, _, err = cli(capsys, "cp", "llama3.1:8b", "x:y", "--host", daemon.host)
    assert code == 1 and "not installed" in err


# -- load, unload ------------------------------------------------------------------------------

def test_load_with_context_and_keep_alive(daemon, capsys):
    code, out, _ = cli(capsys, "load", SMALL, "--num-ctx", "4096", "--keep-alive", "10m",
                       "--json", "--host", daemon.host)
    assert code == 0
    result = json.loads(out)
    [want] = raw(daemon, "GET", "/api/ps")["models"]
    assert result["context_length"] == want["context_length"] == 4096
    assert (result["size"], result["size_vram"]) == (want["size"], want["size_vram"])
    assert result["load_s"] > 0
    code, out, _ = cli(capsys, "load", OTHER, "--keep-alive", "-1", "--host", daemon.host)
    assert code == 0 and f"loaded {OTHER}" in out
    assert set(daemon.loaded_names()) == {SMALL, OTHER}


def test_load_usage_errors_exit_2(daemon, capsys):
    for bad in (["--keep-alive", "soon"], ["--num-ctx", "0"], ["--num-ctx", "lots"]):
        with pytest.raises(SystemExit) as info:
            main(["load", SMALL, *bad, "--host", daemon.host])
        assert info.value.code == 2
    assert daemon.loaded_names() == []


def test_load_that_does_not_fit_says_what_to_do(daemon, capsys):
    daemon.install("llama3.1:8b-instruct-fp16")
    daemon.machine = type(daemon.machine)(vram_bytes=1 << 30, ram_bytes=2 << 30)
    code, _, err = cli(capsys, "load", "llama3.1:8b-instruct-fp16", "--host", daemon.host)
    assert code == 1
    assert "smaller quantization" in err


def test_unload_one_and_all(daemon, capsys):
    daemon.load(SMALL)
    daemon.load(OTHER)
    code, _, _ = cli(capsys, "unload", SMALL, "--host", daemon.host)
    assert code == 0 and daemon.loaded_names() == [OTHER]
    daemon.load(SMALL)
    code, out, _ = cli(capsys, "unload", "--all", "--json", "--host", daemon.host)
    assert code == 0 and sorted(json.loads(out)["unloaded"]) == sorted([SMALL, OTHER])
    assert daemon.loaded_names() == []
    for argv in (["unload"], ["unload", SMALL, "--all"]):
        with pytest.raises(SystemExit) as info:
            main([*argv, "--host", daemon.host])
        assert info.value.code == 2


# -- run ---------------------------------------------------------------------------------------

def test_run_streams_text_deterministically(daemon, capsys):
    argv = ["run", SMALL, "Name three colours", "--seed", "7", "--temperature", "0",
            "--num-predict", "12", "--host", daemon.host]
    code, first, _ = cli(capsys, *argv)
    assert code == 0 and first.strip()
    code, second, _ = cli(capsys, *argv)
    assert code == 0 and second == first


def test_run_json_metrics_come_from_the_daemon_durations(daemon, capsys, monkeypatch):
    finals: list[dict] = []
    send = NdjsonStream.send

    def record(self, obj):
        if obj.get("done"):
            finals.append(dict(obj))
        return send(self, obj)

    monkeypatch.setattr(NdjsonStream, "send", record)
    code, out, _ = cli(capsys, "run", SMALL, "Count to five", "--num-predict", "10",
                       "--num-ctx", "2048", "--json", "--host", daemon.host)
    assert code == 0
    result = json.loads(out)
    [final] = finals
    ns = 1e9
    assert result["model"] == SMALL and result["response"]
    m = result["metrics"]
    assert m["load_s"] == pytest.approx(final["load_duration"] / ns)
    assert m["ttft_s"] == pytest.approx(
        (final["load_duration"] + final["prompt_eval_duration"]) / ns)
    assert m["prompt_tokens"] == final["prompt_eval_count"]
    assert m["prompt_tps"] == pytest.approx(
        final["prompt_eval_count"] / (final["prompt_eval_duration"] / ns))
    assert m["eval_tokens"] == final["eval_count"] == 10
    assert m["eval_tps"] == pytest.approx(final["eval_count"] / (final["eval_duration"] / ns))
    assert m["total_s"] == pytest.approx(final["total_duration"] / ns)


@pytest.mark.parametrize(
    ("arm", "message"),
    [
        (lambda f: f.drop("/api/generate", after_lines=2), "dropped"),
        (lambda f: f.malformed("/api/generate", after_lines=1), "cannot read"),
        (lambda f: f.http_error("/api/generate", status=503,
                                message="server busy, please try again."), "try again"),
    ],
)
def test_run_failures_exit_1(daemon, capsys, arm, message):
    arm(daemon.faults)
    code, _, err = cli(capsys, "run", SMALL, "hello there", "--num-predict", "20",
                       "--host", daemon.host)
    assert code == 1 and message in err


def test_run_missing_model_and_bad_usage(daemon, capsys):
    code, _, err = cli(capsys, "run", "llama3.1:8b", "hi", "--host", daemon.host)
    assert code == 1 and "quantdesk pull llama3.1:8b" in err
    with pytest.raises(SystemExit) as info:
        main(["run", SMALL])  # no prompt
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2


def test_run_after_a_repetition_abort_keeps_the_text(daemon, capsys):
    # llm/llama_server.go: "if tokenRepeat > 30 { ... return ctx.Err() }" with a nil context
    # error: the stream ends with neither done nor error. Not a dropped connection.
    daemon.faults.repetition("/api/generate", after_tokens=4)
    code, out, errout = cli(capsys, "run", OTHER, "why is the sky blue",
                            "--host", daemon.host)
    assert code == 0
    words = out.split()
    assert len(words) == 4 + 31 and len(set(words[-31:])) == 1
    assert "stopped repeating itself after 35 tokens" in errout
    assert "dropped" not in errout.lower() and "connection" not in errout.lower()


def test_run_json_records_figures_of_a_repetition_abort(daemon, capsys):
    daemon.faults.repetition("/api/generate", after_tokens=2)
    code, out, _ = cli(capsys, "run", OTHER, "hello", "--json", "--host", daemon.host)
    assert code == 0
    result = json.loads(out)
    assert result["done_reason"] == "repetition"
    assert result["metrics"]["eval_tokens"] == 33 and result["metrics"]["timed_by"] == "quantdesk"


def test_prompt_rate_only_from_a_cold_run(daemon, capsys):
    # prompt_eval_count counts cached prompt tokens (CacheN + PromptN) on a warm runner
    first = json.loads(cli(capsys, "run", OTHER, "hi there", "--json",
                           "--host", daemon.host)[1])
    second = json.loads(cli(capsys, "run", OTHER, "hi there", "--json",
                            "--host", daemon.host)[1])
    assert first["metrics"]["cold"] and first["metrics"]["prompt_tps"] > 0
    assert not second["metrics"]["cold"] and second["metrics"]["prompt_tps"] is None


def test_load_with_keep_alive_zero_reports_an_unload(daemon, capsys):
    daemon.load(OTHER)
    code, out, _ = cli(capsys, "load", OTHER, "--keep-alive", "0", "--host", daemon.host)
    assert code == 0 and out.startswith(f"unloaded {OTHER}") and " in " not in out
    assert OTHER not in daemon.loaded_names()


async def test_load_right_after_an_unload_waits_for_vram(daemon):
    import time

    from quantdesk.core.ollama import OllamaClient
    from quantdesk.core.ollama.client import VRAM_RECOVERY_S

    async with OllamaClient(daemon.host) as client:
        await client.load(OTHER)
        await client.unload(OTHER)
        t = time.monotonic()
        await client.load(SMALL)
        assert time.monotonic() - t >= VRAM_RECOVERY_S * 0.9
