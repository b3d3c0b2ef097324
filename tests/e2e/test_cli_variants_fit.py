"""``quantdesk variants`` and ``quantdesk fit`` end to end against the simulator (real sockets)."""

from __future__ import annotations

import json

import pytest

from quantdesk.cli.main import main
from quantdesk.sim.catalog import catalog

WHAT_IF = ["--gpu-mem", "8GiB", "--ram", "32GiB"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(tmp_path / "cache"))


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _digest(name):
    return "sha256:" + catalog().manifest_for(name).digest


def test_variants_json_rows_with_status_and_fit(sim_factory, capsys):
    sim = sim_factory(installed=["llama3.1:8b"])
    code, out, _ = _run(capsys, "variants", "llama3.1:8b", "--json", "--registry", sim.url,
                        *WHAT_IF)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"model", "machine", "recommendation", "variants"}
    assert doc["model"] == "llama3.1" and doc["origin"] == "from the registry"
    assert doc["machine"]["source"] == "what-if"
    assert doc["machine"]["gpus"][0]["total_bytes"] == 8 << 30
    rows = doc["variants"]
    default = catalog().resolve("llama3.1:8b")
    assert {r["tag"] for r in rows} == {v.tag for v in catalog().variants()
                                        if v.model == "llama3.1"}
    for r in rows:
        assert r["digest"] == _digest(f"llama3.1:{r['tag']}")
        assert r["size_bytes"] == catalog().manifest_for(f"llama3.1:{r['tag']}").total_size
        assert r["installed"] == (r["tag"] == default.tag)
        assert not r["update_available"]
        assert r["fit"]["verdict"] in ("gpu", "partial", "cpu", "no")
        assert r["fit"]["total_layers"] == default.block_count + 1
    by_tag = {r["tag"]: r for r in rows}
    # On 8 GiB the fp16 build cannot be fully on the GPU, the 2-bit one can.
    assert by_tag["8b-instruct-fp16"]["fit"]["verdict"] == "partial"
    assert by_tag["8b-instruct-q2_K"]["fit"]["verdict"] == "gpu"
    best = [r for r in rows if r["best"]]
    assert len(best) == 1 and best[0]["name"] == doc["recommendation"]["pick"]
    # At the daemon's default 4k context q8_0 (8.5 GB) cannot be fully on an 8 GiB card; the
    # pick is the most precise build that is, and the chat-tuned one of its level.
    assert best[0]["fit"]["verdict"] == "gpu" and best[0]["fit"]["num_ctx"] == 4096
    finer = [r for r in rows if r["quality"]["mean_kld"] < best[0]["quality"]["mean_kld"]]
    assert all(r["fit"]["verdict"] != "gpu" for r in finer)
    assert "-text-" not in best[0]["tag"]


def test_variants_table_marks_best_and_status(sim_factory, capsys):
    sim = sim_factory(installed=["qwen2.5:7b"])
    code, out, _ = _run(capsys, "variants", "qwen2.5:7b", "--registry", sim.url, *WHAT_IF)
    assert code == 0
    assert out.startswith("qwen2.5: For the daemon at ")
    assert "Pick: qwen2.5:7b-instruct-" in out and "KLD" in out and "TOK/S" in out
    assert "measured on Llama 3 8B, not on this model" in out
    starred = [line for line in out.splitlines() if line.startswith("* ")]
    assert len(starred) == 1
    installed = [line for line in out.splitlines() if "installed" in line]
    assert len(installed) == 1 and catalog().resolve("qwen2.5:7b").tag in installed[0]


def test_fit_remote_model_without_daemon_says_so(unreachable_host, sim_factory, capsys):
    registry = sim_factory()
    code, out, err = _run(capsys, "fit", "llama3.1:8b-instruct-q8_0", "--json", "--host",
                          unreachable_host, "--registry", registry.url, *WHAT_IF)
    assert code == 0
    assert "Cannot reach the Ollama daemon" in err and "newest" in err
    result = json.loads(out)
    assert result["model"] == "llama3.1:8b-instruct-q8_0" and result["quant"] == "Q8_0"
    assert set(result) >= {"model", "quant", "num_ctx", "ollama_version", "estimate",
                           "placement", "verdict", "max_gpu_ctx", "reason", "machine",
                           "quality", "speed", "alternatives", "explanation"}
    assert result["quality"]["mean_kld"] == 0.001355 and result["speed"]["kind"] == "estimate"
    assert result["verdict"] == "partial"
    assert 0 < result["placement"]["gpu_layers"] < result["placement"]["total_layers"]


def test_fit_installed_model_uses_the_daemons_version_and_tensors(sim_factory, capsys):
    sim = sim_factory(installed=["llama3.2:1b"], version="0.12.6")
    code, out, err = _run(capsys, "fit", "llama3.2:1b", "--json", "--num-ctx", "8192",
                          "--registry", sim.url, *WHAT_IF)
    assert code == 0, err
    result = json.loads(out)
    assert result["ollama_version"] == "0.12.6" and result["num_ctx"] == 8192
    assert result["verdict"] == "gpu" and result["max_gpu_ctx"] >= 8192


def test_fit_falls_back_to_a_sibling_header_when_the_own_one_is_truncated(sim, capsys):
    sim.remote.faults.header_modes["8b-instruct-q6_k"] = "truncated"
    code, out, err = _run(capsys, "fit", "llama3.1:8b-instruct-q6_K", "--json",
                          "--registry", sim.url, *WHAT_IF)
    assert code == 0, err
    assert json.loads(out)["quant"] == "Q6_K"


def test_every_header_hostile_falls_back_to_the_snapshot_or_fails_clearly(sim, capsys):
    sim.remote.faults.header_modes["*"] = "hostile"
    # the library model's shape is in the bundled snapshot: the answer says it used it
    code, out, err = _run(capsys, "fit", "llama3.1:8b-text-q4_0", "--json", "--registry",
                          sim.url, *WHAT_IF)
    assert code == 0 and json.loads(out)["quant"] == "Q4_0"
    assert "is from the snapshot of" in err
    # a Hugging Face repository has no snapshot: a clear failure
    code, out, err = _run(capsys, "fit", "hf.co/quantdesk-sim/llama3.2-3B-Instruct-GGUF:Q4_K_M",
                          "--registry", sim.url, *WHAT_IF)
    assert code == 1 and out == ""
    assert "could not be read" in err


def test_errors_registry_down_and_missing_tag(sim, capsys, unreachable_host):
    # a model the snapshot lacks, with no registry: the registry's own error
    code, _, err = _run(capsys, "variants", "no-such-model", "--registry",
                        f"http://{unreachable_host}", *WHAT_IF)
    assert code == 1 and f"cannot reach http://{unreachable_host}" in err
    code, _, err = _run(capsys, "fit", "llama3.1:8b-instruct-q9_9", "--registry", sim.url,
                        *WHAT_IF)
    assert code == 1 and "not found" in err


def test_hugging_face_variants(sim, capsys):
    from quantdesk.sim.remote.blobs import _real_header

    # The simulated repository builds each real-vocabulary GGUF header on first read (about a
    # second of CPU apiece); built here first, a loaded machine cannot push those reads past
    # the CLI's header deadline, which a real Hugging Face would never make it wait for.
    for v in catalog().variants():
        if (v.model, v.build, v.kind) == ("llama3.2", "3b", "instruct"):
            _real_header(v)
    code, out, _ = _run(capsys, "variants", "hf.co/quantdesk-sim/llama3.2-3B-Instruct-GGUF",
                        "--json", "--registry", sim.url, *WHAT_IF)
    assert code == 0
    rows = json.loads(out)["variants"]
    assert {r["quant"] for r in rows} == {v.quant.name for v in catalog().variants()
                                          if v.model == "llama3.2" and v.build == "3b"
                                          and v.kind == "instruct"}
    assert all(r["fit"] is not None for r in rows)
    assert [r["pullable"] for r in rows if r["quant"] == "F16"] == [False]


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fit", "llama3.1", "--kv-cache-type", "q2"])
    assert info.value.code == 2


def test_fit_qwen3_same_total_with_and_without_vocab_size(sim_factory):
    # convert/convert_qwen2.go writes no qwen*.vocab_size and non-verbose show nulls the
    # tokens: the vocabulary must come from token_embd.weight's shape (151936 rows)
    import asyncio

    from quantdesk.core.architecture import Architecture
    from quantdesk.core.fit import FitOptions, estimate_fit
    from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
    from quantdesk.core.ollama import OllamaClient

    sim = sim_factory(installed=["qwen3:4b"])

    async def shown():
        async with OllamaClient(sim.host) as c:
            return await c.show_shape("qwen3:4b")

    show = asyncio.run(shown())
    info = dict(show.model_info)
    assert "qwen3.vocab_size" not in info and info["tokenizer.ggml.tokens"] is None
    tensors = [(t.name, t.type, tuple(t.shape)) for t in show.tensors]
    machine = Machine(cpu=Cpu("x", 8, 8), ram=Ram(32 << 30, 24 << 30, 0, 0),
                      gpus=(Gpu("nvidia", 0, "RTX", 8 << 30, 8 << 30),))
    opts = FitOptions(num_ctx=4096, ollama_version="0.7.1")
    without = Architecture.from_model_info(info, tensors=tensors)
    with_key = Architecture.from_model_info({**info, "qwen3.vocab_size": 151936})
    assert without.vocab_size == with_key.vocab_size == 151936
    a = estimate_fit(without, machine, opts, tensors=tensors, quant="Q4_K_M")
    b = estimate_fit(with_key, machine, opts, tensors=tensors, quant="Q4_K_M")
    assert a.estimate.total_bytes == b.estimate.total_bytes
    assert a.estimate.graph_bytes > 300 << 20  # the graph with the real vocabulary


def test_per_layer_arrays_of_a_hybrid_come_from_verbose_show(sim_factory):
    import asyncio

    import pytest

    from quantdesk.core.architecture import Architecture, NeedsVerbose
    from quantdesk.core.ollama import OllamaClient

    sim = sim_factory(installed=["lfm2.5-thinking:1.2b"])

    async def both():
        async with OllamaClient(sim.host) as c:
            return await c.show("lfm2.5-thinking:1.2b"), await c.show_shape(
                "lfm2.5-thinking:1.2b")

    plain, shaped = asyncio.run(both())
    with pytest.raises(NeedsVerbose):
        Architecture.from_model_info(dict(plain.model_info))
    arch = Architecture.from_model_info(dict(shaped.model_info), tensors=shaped.tensors)
    assert arch.head_count_kv == (0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0)
    assert arch.vocab_size == 65536
