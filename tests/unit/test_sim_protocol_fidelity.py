"""Quirks of ollama-api.md the simulator must reproduce, over real loopback sockets:
``:local``/``:cloud`` references, the insecure-protocol refusal, ``raw`` generation, chat role
casing and the casing an overwritten copy keeps."""

from __future__ import annotations

import json

import httpx
import pytest

CONFLICT = "use either :local or :cloud, not both"


def post(sim, path, **body):
    return httpx.post(sim.url + path, json=body, timeout=10)


def lines_of(sim, path, **body):
    with httpx.stream("POST", sim.url + path, json=body, timeout=10) as r:
        assert r.status_code == 200
        return [json.loads(line) for line in r.iter_lines()]


def test_pull_drops_an_explicit_local_suffix(sim):
    lines = lines_of(sim, "/api/pull", model="qwen2.5:0.5b:local")
    assert lines[-1] == {"status": "success"}
    assert sim.installed_names() == ["qwen2.5:0.5b"]


@pytest.mark.parametrize(
    "ref", ["qwen2.5:0.5b:cloud:local", "qwen2.5:0.5b:local:cloud", "gpt-oss:20b-cloud:local"]
)
def test_conflicting_source_suffixes_are_400_everywhere(sim_factory, ref):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    for path, body in (
        ("/api/pull", {"model": ref}),
        ("/api/show", {"model": ref}),
        ("/api/generate", {"model": ref}),
        ("/api/chat", {"model": ref, "messages": []}),
    ):
        r = post(sim, path, **body)
        assert r.status_code == 400, path
        # Go wraps the constant with the refused reference (%w: %q).
        assert r.json() == {"error": f'{CONFLICT}: "{ref}"'}, path
    r = httpx.request("DELETE", sim.url + "/api/delete", json={"model": ref})
    assert (r.status_code, r.json()["error"].split(":")[0]) == (400, CONFLICT.split(":")[0])


def test_local_suffix_reaches_the_installed_model(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    r = post(sim, "/api/show", model="qwen2.5:0.5b:LOCAL")
    assert r.status_code == 200 and r.json()["details"]["quantization_level"]
    r = post(sim, "/api/generate", model="qwen2.5:0.5b:local")
    assert (r.status_code, r.json()["done_reason"]) == (200, "load")
    # A cloud reference is another model: it never resolves to the local install.
    r = post(sim, "/api/show", model="qwen2.5:0.5b:cloud")
    assert (r.status_code, r.json()) == (404, {"error": "model 'qwen2.5:0.5b:cloud' not found"})
    r = httpx.request("DELETE", sim.url + "/api/delete", json={"model": "qwen2.5:0.5b:local"})
    assert (r.status_code, r.content) == (200, b"")
    assert sim.installed_names() == []


def test_cloud_pull_asks_the_registry_for_the_stub_tag(sim):
    # The catalog has no cloud stubs, so the point is only that the name was accepted and
    # turned into a tag the registry is asked for, not refused as an invalid name.
    assert lines_of(sim, "/api/pull", model="qwen2.5:0.5b:cloud") == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]


def test_http_scheme_needs_insecure(sim):
    r = post(sim, "/api/pull", model="http://example.invalid/ns/m:t")
    assert (r.status_code, r.json()) == (500, {"error": "insecure protocol http"})
    assert r.headers["content-type"].startswith("application/json")
    r = post(sim, "/api/pull", model="http://example.invalid/ns/m:t", stream=False)
    assert (r.status_code, r.json()) == (500, {"error": "insecure protocol http"})
    lines = lines_of(sim, "/api/pull", model="http://example.invalid/ns/m:t", insecure=True)
    assert lines[0] == {"status": "pulling manifest"}
    assert '"http://example.invalid/v2/ns/m/manifests/t"' in lines[-1]["error"]


def test_raw_generate_has_no_context(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"], reply_words=3)
    cooked = post(sim, "/api/generate", model="qwen2.5:0.5b", prompt="hi there", stream=False)
    assert isinstance(cooked.json()["context"], list) and cooked.json()["context"]
    raw = post(sim, "/api/generate", model="qwen2.5:0.5b", prompt="hi", raw=True, stream=False)
    assert raw.status_code == 200 and raw.json()["done"] and "context" not in raw.json()
    final = lines_of(sim, "/api/generate", model="qwen2.5:0.5b", prompt="hi", raw=True)[-1]
    assert final["done"] and "context" not in final


@pytest.mark.parametrize("extra", [{"system": "be brief"}, {"template": "{{ .Prompt }}"},
                                   {"context": [1, 2, 3]}])
def test_raw_refuses_template_system_and_context(sim_factory, extra):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    r = post(sim, "/api/generate", model="qwen2.5:0.5b", prompt="hi", raw=True, **extra)
    assert (r.status_code, r.json()) == (
        400, {"error": "raw mode does not support template, system, or context"}
    )


def test_chat_roles_are_lower_cased(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"], reply_words=12)

    def reply(role):
        r = post(sim, "/api/chat", model="qwen2.5:0.5b", stream=False,
                 messages=[{"role": role, "content": "Name three colours."}],
                 options={"seed": 7, "temperature": 0.9})
        assert r.status_code == 200
        return r.json()["message"]["content"]

    lower = reply("user")
    assert lower
    assert reply("USER") == lower and reply("User") == lower


def test_copy_over_an_existing_name_keeps_its_casing(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b", "mistral:7b"])
    assert post(sim, "/api/copy", source="qwen2.5:0.5b", destination="My-Model").status_code == 200
    r = post(sim, "/api/copy", source="mistral:7b", destination="my-model")
    assert (r.status_code, r.content) == (200, b"")
    models = httpx.get(sim.url + "/api/tags").json()["models"]
    names = [m["name"] for m in models]
    assert "My-Model:latest" in names and "my-model:latest" not in names
    copied = next(m for m in models if m["name"] == "My-Model:latest")
    mistral = next(m for m in models if m["name"] == "mistral:7b")
    assert copied["digest"] == mistral["digest"]  # overwritten, silently
