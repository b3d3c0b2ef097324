"""Advice end to end: the issue's two cases through ``quantdesk variants --json``, quality before
download, offline planning from the snapshot, the daemon's own machine (host profiles, the
simulator's machine), and the transformers path — against the simulator over real sockets."""

from __future__ import annotations

import json
import os
import threading
import time
from argparse import Namespace

import pytest

from quantdesk.cli.commands import sim as sim_command
from quantdesk.cli.main import main
from quantdesk.core.hosts import profile_for
from quantdesk.core.registry.snapshot import load_snapshot
from quantdesk.sim.catalog import catalog

GiB = 1 << 30
# llama.cpp's Llama 3 8B scoreboard (no imatrix), mean KLD, typed from the published table
LLAMA3_KLD = {
    "F16": 0.000551, "Q8_0": 0.001355, "Q6_K": 0.005452, "Q5_K_M": 0.010762,
    "Q5_K_S": 0.016595, "Q5_1": 0.018045, "Q5_0": 0.022239, "Q4_K_M": 0.031273,
    "Q4_K_S": 0.043136, "Q4_1": 0.071683, "Q4_0": 0.07194, "Q3_K_L": 0.087176,
    "Q3_K_M": 0.101913, "Q3_K_S": 0.228217, "Q2_K": 0.445132,
}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(tmp_path / "cache"))


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def variants(capsys, *argv):
    code, out, err = run(capsys, "variants", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_qwen25_on_12_gib_at_4k_picks_a_7b_build(sim, capsys):
    doc = variants(capsys, "qwen2.5", "--registry", sim.url, "--gpu-mem", "12GB", "--ram",
                   "32GB", "--num-ctx", "4096")
    rec = doc["recommendation"]
    # every 7b build up to q8_0 fits fully (see tests/unit/test_advice_recommend.py for the
    # arithmetic); fp16 (15 GB) cannot: q8_0 is the pick, not the 0.5b fp16
    assert rec["pick"] == "qwen2.5:7b-instruct-q8_0" and rec["verdict"] == "gpu"
    assert [s["size"] for s in rec["per_size"]] == ["7b", "0.5b"]
    rows = {r["tag"]: r for r in doc["variants"]}
    assert all(rows[f"7b-instruct-{q}"]["fit"]["verdict"] == "gpu"
               for q in ("q4_K_M", "q5_K_M", "q6_K", "q8_0"))


def test_llama31_on_8_gib_at_32k_keeps_q4_k_m_and_names_the_context(sim, capsys):
    doc = variants(capsys, "llama3.1", "--registry", sim.url, "--gpu-mem", "8GB", "--ram",
                   "32GB", "--num-ctx", "32768")
    rec = doc["recommendation"]
    assert rec["pick"] == "llama3.1:8b-instruct-q4_K_M" and rec["verdict"] == "partial"
    assert "25 of 33 layers on the GPU" in rec["why"] and rec["slowdown"] > 2
    by_change = {a["change"]: a for a in rec["alternatives"]}
    # 16,391 tokens of cache fit beside the weights (hand arithmetic in the unit test)
    assert by_change["context"]["to"] == 16384 and by_change["context"]["verdict"] == "gpu"
    assert by_change["kv_cache"]["to"] == "q8_0"
    assert by_change["kv_cache"]["requires"] == {"flash_attention": "on"}
    # and the changes hold when made
    smaller = variants(capsys, "llama3.1:8b-instruct-q4_K_M", "--registry", sim.url,
                       "--gpu-mem", "8GB", "--ram", "32GB", "--num-ctx", "16384")
    assert smaller["variants"][0]["fit"]["verdict"] == "gpu"
    quantised = variants(capsys, "llama3.1:8b-instruct-q4_K_M", "--registry", sim.url,
                         "--gpu-mem", "8GB", "--ram", "32GB", "--num-ctx", "32768",
                         "--flash-attention", "on", "--kv-cache-type", "q8_0")
    assert quantised["variants"][0]["fit"]["verdict"] == "gpu"
    assert quantised["flash_attention"]["kv_cache_used"] == "q8_0"


def test_the_kv_type_alone_changes_nothing_for_llama_and_the_note_says_why(sim, capsys):
    doc = variants(capsys, "llama3.1:8b-instruct-q4_K_M", "--registry", sim.url, "--gpu-mem",
                   "8GB", "--ram", "32GB", "--kv-cache-type", "q8_0")
    flash = doc["flash_attention"]
    assert flash["kv_cache_requested"] == "q8_0" and flash["kv_cache_used"] == "f16"
    assert "OLLAMA_FLASH_ATTENTION=1" in flash["note"]
    assert doc["variants"][0]["fit"]["kv_cache_type"] == "f16"


def test_quality_before_download_equals_the_published_figure_for_every_type(sim, capsys):
    doc = variants(capsys, "llama3.1", "--registry", sim.url, "--gpu-mem", "8GB", "--ram", "32GB")
    listed = {r["quant"] for r in doc["variants"]}
    assert listed == set(LLAMA3_KLD)
    for r in doc["variants"]:
        assert r["quality"]["mean_kld"] == LLAMA3_KLD[r["quant"]], r["tag"]
        assert r["quality"]["measured_on"] == "Llama 3 8B" and r["quality"]["kind"] == "reference"
        assert r["speed"]["kind"] == "estimate" and r["speed"]["tokens_per_s"] > 0


def test_no_registry_plans_from_the_snapshot(capsys, unreachable_host):
    doc = variants(capsys, "llama3.1", "--registry", f"http://{unreachable_host}",
                   "--gpu-mem", "8GB", "--ram", "32GB")
    taken = load_snapshot().taken
    assert doc["origin"] == f"from the snapshot of {taken}" and doc["snapshot"] == taken
    tags = {r["tag"] for r in doc["variants"]}
    expected = {t["tag"] for t in load_snapshot().models["llama3.1"]["tags"]}
    assert tags == expected and len(tags) == 30  # 8b and 70b ladders
    assert all(r["fit"] is not None for r in doc["variants"])
    assert doc["recommendation"]["pick"] is not None
    assert any("cannot reach" in n for n in doc["notes"])
    code, out, _ = run(capsys, "variants", "llama3.1:8b", "--registry",
                         f"http://{unreachable_host}", "--gpu-mem", "8GB", "--ram", "32GB")
    assert code == 0 and f"Ladder from the snapshot of {taken}" in out
    code, out, _ = run(capsys, "fit", "llama3.1:8b-instruct-q4_K_M", "--json", "--registry",
                         f"http://{unreachable_host}", "--gpu-mem", "8GB", "--ram", "32GB")
    assert code == 0 and json.loads(out)["snapshot"] == taken


def test_a_host_profile_is_the_daemons_machine_and_loads_refine_it(sim_factory, capsys):
    # a daemon with 6 GiB (its own machine) described as a 12 GB card: its loads correct it
    sim = sim_factory(installed=["llama3.1:8b"], vram_bytes=6 * GiB, ram_bytes=32 * GiB)
    code, out, _ = run(capsys, "host", "set", sim.host, "--gpu-mem", "12GB", "--ram", "32GB")
    assert code == 0 and "(stated)" in out
    doc = variants(capsys, "llama3.1:8b", "--registry", sim.url)
    assert doc["machine"]["source"] == "stated"
    assert doc["machine"]["gpus"][0]["total_bytes"] == 12 * GiB
    code, _, err = run(capsys, "load", "llama3.1:8b", "--num-ctx", "32768")
    assert code == 0, err
    doc = variants(capsys, "llama3.1:8b", "--registry", sim.url)
    assert doc["machine"]["source"] == "refined"
    usable = doc["machine"]["gpus"][0]["free_bytes"]
    # the simulated card keeps llama-server's 1 GiB free: what it placed plus that is ~6 GiB
    assert 5.5 * GiB < usable <= 6.2 * GiB
    assert profile_for(sim.host).refined is not None


def test_quantdesk_sim_brings_its_machine_and_registry(capsys):
    stop = threading.Event()
    args = Namespace(bind="127.0.0.1", port=0, bandwidth=2e11, token_rate_scale=1000.0,
                     daemon_version="0.32.15", install=[], vram_gib=12.0, ram_gib=32.0,
                     json=False)
    thread = threading.Thread(target=sim_command.run, args=(args,), kwargs={"stop": stop})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = capsys.readouterr().out
            if "OLLAMA_HOST=" in out:
                host = out.split("OLLAMA_HOST=", 1)[1].split()[0]
                break
            time.sleep(0.05)
        else:
            pytest.fail("the simulator did not start")
        profile = profile_for(host)
        assert profile is not None and profile.source == "simulated"
        assert profile.pid == os.getpid() and profile.registry == f"http://{host}"
        # no --registry, no --gpu-mem: the simulator's own registry and 12 GiB card
        doc = variants(capsys, "llama3.2:1b", "--host", host)
        assert doc["machine"]["source"] == "simulated"
        assert doc["machine"]["gpus"][0]["total_bytes"] == 12 * GiB
        assert doc["origin"] == "from the registry"
        assert {r["tag"] for r in doc["variants"]} == {
            v.tag for v in catalog().variants() if v.model == "llama3.2" and v.build == "1b"}
    finally:
        stop.set()
        thread.join(timeout=10)
    assert profile_for(host) is None  # gone with the simulator


def test_transformers_fit_of_a_safetensors_repo(sim, capsys):
    repo = "hf.co/quantdesk-sim/Llama-3.1-8B-Instruct"
    code, out, err = run(capsys, "fit", repo, "--loader", "transformers", "--load-in", "nf4",
                         "--json", "--registry", sim.url, "--gpu-mem", "12GB", "--ram", "32GB")
    assert code == 0, err
    data = json.loads(out)
    e = data["estimate"]
    # 224 linear layers packed two weights a byte, embeddings + lm_head + norms in bf16 and
    # 512 bytes of rotary buffers: 5,591,540,224 bytes (the hand sum of the unit test)
    assert e["footprint_bytes"] == 5_591_540_224 and e["quantized_linear_layers"] == 224
    assert set(e["kept_unquantized_bytes"]) == {"embeddings", "lm_head", "norms"}
    assert data["verdict"] == "gpu" and data["load_in"] == "nf4"
    code, out, _ = run(capsys, "fit", repo, "--loader", "transformers", "--load-in", "bf16",
                       "--registry", sim.url, "--gpu-mem", "12GB", "--ram", "32GB")
    assert code == 0 and "partial" in out
    code, _, err = run(capsys, "fit", "llama3.1:8b", "--loader", "transformers", "--registry",
                       sim.url)
    assert code == 1 and "hf.co/OWNER/REPO" in err
