"""The bundled library snapshot: what it holds, how it is built from the fact files, and its
refresh from a registry (the simulator's, over loopback)."""

from __future__ import annotations

import json

from quantdesk.core.architecture import Architecture
from quantdesk.core.registry import Endpoints
from quantdesk.core.registry.snapshot import (
    load_snapshot,
    parse_snapshot,
    snapshot_discovery,
    snapshot_shapes,
)
from quantdesk.core.registry.snapshot_build import build
from quantdesk.core.registry.snapshot_refresh import refresh
from quantdesk.sim.catalog import catalog

# registry-sizes.json: llama3.1 8b instruct tags as ollama/ollama#6795 lists them (size, id)
LLAMA31 = {"8b-instruct-q2_K": (3.2e9, "44a139eeb344"), "8b-instruct-q4_K_M": (4.9e9,
           "46e0c10c039e"), "8b-instruct-q8_0": (8.5e9, "b158ded76fa0"),
           "8b-instruct-fp16": (16e9, "4aacac419454")}


def test_the_bundled_snapshot_covers_the_popular_ladders():
    snap = load_snapshot()
    assert {"llama3.1", "llama3.2", "qwen2.5", "mistral", "gemma2"} <= set(snap.models)
    found = snapshot_discovery("llama3.1")
    assert found is not None and found.source == "snapshot"
    tags = {v.tag: v for v in found.variants}
    assert len([t for t in tags if t.startswith("8b-instruct-")]) == 15
    for tag, (size, digest) in LLAMA31.items():
        assert tags[tag].size_bytes == size and tags[tag].digest == f"sha256:{digest}"
        assert "as the tags page prints it" in tags[tag].note and not tags[tag].confirmed
    assert tags["8b-instruct-q4_K_M"].aliases == ("8b", "latest")
    assert snap.label in found.notes[0]
    shapes = snapshot_shapes(found)
    arch = Architecture.from_model_info(shapes["llama3.1:8b-instruct-q4_K_M"])
    assert (arch.block_count, arch.embedding_length, arch.vocab_size) == (32, 4096, 128256)


def test_narrowed_names_and_unknown_models():
    size = snapshot_discovery("llama3.1:70b")
    assert size is not None and all(v.tag.startswith("70b-") for v in size.variants)
    one = snapshot_discovery("llama3.1:latest")
    assert one is not None and len(one.variants) == 15 + 15  # latest means the whole ladder
    exact = snapshot_discovery("qwen2.5:7b-instruct-q8_0")
    assert [v.tag for v in exact.variants] == ["7b-instruct-q8_0"]
    assert snapshot_discovery("no-such-model") is None
    assert snapshot_discovery("hf.co/owner/repo") is None
    estimated = next(v for v in snapshot_discovery("qwen2.5:1.5b").variants)
    assert "estimated from the shape" in estimated.note


def test_the_builder_marks_where_each_size_comes_from(tmp_path):
    (tmp_path / "registry-sizes.json").write_text(json.dumps({"models": {
        "llama3.1:8b": {"tags": {
            "8b-instruct-q4_K_M": {"size": "4.9 GB", "digest": "46e0c10c039e"},
            "8b-instruct-q8_0": {"bytes": 8_540_000_000}}}}}))
    archs = {"models": {"llama3.1:8b": {"source": "test", "model_info": dict(
        catalog().resolve("llama3.1:8b").model_info)}, "mistral:latest": {"source": "t",
        "model_info": dict(catalog().resolve("mistral:7b").model_info)}}}
    (tmp_path / "model-architectures.json").write_text(json.dumps(archs))
    data = build(tmp_path, today="2026-01-02")
    snap = parse_snapshot(data)
    assert snap.taken == "2026-01-02" and snap.label == "from the snapshot of 2026-01-02"
    rows = {r["tag"]: r for r in snap.models["llama3.1"]["tags"]}
    assert rows["8b-instruct-q4_K_M"]["size_bytes"] == 4_900_000_000
    assert rows["8b-instruct-q8_0"]["size_source"] == "published exact bytes"
    assert rows["8b-instruct-q2_K"]["size_source"].startswith("estimated")


async def test_refresh_reads_exact_sizes_and_shapes_from_a_registry(sim):
    data, problems = await refresh(["llama3.2", "no-such-model"], Endpoints.from_option(sim.url))
    assert "no-such-model" in problems[0] and "no-such-model" not in data["models"]
    entry = data["models"]["llama3.2"]
    for row in entry["tags"]:
        manifest = catalog().manifest_for(f"llama3.2:{row['tag']}")
        assert row["size_bytes"] == manifest.total_size
        assert row["digest"] == "sha256:" + manifest.digest
        assert row["size_source"] == "registry manifest"
    assert set(entry["sizes"]) == {"1b", "3b"}
    info = entry["sizes"]["3b"]["model_info"]
    assert info["llama.block_count"] == 28 and info["general.architecture"] == "llama"
    snap = parse_snapshot(data)
    assert snapshot_discovery("llama3.2:3b", snap).variants[0].confirmed
