"""``quantdesk history`` actions accept the global options after their own arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MODELS = ["llama3.2:1b-instruct-q4_K_M", "llama3.2:1b-instruct-q8_0"]


def qd(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quantdesk", *args], capture_output=True,
                          text=True, timeout=60, env=env, check=False)


@pytest.fixture
def stored(sim_factory, tmp_path, unreachable_host):
    """A stored comparison; OLLAMA_HOST points nowhere, so only --host reaches the sim."""
    sim = sim_factory(installed=MODELS)
    env = {**os.environ, "OLLAMA_HOST": unreachable_host,
           "QUANTDESK_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}
    done = qd(env, "compare", *MODELS, "--prompt", "Why quantize?", "--num-predict", "8",
              "--host", sim.host, "--json")
    assert done.returncode == 0, done.stderr
    return env, sim, json.loads(done.stdout)["id"]


def test_rerun_takes_host_and_json_after_the_id(stored):
    env, sim, cid = stored
    cut = qd(env, "history", "rerun", cid)
    assert cut.returncode == 1 and cid not in cut.stdout  # OLLAMA_HOST leads nowhere
    again = qd(env, "history", "rerun", cid, "--host", sim.host, "--json")
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["id"] != cid and sorted(r["model"] for r in data["runs"]) == sorted(MODELS)
    assert [r["rank"] for r in data["runs"]] == [1, 2]  # best first, as the app ranks them
    assert isinstance(data["changes"], list)
    before = qd(env, "--host", sim.host, "history", "--json", "rerun", cid)
    assert before.returncode == 0 and json.loads(before.stdout)["id"] not in (cid, data["id"])


def test_export_and_show_accept_json_after_their_arguments(stored, tmp_path):
    env, _, cid = stored
    out = tmp_path / "c.csv"
    exported = qd(env, "history", "export", cid, str(out), "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == {"exported": cid, "file": str(out)}
    assert cid in out.read_text()
    plain = qd(env, "history", "export", cid, str(tmp_path / "c.md"))
    assert plain.returncode == 0 and plain.stdout == "" and "exported" in plain.stderr
    shown = qd(env, "history", "show", cid, "--json", "--registry", "http://127.0.0.1:9")
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == cid


def test_rm_json_prints_what_was_removed(stored):
    env, _, cid = stored
    removed = qd(env, "history", "rm", cid, "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout) == {"removed": cid}
    assert json.loads(qd(env, "history", "--json").stdout) == []
    again = qd(env, "history", "rm", cid, "--json")
    assert again.returncode == 1 and again.stdout == "" and cid in again.stderr
