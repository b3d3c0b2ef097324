"""oterm's own request sequence, recorded from oterm 0.26.1 chatting with the simulator
(``bench/oterm_chat.py --record``), replayed with httpx: every request must succeed with the
shape oterm reads, the chat as Server-Sent Events ending ``data: [DONE]`` with a usage chunk
(``middleware/openai.go ChatWriter``)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

RECORDED = json.loads((Path(__file__).parents[1] / "data" / "oterm_requests.json").read_text())


def test_recorded_oterm_session_replays(sim_factory):
    sim = sim_factory(installed=["llama3.2:1b"], token_rate_scale=50)
    assert [r["path"] for r in RECORDED].count("/v1/chat/completions") == 1
    with httpx.Client(base_url=sim.url, timeout=30) as http:
        for req in RECORDED:
            headers = req["headers"]
            if req["path"] == "/v1/chat/completions":
                assert headers["authorization"] == "Bearer ollama"
                with http.stream("POST", req["path"], json=req["body"], headers=headers) as r:
                    assert r.status_code == 200
                    assert r.headers["content-type"] == "text/event-stream"
                    events = [line.removeprefix("data: ") for line in r.iter_lines() if line]
                assert events[-1] == "[DONE]"
                chunks = [json.loads(e) for e in events[:-1]]
                text = "".join((c["choices"][0]["delta"].get("content") or "")
                               for c in chunks if c["choices"])
                assert text.strip()
                assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"]
                continue
            r = http.request(req["method"], req["path"],
                             json=req["body"] if req["method"] == "POST" else None,
                             headers=headers)
            assert r.status_code == 200, req
            data = r.json()
            if req["path"] == "/api/show":
                # oterm shows Size and Caps from these
                assert data["capabilities"] and data["model_info"]["general.architecture"]
            if req["path"] == "/api/tags":
                assert [m["model"] for m in data["models"]] == ["llama3.2:1b"]
