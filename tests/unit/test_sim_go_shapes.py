"""The simulator writes what Ollama's Go structs marshal: the same keys, zero values omitted
where the tag says ``omitempty``, timestamps in the zone the handler uses, and the handler's
own error text.

The expected key sets are copied by hand from the struct tags of ``api/types.go`` (v0.32.15 =
v0.33.0-rc2), not taken from the simulator.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

# api/types.go ShowResponse, every tag; only model_info lacks omitempty
SHOW_TAGS = {"license", "modelfile", "parameters", "template", "system", "renderer", "parser",
             "details", "messages", "remote_model", "remote_host", "model_info",
             "projector_info", "tensors", "capabilities", "modified_at", "requires"}
# ProcessModelResponse: no omitempty at all (Details' omitempty never drops a struct)
PS_TAGS = {"name", "model", "size", "digest", "details", "expires_at", "size_vram",
           "context_length"}
# ListModelResponse: remote_model/remote_host/capabilities omitempty
TAGS_REQUIRED = {"name", "model", "modified_at", "size", "digest", "details"}
TAGS_OPTIONAL = {"remote_model", "remote_host", "capabilities"}
# ModelDetails: context_length/embedding_length omitempty
DETAILS_REQUIRED = {"parent_model", "format", "family", "families", "parameter_size",
                    "quantization_level"}


@pytest.fixture
def new_york():
    """Local time five hours behind UTC, so a local stamp and a UTC one differ."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    mp.undo()
    time.tzset()


def test_show_keys_are_the_go_tags_with_empty_ones_omitted(sim_factory):
    sim = sim_factory(installed=["nomic-embed-text:v1.5", "qwen3:4b"])
    embed = httpx.post(sim.url + "/api/show", json={"model": "nomic-embed-text:v1.5"}).json()
    # an embedding model has no template: `json:"template,omitempty"` drops the ""
    assert "template" not in embed
    assert set(embed) <= SHOW_TAGS
    assert {"modelfile", "details", "model_info", "tensors", "capabilities",
            "modified_at"} <= set(embed)
    qwen = httpx.post(sim.url + "/api/show", json={"model": "qwen3:4b"}).json()
    assert set(qwen) <= SHOW_TAGS and qwen["template"] and qwen["license"]
    # GetModelInfo sets no renderer/parser for a GGUF model, remote_* only for a cloud stub,
    # and nothing the simulated config lacks (system, messages, requires)
    assert not {"renderer", "parser", "remote_model", "remote_host", "system", "messages",
                "requires", "projector_info"} & set(qwen)
    assert set(qwen["details"]) == DETAILS_REQUIRED  # GetModelInfo fills no context_length


def test_show_404_names_the_shortest_form_with_its_tag(sim_factory):
    # ShowHandler: req.Model = name.DisplayShortest(), then
    # c.JSON(404, gin.H{"error": fmt.Sprintf("model '%s' not found", req.Model)})
    sim = sim_factory()
    for asked, shown in (("llama3.1", "llama3.1:latest"),
                         ("library/llama3.1:8b", "llama3.1:8b"),
                         ("registry.ollama.ai/library/qwen3", "qwen3:latest"),
                         ("jmorganca/m", "jmorganca/m:latest"),
                         ("hf.co/bartowski/x-GGUF:Q4_K_M", "hf.co/bartowski/x-GGUF:Q4_K_M"),
                         ("qwen3:4b:local", "qwen3:4b")):
        r = httpx.post(sim.url + "/api/show", json={"model": asked})
        assert (r.status_code, r.json()) == (404, {"error": f"model '{shown}' not found"}), asked


def test_ps_and_tags_entries_have_the_go_keys(sim_factory):
    sim = sim_factory(installed=["qwen3:4b"])
    httpx.post(sim.url + "/api/generate", json={"model": "qwen3:4b"}, timeout=30)
    [running] = httpx.get(sim.url + "/api/ps").json()["models"]
    assert set(running) == PS_TAGS
    assert set(running["details"]) == DETAILS_REQUIRED  # PsHandler sets no context_length
    [listed] = httpx.get(sim.url + "/api/tags").json()["models"]
    assert TAGS_REQUIRED <= set(listed) <= TAGS_REQUIRED | TAGS_OPTIONAL
    assert not {"remote_model", "remote_host"} & set(listed)  # omitempty: a local model
    assert set(listed["details"]) >= DETAILS_REQUIRED


def _lines(sim, path, body):
    with httpx.stream("POST", sim.url + path, json=body, timeout=30) as r:
        return [json.loads(line) for line in r.iter_lines() if line]


def test_replies_are_stamped_in_utc_and_file_times_in_local_time(sim_factory, new_york):
    # routes.go: every GenerateResponse/ChatResponse is built with CreatedAt:
    # time.Now().UTC(), which Go marshals with a "Z"; modified_at is the manifest's
    # ModTime() and expires_at time.Now().Add(...), both in local time ("-05:00"/"-04:00").
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    name = "qwen2.5:0.5b"
    replies = [httpx.post(sim.url + "/api/generate", json={"model": name}).json()]
    replies += _lines(sim, "/api/generate", {"model": name, "prompt": "hi",
                                             "options": {"num_predict": 3}})
    replies += _lines(sim, "/api/chat", {"model": name, "options": {"num_predict": 3},
                                         "messages": [{"role": "user", "content": "hi"}]})
    [running] = httpx.get(sim.url + "/api/ps").json()["models"]
    [listed] = httpx.get(sim.url + "/api/tags").json()["models"]
    replies.append(httpx.post(sim.url + "/api/generate",
                              json={"model": name, "keep_alive": 0}).json())
    assert len(replies) > 4
    for reply in replies:
        assert reply["created_at"].endswith("Z"), reply
    for stamp in (running["expires_at"], listed["modified_at"]):
        assert stamp[-6:] in ("-05:00", "-04:00"), stamp
