"""Library discovery against the simulated registry and pages, over real loopback sockets."""

from __future__ import annotations

import pytest

from quantdesk.core.registry import (
    Endpoints,
    PageCache,
    RegistryResponseError,
    RegistryUnreachable,
    RemoteModelNotFound,
    discover,
    new_http_client,
)
from quantdesk.sim.catalog import catalog
from quantdesk.sim.remote import RemoteServer


@pytest.fixture
def remote():
    with RemoteServer() as server:
        yield server


async def _discover(url, name, **kw):
    async with new_http_client() as http:
        return await discover(name, http=http, endpoints=Endpoints.from_option(url), **kw)


def _catalog_manifest(name):
    return catalog().manifest_for(name)


async def test_page_path_gives_exact_sizes_and_digests_of_every_variant(remote):
    d = await _discover(remote.url, "llama3.1")
    assert d.source == "page"
    real = {v.tag for v in catalog().variants() if v.model == "llama3.1"}
    assert {v.tag for v in d.variants} == real
    for v in d.variants:
        m = _catalog_manifest(v.name)
        assert v.digest == "sha256:" + m.digest
        assert v.size_bytes == m.total_size
        assert v.model_bytes == m.layers[0].size
        assert v.confirmed and v.quant is not None
        assert v.quant.name == catalog().resolve(v.name).quant.name
    default = next(v for v in d.variants if "latest" in v.aliases)
    assert default.tag == catalog().resolve("llama3.1:latest").tag
    sizes = [v.model_bytes for v in d.variants]
    assert sizes == sorted(sizes, reverse=True)


async def test_size_tag_narrows_and_full_tag_selects_one(remote):
    d = await _discover(remote.url, "qwen2.5:7b")
    assert d.variants and all(v.tag.startswith("7b") for v in d.variants)
    one = await _discover(remote.url, "llama3.1:8b-text-q8_0")
    assert [v.tag for v in one.variants] == ["8b-text-q8_0"]


@pytest.mark.parametrize("mode", ["changed", "missing"])
async def test_unreadable_page_falls_back_to_probing_predicted_tags(remote, mode):
    remote.faults.page_mode = mode
    d = await _discover(remote.url, "llama3.1")
    assert d.source == "probe"
    real = {v.tag for v in catalog().variants() if v.model == "llama3.1"}
    assert {v.tag for v in d.variants} == real
    assert any("probed" in n for n in d.notes)
    for v in d.variants:
        assert v.digest == "sha256:" + _catalog_manifest(v.name).digest


async def test_page_host_error_also_falls_back_to_probing(remote):
    remote.faults.fail("/library/", status=503)
    d = await _discover(remote.url, "mistral")
    assert d.source == "probe" and d.variants
    assert any("503" in n for n in d.notes)


async def test_registry_down_names_the_url():
    server = RemoteServer().start()
    url = server.url
    server.stop()
    with pytest.raises(RegistryUnreachable) as info:
        await _discover(url, "llama3.1")
    assert url in str(info.value) and info.value.url.startswith(url)


async def test_registry_error_status_is_reported(remote):
    remote.faults.fail("/v2/library/llama3.1/manifests/", status=500, times=100)
    with pytest.raises(RegistryResponseError, match="500"):
        await _discover(remote.url, "llama3.1:8b")


async def test_missing_model_and_missing_tag(remote):
    with pytest.raises(RemoteModelNotFound, match="no-such-model"):
        await _discover(remote.url, "no-such-model")
    with pytest.raises(RemoteModelNotFound, match="8b-instruct-q9_9"):
        await _discover(remote.url, "llama3.1:8b-instruct-q9_9")


async def test_installed_and_update_status(remote):
    q4 = catalog().resolve("llama3.1:8b")
    installed = {
        "llama3.1:8b": "sha256:" + _catalog_manifest(q4.name).digest,  # current: installed
        "llama3.1:8b-text-q8_0": "0" * 64,  # stale digest: update available
    }
    d = await _discover(remote.url, "llama3.1", installed=installed)
    by_tag = {v.tag: v for v in d.variants}
    assert by_tag[q4.tag].installed and not by_tag[q4.tag].update_available
    assert by_tag["8b-text-q8_0"].update_available and not by_tag["8b-text-q8_0"].installed
    assert by_tag["8b-text-q8_0"].remote_only
    others = [v for t, v in by_tag.items() if t not in (q4.tag, "8b-text-q8_0")]
    assert not any(v.installed or v.update_available for v in others)


async def test_page_cache_is_used_until_the_ttl_expires(remote, tmp_path):
    now = [1000.0]
    cache = PageCache(tmp_path, ttl_s=60, clock=lambda: now[0])
    first = await _discover(remote.url, "gemma2", cache=cache)
    assert first.source == "page" and remote.faults.hits["page"] == 1
    now[0] += 30
    second = await _discover(remote.url, "gemma2", cache=cache)
    assert second.source == "cache" and remote.faults.hits["page"] == 1
    assert [v.digest for v in second.variants] == [v.digest for v in first.variants]
    now[0] += 31
    third = await _discover(remote.url, "gemma2", cache=cache)
    assert third.source == "page" and remote.faults.hits["page"] == 2


async def test_manifests_are_fetched_concurrently_but_bounded(remote):
    remote.faults.latency_s = 0.05
    d = await _discover(remote.url, "llama3.1", concurrency=8)
    assert len(d.variants) == 30
    # Requests overlap (not one after another) yet never more than the limit at once.
    assert 2 <= remote.faults.max_in_flight <= 8
