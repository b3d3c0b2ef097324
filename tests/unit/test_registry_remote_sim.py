"""The simulator's registry and CDN speak the protocol the readers rely on."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from quantdesk.core.gguf import GGUFLimitError, GGUFTruncatedError, fetch_gguf_header
from quantdesk.sim.catalog import catalog
from quantdesk.sim.remote import RemoteServer

NAME = "llama3.2:3b-instruct-q4_K_M"

# The simulated registry builds a blob's GGUF header on its first request: seconds on a loaded
# machine, past httpx's 5 s default, which is not what these tests are about.
LONG_S = 60.0


def _get(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(url, timeout=LONG_S, **kwargs)


@pytest.fixture
def remote():
    with RemoteServer() as server:
        yield server


def _blob_url(remote, name=NAME):
    digest = catalog().manifest_for(name).layers[0].digest
    return f"{remote.url}/v2/library/llama3.2/blobs/{digest}"


def test_manifest_bytes_hash_to_the_catalog_digest(remote):
    r = _get(f"{remote.url}/v2/library/llama3.2/manifests/3b-instruct-q4_K_M")
    assert r.status_code == 200
    assert hashlib.sha256(r.content).hexdigest() == catalog().manifest_for(NAME).digest
    missing = _get(f"{remote.url}/v2/library/llama3.2/manifests/3b-nope")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"


def test_model_blob_redirects_307_and_cdn_honours_range(remote):
    r = _get(_blob_url(remote))
    assert r.status_code == 307 and "/ollama/docker/registry/v2/blobs/sha256/" in r.headers[
        "location"]
    cdn = r.headers["location"]
    size = catalog().resolve(NAME).model_bytes
    head = httpx.head(cdn, timeout=LONG_S)
    assert head.headers["accept-ranges"] == "bytes" and int(head.headers["content-length"]) == size
    part = _get(cdn, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content[:4] == b"GGUF" and len(part.content) == 8
    assert part.headers["content-range"] == f"bytes 0-7/{size}"
    tail = _get(cdn, headers={"Range": f"bytes={size - 3}-"})
    assert tail.status_code == 206 and tail.content == b"\0\0\0"
    beyond = _get(cdn, headers={"Range": f"bytes={size}-{size + 9}"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"


async def test_header_read_through_the_redirect_matches_the_catalog(remote):
    async with httpx.AsyncClient(follow_redirects=True, timeout=LONG_S) as http:
        header = await fetch_gguf_header(_blob_url(remote), http)
    variant = catalog().resolve(NAME)
    assert header.architecture == variant.architecture
    info = header.model_info()
    assert info[f"{variant.architecture}.block_count"] == variant.block_count
    assert header.bytes_read < 64 << 20


@pytest.mark.parametrize(("mode", "error"), [("truncated", GGUFTruncatedError),
                                              ("hostile", GGUFLimitError)])
async def test_header_faults_surface_as_clear_errors(remote, mode, error):
    remote.faults.header_modes["3b-instruct-q4_k_m"] = mode
    async with httpx.AsyncClient(follow_redirects=True, timeout=LONG_S) as http:
        with pytest.raises(error):
            await fetch_gguf_header(_blob_url(remote), http)


def test_non_remote_paths_are_left_to_the_daemon(remote):
    assert _get(f"{remote.url}/api/tags").status_code == 404
    assert _get(f"{remote.url}/nothing/here").status_code == 404
