"""The daemon commands against a real Ollama, when one answers (else skipped).

The daemon is OLLAMA_HOST (default 127.0.0.1:11434). tests/conftest.py probes it with a short
GET / and skips every ``live`` test when it does not answer "Ollama is running"; this module
probes again itself so it also holds when run on its own. Nothing here changes the daemon.
"""

from __future__ import annotations

import json
import os

import httpx
import pytest

from quantdesk.cli.main import main
from quantdesk.core.ollama import parse_host

pytestmark = pytest.mark.live

HOST = parse_host(os.environ.get("OLLAMA_HOST")).url


def _daemon_running() -> bool:
    try:
        resp = httpx.get(HOST + "/", timeout=0.8, trust_env=False)
    except httpx.HTTPError:
        return False
    return "Ollama is running" in resp.text


if not _daemon_running():
    pytest.skip(f"no Ollama daemon answers at {HOST}", allow_module_level=True)


def _json(capsys, *argv: str):
    assert main([*argv, "--json", "--host", HOST]) == 0
    return json.loads(capsys.readouterr().out)


def test_version(capsys):
    data = _json(capsys, "version")
    assert data["daemon"] and data["client"]


def test_ls(capsys):
    models = _json(capsys, "ls")
    assert isinstance(models, list)
    for m in models:
        assert m["name"] and m["size"] > 0 and len(m["digest"]) == 64


def test_ps(capsys):
    running = _json(capsys, "ps")
    assert isinstance(running, list)
    for m in running:
        assert 0 <= m["size_vram"] <= m["size"]


def test_show_an_installed_model(capsys):
    models = _json(capsys, "ls")
    local = [m for m in models if m["size"] > 1_000_000]  # skip cloud stubs
    if not local:
        pytest.skip("no local model installed")
    shown = _json(capsys, "show", local[0]["name"])
    assert shown["details"]["quantization_level"] == local[0]["quantization_level"]
    assert shown["architecture"]
