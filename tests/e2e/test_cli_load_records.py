"""``quantdesk load`` records (predicted, observed) pairs; ``fit`` and ``variants`` then show the
calibrated total. End to end against the simulator over loopback sockets.

The expected prediction is computed here from the simulator's raw ``/api/show`` answer with
``estimate_fit`` directly; the observed size is the simulator's raw ``/api/ps`` answer.
"""

from __future__ import annotations

import json
import statistics

import httpx
import pytest

from quantdesk.cli.main import main
from quantdesk.cli.output import human_bytes
from quantdesk.core.fit import Architecture, FitOptions, estimate_fit
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.store import HistoryStore, default_path
from quantdesk.core.store.load_pairs import machine_key

GIB = 1 << 30
SMALL = "qwen2.5:0.5b-instruct-q2_K"
OTHER = "qwen2.5:0.5b-instruct-q4_K_M"
LLAMA = "llama3.2:1b-instruct-q4_K_M"
HERE = Machine(
    gpus=(Gpu("nvidia", 0, "Loopback GPU", 24 * GIB, 23 * GIB),),
    ram=Ram(32 * GIB, 30 * GIB),
    cpu=Cpu("Loopback CPU", 8, 16),
    probes={"nvml": "ok", "psutil": "ok"},
)


@pytest.fixture(autouse=True)
def _this_machine(tmp_path, monkeypatch):
    """A private history and cache, and a fixed probe: load and fit must agree on the machine
    (a real probe's free memory moves between two commands)."""
    monkeypatch.setenv("QUANTDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(tmp_path / "cache"))

    async def probe() -> Machine:
        return HERE

    monkeypatch.setattr("quantdesk.cli.commands.load.probe_machine_async", probe)
    monkeypatch.setattr("quantdesk.cli.planning.probe_machine_async", probe)


@pytest.fixture
def daemon(sim):
    for name in (SMALL, OTHER, LLAMA):
        sim.install(name)
    return sim


def cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def raw(daemon, method, path, body=None):
    return httpx.request(method, daemon.url + path, json=body, timeout=5, trust_env=False).json()


def expected_prediction(daemon, name, num_ctx):
    """What /api/ps should say per our estimate, from the daemon's own /api/show JSON."""
    show = raw(daemon, "POST", "/api/show", {"model": name})
    tensors = [(t["name"], t["type"], tuple(t["shape"])) for t in show["tensors"]]
    # qwen2 GGUFs carry no vocab_size: the vocabulary is token_embd's shape
    arch = Architecture.from_model_info(show["model_info"], tensors=tensors)
    version = raw(daemon, "GET", "/api/version")["version"]
    result = estimate_fit(arch, HERE, FitOptions(num_ctx=num_ctx, ollama_version=version),
                          tensors=tensors, quant=show["details"]["quantization_level"])
    return result.ps_size, result.ps_size_vram


def ps_entry(daemon, name):
    return next(m for m in raw(daemon, "GET", "/api/ps")["models"] if m["name"] == name)


def stored_loads():
    with HistoryStore(default_path()) as store:
        return store.loads.loads()


def test_load_records_one_pair_with_the_right_figures(daemon, capsys):
    code, out, err = cli(capsys, "load", SMALL, "--num-ctx", "4096", "--json",
                         "--host", daemon.host)
    assert code == 0, err
    result = json.loads(out)
    entry = ps_entry(daemon, SMALL)
    predicted, predicted_vram = expected_prediction(daemon, SMALL, entry["context_length"])
    assert result["observed_bytes"] == entry["size"]
    assert result["predicted_bytes"] == predicted
    [row] = stored_loads()
    assert (row.model, row.digest, row.num_ctx) == (SMALL, entry["digest"], 4096)
    assert (row.predicted_size, row.predicted_vram) == (predicted, predicted_vram)
    assert (row.observed_size, row.observed_vram) == (entry["size"], entry["size_vram"])
    assert row.daemon_version == daemon.version
    assert row.machine_key == machine_key(HERE)


def test_loading_again_does_not_duplicate_but_another_context_counts(daemon, capsys):
    for _ in range(3):
        assert cli(capsys, "load", SMALL, "--num-ctx", "2048", "--host", daemon.host)[0] == 0
    assert len(stored_loads()) == 1
    assert cli(capsys, "load", SMALL, "--num-ctx", "8192", "--host", daemon.host)[0] == 0
    assert sorted(r.num_ctx for r in stored_loads()) == [2048, 8192]


def test_human_output_shows_ollama_next_to_the_prediction(daemon, capsys):
    code, out, _ = cli(capsys, "load", OTHER, "--num-ctx", "2048", "--host", daemon.host)
    assert code == 0
    entry = ps_entry(daemon, OTHER)
    predicted, _ = expected_prediction(daemon, OTHER, 2048)
    line = next(x for x in out.splitlines() if x.startswith("Ollama: "))
    assert line.startswith(f"Ollama: {human_bytes(entry['size'])}, "
                           f"predicted {human_bytes(predicted)} (")
    assert f"{(predicted - entry['size']) / entry['size']:+.0%}" in line


def test_fit_and_variants_show_the_calibrated_total_once_pairs_exist(daemon, capsys):
    args = ("--num-ctx", "2048", "--host", daemon.host, "--registry", daemon.url)
    code, out, _ = cli(capsys, "fit", LLAMA, "--json", *args)
    assert code == 0
    assert json.loads(out)["estimate"]["calibrated_total_bytes"] is None

    ratios = []
    for name, ctx in ((SMALL, 2048), (OTHER, 4096), (LLAMA, 2048)):
        code, out, _ = cli(capsys, "load", name, "--num-ctx", str(ctx), "--json",
                           "--host", daemon.host)
        loaded = json.loads(out)
        ratios.append(loaded["observed_bytes"] / loaded["predicted_bytes"])
    factor = min(max(statistics.median(ratios), 0.75), 1.5)
    assert factor != 1.0  # the simulator's memory model is not ours: there is something to learn

    code, out, _ = cli(capsys, "fit", LLAMA, "--json", *args)
    assert code == 0
    estimate = json.loads(out)["estimate"]
    assert estimate["calibrated_total_bytes"] == round(estimate["total_bytes"] * factor)
    code, out, _ = cli(capsys, "fit", LLAMA, *args)
    assert "calibrated" in out and "3 loads" in out

    code, out, _ = cli(capsys, "variants", "llama3.2:1b", "--json", *args)
    assert code == 0
    rows = [r for r in json.loads(out)["variants"] if r["fit"]]
    assert rows
    for r in rows:
        assert r["fit"]["calibrated_total_bytes"] == round(r["fit"]["total_bytes"] * factor)

    # A what-if machine is another machine: the real one's correction does not apply to it.
    code, out, _ = cli(capsys, "fit", LLAMA, "--json", "--gpu-mem", "8GiB", *args)
    assert json.loads(out)["estimate"]["calibrated_total_bytes"] is None
