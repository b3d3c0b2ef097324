"""Every catalog variant's /api/show tensors add up to its /api/tags size, to the header.

The expected bytes per tensor come from the block table of fit-model.md §1 (ggml
``TypeSize``/``BlockSize``), typed here rather than taken from the code under test.
"""

from __future__ import annotations

import httpx
import pytest

from quantdesk.core.gguf import fetch_gguf_header
from quantdesk.sim.catalog import catalog

# ggml type -> (bytes per block, weights per block), fit-model.md §1
BLOCKS = {
    "F32": (4, 1), "F16": (2, 1), "BF16": (2, 1), "Q4_0": (18, 32), "Q4_1": (20, 32),
    "Q5_0": (22, 32), "Q5_1": (24, 32), "Q8_0": (34, 32), "Q2_K": (84, 256),
    "Q3_K": (110, 256), "Q4_K": (144, 256), "Q5_K": (176, 256), "Q6_K": (210, 256),
    "IQ4_NL": (18, 32),
}


def _nbytes(t: dict) -> int:
    per_block, block = BLOCKS[t["type"]]
    count = 1
    for d in t["shape"]:
        count *= d
    assert count % block == 0, t
    return count // block * per_block


def _pad(n: int) -> int:
    return -(-n // 32) * 32


def test_tensors_sum_to_the_tags_size_for_every_variant(sim_factory):
    variants = catalog().variants()
    sim = sim_factory(installed=[v.name for v in variants])
    tags = {m["name"]: m for m in httpx.get(sim.url + "/api/tags").json()["models"]}
    assert len(tags) == len(variants)
    for v in variants:
        shown = httpx.post(sim.url + "/api/show", json={"model": v.name}, timeout=30).json()
        sizes = [_nbytes(t) for t in shown["tensors"]]
        data = sum(_pad(n) for n in sizes[:-1]) + sizes[-1]
        manifest = httpx.get(
            f"{sim.url}/v2/library/{v.model}/manifests/{v.tag}",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        ).json()
        small = manifest["config"]["size"] + sum(b["size"] for b in manifest["layers"][1:])
        header = tags[v.name]["size"] - small - data
        assert header == v.header_bytes, v.name
        # a real header: the tokenizer of that vocabulary, never weights
        assert 1_000_000 < header < 16_000_000 and header % 32 == 0, (v.name, header)


def test_tied_q4_k_m_embeddings_are_q6_k(sim_factory):
    # llama-quant.cpp: with no output tensor, token_embd takes the output's rule (Q6_K)
    sim = sim_factory(installed=["qwen3:4b", "llama3.2:3b", "llama3.1:8b"])
    shown = {}
    for name, want in (("qwen3:4b", "Q6_K"), ("llama3.2:3b", "Q6_K"), ("llama3.1:8b", "Q4_K")):
        shown[name] = {t["name"]: t for t in httpx.post(
            sim.url + "/api/show", json={"model": name}).json()["tensors"]}
        assert shown[name]["token_embd.weight"]["type"] == want, name
    # qwen3:4b's output layer is its Q6_K embedding plus the norm: the 304.3 MiB
    # "memory.weights.nonrepeating" of the real load in fit-cases.json case-23
    q = shown["qwen3:4b"]
    output = _nbytes(q["token_embd.weight"]) + _nbytes(q["output_norm.weight"])
    assert output / 2**20 == pytest.approx(304.3, abs=0.05)


def test_llama32_3b_blob_is_the_real_one_to_the_byte(sim_factory):
    # ollama-api.md §12: llama3.2:latest's model layer is 2,019,377,376 bytes and the tags
    # size 2,019,393,189. The tensors llama.cpp's Q4_K_M writes leave a 7.84 MB header.
    sim = sim_factory(installed=["llama3.2:3b"])
    [m] = httpx.get(sim.url + "/api/tags").json()["models"]
    assert m["size"] == 2_019_393_189


async def test_served_blob_is_header_then_exactly_the_tensors(sim_factory):
    sim = sim_factory()
    v = catalog().resolve("qwen3:4b")
    manifest = catalog().manifest_for("qwen3:4b")
    weights = manifest.layers[0]
    url = f"{sim.url}/v2/library/qwen3/blobs/{weights.digest}"
    # The simulated registry builds the 9 MB tokenizer header on first request: ~2 s idle,
    # over httpx's 5 s default on a loaded machine.
    async with httpx.AsyncClient(follow_redirects=True, timeout=60) as http:
        header = await fetch_gguf_header(url, http)
    last = header.tensors[-1]
    data_start = _pad(header.header_end)  # the data section starts on the alignment
    assert data_start == v.header_bytes
    assert data_start + last.offset + last.nbytes == weights.size
