"""Local status rules, the page cache's edges, and where a variant's architecture comes from."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.quant import parse_quant
from quantdesk.core.registry import (
    Endpoints,
    PageCache,
    Variant,
    discover,
    local_digests,
    new_http_client,
    normalize_name,
    with_local_status,
)
from quantdesk.core.registry.model_shape import model_shape
from quantdesk.core.registry.tags import predicted_tags, sizes_from_model_type
from quantdesk.sim.catalog import catalog
from quantdesk.sim.remote import RemoteServer

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def _variant(tag, digest, aliases=()):
    return Variant(name=f"m:{tag}", tag=tag, quant=parse_quant("q4_K_M"), size_bytes=1,
                   model_bytes=1, digest=digest, aliases=aliases)


@pytest.mark.parametrize(("given", "expected"), [
    ("llama3.1", "llama3.1:latest"), ("Llama3.1:8B", "llama3.1:8b"),
    ("registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b"),
    ("huggingface.co/o/r:Q4_K_M", "hf.co/o/r:q4_k_m"), ("user/m", "user/m:latest")])
def test_names_are_compared_in_one_form(given, expected):
    assert normalize_name(given) == expected


def test_installed_by_digest_under_any_name_and_update_by_name():
    vs = [_variant("8b-q4_K_M", A, aliases=("latest",)), _variant("8b-q8_0", B)]
    local = local_digests([{"name": "m:latest", "digest": "a" * 64},
                           SimpleNamespace(name="m:8b-q8_0", model="", digest="c" * 64),
                           {"name": "other:8b-q8_0", "digest": "b" * 64}])
    out = {v.tag: v for v in with_local_status(vs, local, "m")}
    assert out["8b-q4_K_M"].installed and not out["8b-q4_K_M"].update_available
    # The other model's copy with the same digest does not count; the stale one is an update.
    assert not out["8b-q8_0"].installed and out["8b-q8_0"].update_available


def test_a_12_hex_prefix_matches_and_shorter_never_does():
    (v,) = with_local_status([_variant("t", A)], {"m:t": "a" * 12}, "m")
    assert v.installed
    (v,) = with_local_status([_variant("t", A)], {"m:x": "a" * 6}, "m")
    assert not v.installed


def test_cache_ignores_corrupt_entries_and_unwritable_dirs(tmp_path):
    cache = PageCache(tmp_path / "c", ttl_s=10, clock=lambda: 5.0)
    cache.put("k", "body")
    assert cache.get("k") == "body" and cache.get("other") is None
    for f in (tmp_path / "c").glob("*.json"):
        f.write_text("{not json")
    assert cache.get("k") is None
    blocked = tmp_path / "file"
    blocked.write_text("x")
    PageCache(blocked / "sub").put("k", "v")  # cannot create: silently skipped
    assert PageCache(blocked / "sub").get("k") is None


def test_grammar_predictions():
    assert sizes_from_model_type("8.0B")[0] == "8b"
    assert "3b" in sizes_from_model_type("3.2B") and "0.5b" in sizes_from_model_type("494.03M")
    tags = predicted_tags("8b")
    assert "8b-instruct-q4_K_M" in tags and "8b-text-fp16" in tags and "8b-q8_0" in tags


async def _ladder(remote, name):
    async with new_http_client() as http:
        return (await discover(name, http=http, endpoints=Endpoints.from_option(remote.url))
                ).variants


async def test_shape_prefers_the_daemon_then_own_header_then_a_sibling():
    with RemoteServer() as remote:
        vs = await _ladder(remote, "llama3.2:1b")
        target = next(v for v in vs if v.tag == "1b-instruct-q8_0")
        cat = catalog().resolve(target.name)
        async with new_http_client() as http:
            shape = await model_shape(target, vs, http=http)
            assert shape.source == "header" and shape.tensors
            assert shape.model_info["general.architecture"] == cat.architecture
            remote.faults.header_modes[target.tag.lower()] = "truncated"
            shape = await model_shape(target, vs, http=http)
            assert shape.source == "sibling header" and shape.tensors is None
            assert any("cut short" in n for n in shape.notes)

            calls = []

            async def show(name):
                calls.append(name)
                return SimpleNamespace(model_info={"general.architecture": "x"}, tensors=())

            installed = list(vs)
            installed[0] = dataclasses.replace(vs[0], installed=True)
            shape = await model_shape(target, installed, http=http, show=show)
            assert shape.source == "daemon" and calls == [installed[0].name]
            remote.faults.header_modes["*"] = "hostile"
            with pytest.raises(QuantDeskError, match="could not be read"):
                await model_shape(target, vs, http=http)
