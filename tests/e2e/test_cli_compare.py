"""``quantdesk compare`` and ``quantdesk history`` as a user runs them, against the simulator."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

MODELS = ["llama3.2:1b-instruct-q3_K_M", "llama3.2:1b-instruct-q8_0"]


@pytest.fixture
def env(sim_factory, tmp_path):
    sim = sim_factory(installed=MODELS)
    return {**os.environ, "OLLAMA_HOST": sim.host, "QUANTDESK_DATA_DIR": str(tmp_path / "data"),
            "QT_QPA_PLATFORM": "offscreen"}


def qd(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quantdesk", *args], capture_output=True,
                          text=True, timeout=60, env=env, check=False)


def test_compare_json_history_and_exports(env, tmp_path):
    done = qd(env, "compare", *MODELS, "--prompt", "Why <b>quantize</b>?", "--json",
              "--num-predict", "40", "--export", str(tmp_path / "c.md"))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= {"id", "fingerprint", "reference", "runs"}
    assert data["reference"] == MODELS[1]
    assert data["fingerprint"]["digests"].keys() == set(MODELS)
    keys = {"model", "load_s", "ttft_s", "prompt_tps", "eval_tps", "size", "size_vram",
            "predicted_bytes", "first_divergence", "agreement", "approx_kl", "accuracy",
            "response"}
    for run in data["runs"]:
        assert keys <= set(run) and run["response"] and run["eval_tps"] > 0
    # Best first, as the app ranks them: both finished, and the reference (which reproduces
    # itself) outranks the variant that agreed with it on fewer tokens.
    ref, low = data["runs"]
    assert [r["model"] for r in data["runs"]] == [MODELS[1], MODELS[0]]
    assert [r["rank"] for r in data["runs"]] == [1, 2]
    assert low["agreement"] < ref["agreement"] == 1.0
    table = (tmp_path / "c.md").read_text()
    first_row = next(line for line in table.splitlines() if line.startswith("| 1 |"))
    assert "q8" in first_row and "(ref)" in first_row
    assert "loading" in done.stderr and "done" in done.stderr  # progress on stderr
    heading = "# Comparison " + data["id"]  # readable: nothing in an id needs escaping
    assert (tmp_path / "c.md").read_text().startswith(heading)

    listed = qd(env, "history", "--json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry == {"id": data["id"], "created_at": entry["created_at"], "models": MODELS,
                     "complete": True}
    assert dt.datetime.fromisoformat(entry["created_at"]).tzinfo is not None
    for ext in ("json", "csv"):
        out = tmp_path / f"h.{ext}"
        exported = qd(env, "history", "export", data["id"], str(out))
        assert exported.returncode == 0, exported.stderr
    assert json.loads((tmp_path / "h.json").read_text())["comparison"]["id"] == data["id"]
    rows = list(csv.DictReader((tmp_path / "h.csv").read_text().splitlines()))
    assert [(r["rank"], r["model"]) for r in rows] == [("1", MODELS[1]), ("2", MODELS[0])]
    ranking = json.loads((tmp_path / "h.json").read_text())["ranking"]
    assert ranking == [{"model": MODELS[1], "rank": 1}, {"model": MODELS[0], "rank": 2}]

    shown = qd(env, "history", "show", data["id"])
    assert shown.returncode == 0 and MODELS[0] in shown.stdout and data["id"] in shown.stdout
    assert qd(env, "history", "rm", data["id"]).returncode == 0
    assert json.loads(qd(env, "history", "--json").stdout) == []
    gone = qd(env, "history", "show", data["id"])
    assert gone.returncode == 1 and "no comparison" in gone.stderr


def test_task_set_table_for_people(env):
    done = qd(env, "compare", *MODELS, "--tasks", "arith:3")
    assert done.returncode == 0, done.stderr
    assert "ACCURACY" in done.stdout and "0%" in done.stdout and "cmp-" in done.stdout
    header, *rows = [line for line in done.stdout.splitlines() if line.strip()][:3]
    assert header.split()[:2] == ["#", "MODEL"]
    assert [r.split()[0] for r in rows] == ["1", "2"]  # the ranking the app shows


def test_errors_a_user_can_fix(env):
    missing = qd(env, "compare", MODELS[0], "llama3.2:1b-instruct-q5_0", "--prompt", "x")
    assert missing.returncode == 1 and "--pull" in missing.stderr
    together = qd(env, "compare", *MODELS, "--prompt", "x", "--together")
    assert together.returncode == 1 and "together" in together.stderr
    assert qd(env, "compare", *MODELS).returncode == 2  # neither --prompt nor --tasks
    assert qd(env, "compare", *MODELS, "--tasks", "trivia:3").returncode == 1
    assert qd(env, "compare", MODELS[0], "--prompt", "x").returncode == 1  # one variant


LADDER = [f"llama3.2:1b-instruct-{q}" for q in ("q2_K", "q4_K_M", "q8_0", "fp16")]


def test_task_accuracy_ranking_follows_bits(sim_factory, tmp_path):
    from quantdesk.core.quant import parse_quant
    from quantdesk.core.tasks import make_tasks
    from quantdesk.sim.task_answers import answers_wrong

    sim = sim_factory(installed=LADDER, token_rate_scale=20_000.0)
    env = {**os.environ, "OLLAMA_HOST": sim.host, "QUANTDESK_DATA_DIR": str(tmp_path / "data"),
           "QT_QPA_PLATFORM": "offscreen"}
    done = qd(env, "compare", *LADDER, "--tasks", "mixed:40", "--seed", "7", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["reference"] == LADDER[-1]
    accuracy = {r["model"]: r["accuracy"] for r in data["runs"]}
    by_bits = [accuracy[m] for m in reversed(LADDER)]
    assert by_bits == sorted(by_bits, reverse=True)
    assert accuracy[LADDER[-1]] == 1.0 and accuracy[LADDER[0]] <= 0.8
    tasks = make_tasks("mixed", 40, 7)
    for model in LADDER:  # the share the simulator's calibrated draws imply, task by task
        level = parse_quant(model.rsplit("-", 1)[1])
        wrong = sum(answers_wrong("llama3.2:1b-instruct", level, t.prompt, 7) for t in tasks)
        assert accuracy[model] == pytest.approx(1 - wrong / 40)
