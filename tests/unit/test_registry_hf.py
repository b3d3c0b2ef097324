"""Hugging Face GGUF repositories: file-name quant rules, shards, projectors, paginated listing."""

from __future__ import annotations

import pytest

from quantdesk.core.registry import Endpoints, RemoteModelNotFound, discover, new_http_client
from quantdesk.core.registry.huggingface import (
    GgufFile,
    level_for_label,
    quant_label,
    variants_from_files,
)
from quantdesk.sim.catalog import catalog
from quantdesk.sim.remote import RemoteServer

REPO = "hf.co/quantdesk-sim/llama3.1-8B-Instruct-GGUF"


@pytest.mark.parametrize(("path", "label", "level"), [
    ("Demo-3B-Instruct-Q4_K_M.gguf", "Q4_K_M", "Q4_K_M"),
    ("demo.q8_0.gguf", "Q8_0", "Q8_0"),
    ("Demo-UD-Q2_K_XL.gguf", "UD-Q2_K_XL", "Q2_K"),
    ("Demo-Q6_K_L.gguf", "Q6_K_L", "Q6_K"),
    ("Demo-Q4_0_4_4.gguf", "Q4_0_4_4", "Q4_0"),
    ("Demo-IQ4_XS.gguf", "IQ4_XS", "IQ4_XS"),
    ("Q8_0/Demo-Q8_0-00001-of-00002.gguf", "Q8_0", "Q8_0"),
    ("Demo-BF16.gguf", "BF16", "BF16"),
    ("README.gguf", None, None),
])
def test_quant_label_follows_hugging_faces_last_match_rule(path, label, level):
    assert quant_label(path) == label
    lvl = level_for_label(label) if label else None
    assert (lvl.name if lvl else None) == level


def test_shards_are_summed_and_projectors_added_to_the_total():
    files = [
        GgufFile("Demo-Q4_K_M.gguf", 2_000, "a" * 64),
        GgufFile("mmproj-Demo-F16.gguf", 300, "b" * 64),
        GgufFile("Q8_0/Demo-Q8_0-00001-of-00002.gguf", 2_500, "c" * 64),
        GgufFile("Q8_0/Demo-Q8_0-00002-of-00002.gguf", 1_500, "d" * 64),
    ]
    vs = {v.tag: v for v in variants_from_files("o", "r", files, Endpoints())}
    assert set(vs) == {"Q4_K_M", "Q8_0"}
    assert vs["Q8_0"].model_bytes == 4_000 and vs["Q8_0"].size_bytes == 4_300
    assert not vs["Q8_0"].pullable and "shard" in vs["Q8_0"].note
    assert vs["Q4_K_M"].pullable and vs["Q4_K_M"].digest == "sha256:" + "a" * 64
    assert vs["Q4_K_M"].name == "hf.co/o/r:Q4_K_M"
    assert vs["Q8_0"].blob_url.endswith("/o/r/resolve/main/Q8_0/Demo-Q8_0-00001-of-00002.gguf")


@pytest.mark.parametrize("page_size", [0, 4])
async def test_listing_over_the_wire_with_pagination(page_size):
    with RemoteServer() as remote:
        remote.faults.hf_page_size = page_size
        async with new_http_client() as http:
            d = await discover(REPO, http=http, endpoints=Endpoints.from_option(remote.url))
        if page_size:
            assert remote.faults.hits["hf_tree"] > 1
    instruct = [v for v in catalog().variants() if v.model == "llama3.1" and v.kind == "instruct"
                and v.build == "8b"]
    assert d.source == "huggingface"
    assert {v.tag for v in d.variants} == {v.quant.name for v in instruct}
    for v in d.variants:
        cat = next(c for c in instruct if c.quant.name == v.tag)
        assert v.model_bytes == cat.model_bytes
        if v.pullable:  # confirmed by the hf.co manifest: the library's digest
            assert v.confirmed and v.digest == "sha256:" + catalog().manifest_for(cat.name).digest
        else:
            assert v.tag == "F16" and v.digest is None


async def test_quant_tag_selects_one_case_insensitively_and_unknown_repo_fails():
    with RemoteServer() as remote:
        async with new_http_client() as http:
            ep = Endpoints.from_option(remote.url)
            d = await discover(REPO + ":q5_k_m", http=http, endpoints=ep)
            assert [v.tag for v in d.variants] == ["Q5_K_M"]
            with pytest.raises(RemoteModelNotFound, match="nobody"):
                await discover("hf.co/nobody/nothing", http=http, endpoints=ep)
            with pytest.raises(RemoteModelNotFound):
                await discover(REPO + ":IQ1_S", http=http, endpoints=ep)
