"""The registry readers on hostile input, below the network: tag-page sizes, the HTML tree,
manifests, Hugging Face entries and Content-Range headers. Each returns "unknown" or raises a
RegistryError, in time linear in the input; none overflows or recurses."""

from __future__ import annotations

import json
import time

import pytest

from quantdesk.core.gguf.sources import _content_range
from quantdesk.core.ollama.jsonfields import as_size
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.errors import RegistryResponseError
from quantdesk.core.registry.html_tree import MAX_DEPTH, MAX_NODES, parse_html
from quantdesk.core.registry.huggingface import GgufFile, _entry_file, variants_from_files
from quantdesk.core.registry.library_page import (
    PageUnreadable,
    parse_context,
    parse_size,
    parse_tags_page,
)
from quantdesk.core.registry.manifests import parse_manifest


@pytest.mark.parametrize("text", ["9" * 400 + "GB", "1e999GB", "inf GB", "-5GB", "NaNGB"])
def test_a_page_size_that_is_no_size_is_unknown(text):
    assert parse_size(text) is None


@pytest.mark.parametrize("text", ["9" * 400 + "K", "1e999", "-1K"])
def test_a_page_context_that_is_no_context_is_unknown(text):
    assert parse_context(text) is None


def test_real_page_figures_still_read():
    assert parse_size("4.9GB") == 4_900_000_000
    assert parse_context("128K") == 131072


def test_the_tree_caps_depth_and_walks_without_recursion():
    root = parse_html("<div>" * 1000 + "deep text" + "</div>" * 1000)
    depth, node = 0, root
    while node.children and not isinstance(node.children[0], str):
        node = node.children[0]
        depth += 1
    assert depth == MAX_DEPTH + 1  # deeper elements became children of the deepest
    assert len(root.find_all(lambda n: n.tag == "div")) == 1000
    assert root.text() == "deep text"


def test_stray_end_tags_cost_nothing_and_close_nothing():
    started = time.perf_counter()
    root = parse_html("<section>" * 200 + "</p>" * 40_000 + "<b>x</b>")
    assert time.perf_counter() - started < 10.0  # generous: a noisy machine
    assert root.find(lambda n: n.tag == "b").parent.tag == "section"


def test_a_page_with_more_than_the_node_cap_is_unreadable_fast():
    started = time.perf_counter()
    with pytest.raises(PageUnreadable, match="far more markup"):
        parse_tags_page("<i></i>" * (MAX_NODES * 4), "m")
    assert time.perf_counter() - started < 15.0  # generous: a noisy machine; the raise is the point


def test_rows_nested_in_rows_are_read_once():
    row = ('<div class="group px-4 py-3"><input class="command" value="m:q4_0">'
           '<span class="font-mono">0123456789ab</span></div>')
    page = '<div class="group px-4 py-3">' * 200 + row
    [found] = parse_tags_page(page, "m")
    assert found.tag == "q4_0"


@pytest.mark.parametrize("size", [-1, 2**63, 1e999, float("nan"), "12 GB", True, None, [1]])
def test_impossible_sizes(size):
    assert as_size(size) is None


@pytest.mark.parametrize("size", [0, 4_900_000_000, 2**63 - 1, 5.0, "123"])
def test_possible_sizes(size):
    assert as_size(size) == int(size)


def test_manifest_sizes_are_checked():
    good = {"layers": [{"mediaType": "application/vnd.ollama.image.model", "size": 10**13,
                        "digest": "sha256:" + "d" * 64}], "config": {"size": 5}}
    assert parse_manifest(json.dumps(good).encode()).total_bytes == 10**13 + 5
    for bad in (b"-1", b"1e999", b'"x"'):
        good["layers"][0]["size"] = 0
        body = json.dumps(good).encode().replace(b'"size": 0', b'"size": ' + bad)
        with pytest.raises(RegistryResponseError, match="impossible layer size"):
            parse_manifest(body)
    with pytest.raises(RegistryResponseError, match="nested more than"):
        parse_manifest(b'{"layers":' + b"[" * 1000 + b"]" * 1000 + b"}")


def test_hugging_face_entries_with_impossible_sizes_are_skipped():
    assert _entry_file({"type": "file", "path": "a.gguf", "size": -3}) is None
    assert _entry_file({"type": "file", "path": 7, "size": 3}) is None
    entry = _entry_file({"type": "file", "path": "a.gguf", "lfs": {"size": 3, "oid": 5}})
    assert entry == GgufFile("a.gguf", 3, None)


def test_variants_from_many_files_take_linear_time():
    def timed(n: int) -> float:
        files = [GgufFile(f"d/model-{i}.Q4_K_M.gguf", 1000 + i, "ab" * 32) for i in range(n)]
        started = time.perf_counter()
        variants = variants_from_files("o", "r", files, Endpoints())
        assert len(variants) == n
        return time.perf_counter() - started

    small, large = min(timed(2_000) for _ in range(3)), min(timed(8_000) for _ in range(3))
    # 4x the files: a linear reader takes about 4x as long, a quadratic one 16x.
    assert large < 10 * small + 0.05


@pytest.mark.parametrize("header", ["bytes " + "9" * 5000 + "-1/2", "bytes 0-1/" + "9" * 30])
def test_a_content_range_with_absurd_numbers_is_not_read(header):
    assert _content_range(header) == (None, None)
