"""The simulated library: real tags, sizes from the facts, stable manifests, aliases."""

from __future__ import annotations

import hashlib
import json

import pytest

from quantdesk.core.quant import parse_quant
from quantdesk.sim.catalog import MODEL_MEDIA_TYPE, catalog
from quantdesk.sim.names import parse_name

# Written out, not imported from sim.build_catalog: the expected ladder must not follow the
# builder if a level is dropped there.
LADDER = (
    "q2_K",
    "q3_K_S",
    "q3_K_M",
    "q3_K_L",
    "q4_0",
    "q4_1",
    "q4_K_S",
    "q4_K_M",
    "q5_0",
    "q5_1",
    "q5_K_S",
    "q5_K_M",
    "q6_K",
    "q8_0",
    "fp16",
)


@pytest.mark.parametrize("kind", ["instruct", "text"])
def test_llama31_has_the_full_ladder(kind):
    tags = set(catalog().tags_of("llama3.1"))
    for q in LADDER:
        assert f"8b-{kind}-{q}" in tags
        v = catalog().resolve(f"llama3.1:8b-{kind}-{q}")
        assert v is not None and v.quant == parse_quant(q) and v.kind == kind


@pytest.mark.parametrize(
    "name",
    [
        "llama3.2:1b",
        "llama3.2:3b",
        "qwen2.5:0.5b",
        "qwen2.5:7b",
        "mistral:7b",
        "gemma2:9b",
        "qwen3:4b",
        "deepseek-r1:7b",
    ],
)
def test_required_families_resolve(name):
    v = catalog().resolve(name)
    assert v is not None
    assert v.block_count > 0 and v.context_length > 0 and v.model_bytes > 0


def test_aliases_share_the_q4_k_m_manifest_digest():
    target = catalog().manifest_for("llama3.1:8b-instruct-q4_K_M")
    assert target is not None
    for alias in ("llama3.1", "llama3.1:latest", "llama3.1:8b", "LLAMA3.1:8B"):
        assert catalog().manifest_for(alias).digest == target.digest
    other = catalog().manifest_for("llama3.1:8b-instruct-q8_0")
    assert other.digest != target.digest


def test_manifest_digest_is_sha256_of_its_bytes_and_stable():
    m = catalog().manifest_for("qwen2.5:7b")
    assert m.digest == hashlib.sha256(m.raw).hexdigest()
    doc = json.loads(m.raw)
    assert doc["schemaVersion"] == 2
    assert doc["config"]["digest"] == m.config.digest
    # Rebuilt from the JSON file, the bytes are identical (no timestamps, no randomness).
    from importlib import resources

    from quantdesk.sim.catalog import Catalog

    fresh = Catalog(
        json.loads(
            resources.files("quantdesk.sim").joinpath("data/catalog.json").read_text("utf-8")
        )
    )
    assert fresh.manifest_for("qwen2.5:7b").raw == m.raw


def test_total_size_matches_exact_registry_bytes():
    # registry-sizes.json gives /api/tags bytes for llama3.2:latest and deepseek-r1:7b.
    assert catalog().manifest_for("llama3.2:latest").total_size == 2019393189
    assert catalog().manifest_for("deepseek-r1:7b").total_size == 4683075271


def test_exact_model_blob_sizes_from_architecture_facts():
    v = catalog().resolve("llama3.1:8b-instruct-q4_0")
    assert v.model_bytes == 4661211808
    assert catalog().manifest_for(v.name).layers[0].size == 4661211808


def test_computed_sizes_round_to_what_the_tags_page_prints():
    # registry-sizes.json (issue 6795's tags page): 3.2GB, 4.9GB, 8.5 GB, 16GB; Ollama prints
    # one decimal below 10 GB and none from 10 GB on (format.HumanBytes).
    for tag, printed in (
        ("8b-instruct-q2_K", 3.2),
        ("8b-instruct-q4_K_M", 4.9),
        ("8b-instruct-q8_0", 8.5),
        ("8b-instruct-fp16", 16),
    ):
        total = catalog().manifest_for(f"llama3.1:{tag}").total_size
        assert round(total / 1e9, 1 if printed < 10 else 0) == printed
    assert catalog().manifest_for("llama3.1:8b").total_size != 4_900_000_000  # no placeholder


def test_every_size_says_where_it_comes_from():
    v = catalog().resolve("llama3.1:8b-instruct-q5_K_M")  # no published size
    assert v.size_source.startswith("computed")
    exact = catalog().resolve("llama3.2:3b")
    assert "exact bytes" in exact.size_source
    assert catalog().manifest_for("llama3.2:3b").total_size == 2_019_393_189


def test_sizes_grow_with_bits_within_a_lineage():
    vs = [
        catalog().resolve(f"llama3.1:8b-instruct-{q}") for q in ("q2_K", "q4_K_M", "q8_0", "fp16")
    ]
    sizes = [v.model_bytes for v in vs]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4


def test_blobs_are_findable_and_text_blobs_hash_to_their_digest():
    m = catalog().manifest_for("mistral:7b")
    for blob in m.blobs:
        assert catalog().blob(blob.digest) == blob
        assert catalog().blob(blob.digest.replace(":", "-")) == blob
        if blob.content is not None:
            assert blob.digest == "sha256:" + hashlib.sha256(blob.content).hexdigest()
            assert blob.size == len(blob.content)
        else:
            assert blob.media_type == MODEL_MEDIA_TYPE
    assert m.blobs[-1] == m.config  # pull order: layers, then config


def test_architectures_come_from_the_fact_file():
    v = catalog().resolve("llama3.2:3b")
    assert v.model_info["llama.embedding_length"] == 3072
    assert v.model_info["general.parameter_count"] == 3212749824
    assert v.tied_embeddings
    assert "thinking" in catalog().resolve("qwen3").capabilities
    assert catalog().resolve("llama3.1:8b-text-q4_K_M").capabilities == ("completion",)


def test_unknown_names_do_not_resolve():
    for name in ("llama3.1:70b-nope", "nosuchmodel", "someone/llama3.1:8b", "bad name"):
        assert catalog().resolve(name) is None


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("llama3.1", "llama3.1:latest"),
        ("llama3.1:8b", "llama3.1:8b"),
        ("registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b"),
        ("user/model:tag", "user/model:tag"),
        ("host:5000/ns/m", "host:5000/ns/m:latest"),
    ],
)
def test_names_parse_to_display_form(text, display):
    assert parse_name(text).display == display


@pytest.mark.parametrize("text", ["", "model:", "/model", "ns/", "a/b/c/d", "-x", "a b"])
def test_invalid_names(text):
    assert parse_name(text) is None
