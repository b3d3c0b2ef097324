"""The tag grammar's edges and its helpers (core/registry/tags.py), against tags and parameter
labels the Ollama library publishes (llama3.1:8b shows "8.0B", llama3.2:3b "3.2B",
qwen2.5:0.5b "494.03M", gemma2:2b "2.6B", qwen2.5:1.5b "1.5B")."""

from __future__ import annotations

import pytest

from quantdesk.core.quant import all_levels, parse_quant
from quantdesk.core.registry.tags import (
    TagParts,
    format_tag,
    names_quant,
    parse_tag,
    predicted_tags,
    sizes_from_model_type,
)


@pytest.mark.parametrize(
    ("label", "sizes"),
    [
        ("8.0B", ["8b"]),
        ("3.2B", ["3b", "3.2b"]),
        ("494.03M", ["0.5b", "494m"]),
        # 2.6 rounds to 3, truncates to 2 (the published tag), and reads 2.6
        ("2.6B", ["3b", "2b", "2.6b"]),
        # Python rounds half to even: 1.5 -> 2; the published tag is 1.5b
        ("1.5B", ["2b", "1b", "1.5b"]),
        ("1.2T", ["1200b"]),
        (" 8.0 b ", ["8b"]),  # spacing and case as some uploads write it
        ("70.6B", ["71b", "70b", "70.6b"]),
        ("1.0B", ["1b"]),
        ("135M", ["0.1b", "135m"]),
        ("960M", ["1b", "960m"]),  # under a billion, but it reads as 1.0 -> 1b
        ("8B-instruct", []),
        ("", []),
        ("B", []),
    ],
)
def test_sizes_a_parameter_label_could_be_published_as(label, sizes):
    assert sizes_from_model_type(label) == sizes


def test_predicted_tags_for_a_size():
    tags = predicted_tags("8b")
    assert len(tags) == 3 * len(all_levels())  # instruct, text and no variant, every level
    assert len(set(tags)) == len(tags)
    for tag in ("8b-instruct-q4_K_M", "8b-text-q8_0", "8b-q4_K_M", "8b-fp16"):
        assert tag in tags
    assert tags[0] == f"8b-instruct-{all_levels()[0].tag_name}"
    assert tags[-1] == f"8b-{all_levels()[-1].tag_name}"


def test_predicted_tags_without_a_size_have_no_dangling_dash():
    tags = predicted_tags(None)
    assert "instruct-q4_K_M" in tags and "q4_K_M" in tags and "text-fp16" in tags
    assert not any(t.startswith("-") or t.endswith("-") or "--" in t for t in tags)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("8b-instruct-q4_K_M", True), ("q8_0", True), ("8b-instruct", False), ("latest", False),
     ("70b-fp16", True), ("e2b", False)],
)
def test_names_quant(tag, expected):
    assert names_quant(tag) is expected


@pytest.mark.parametrize(
    ("size", "variant", "quant", "tag"),
    [
        (None, None, None, "latest"),
        ("8b", None, None, "8b"),
        (None, "instruct", None, "instruct"),
        ("8b", None, "q4_K_XL", "8b-q4_K_XL"),
        ("70b", "instruct", parse_quant("q4_K_M"), "70b-instruct-q4_K_M"),
        ("", "", "", "latest"),
    ],
)
def test_format_tag(size, variant, quant, tag):
    assert format_tag(size, variant, quant) == tag


@pytest.mark.parametrize(
    ("tag", "size", "variant", "quant_text"),
    [
        ("20b-mxfp4", "20b", None, "mxfp4"),  # gpt-oss's own MXFP4 weights
        ("8b-int8", "8b", None, "int8"),
        ("8b-fp8", "8b", None, "fp8"),
        ("8b-mxfp8", "8b", None, "mxfp8"),
        ("8b-int4", "8b", None, "int4"),
        ("8b-ud-q4_k_xl", "8b", "ud", "q4_k_xl"),
        ("8B-Instruct-Q4_K_M", "8b", "Instruct", "Q4_K_M"),  # the size is lower-cased
        ("30B-A3B-q4_K_M", "30b-a3b", None, "q4_K_M"),
        ("a3b-q4_0", None, "a3b", "q4_0"),  # an active size alone is no size
        ("8b-a3", "8b", "a3", None),
        ("8b--q4_0", "8b", None, "q4_0"),  # empty pieces are dropped
        ("  8b-instruct  ", "8b", "instruct", None),
        ("LATEST", None, None, None),
        ("latest-instruct", None, "latest-instruct", None),
        ("567m", "567m", None, None),
        ("1.5t", "1.5t", None, None),
        ("8bx-q4_0", None, "8bx", "q4_0"),
        ("x8b", None, "x8b", None),
        ("8x22b", "8x22b", None, None),
        ("8x22", None, "8x22", None),
        ("e4b-it", "e4b", "it", None),
        ("eb", None, "eb", None),
        ("q4_0-instruct", None, "instruct", "q4_0"),
    ],
)
def test_edges(tag, size, variant, quant_text):
    parts = parse_tag(tag)
    assert (parts.size, parts.variant, parts.quant_text) == (size, variant, quant_text)
    assert parts.tag == tag
    assert parts.is_alias is (quant_text is None)


def test_unknown_quant_words_name_no_level():
    for tag in ("20b-mxfp4", "8b-int8", "8b-q4_k_xl"):
        assert parse_tag(tag).quant is None
    assert parse_tag("8b-nvfp4").quant == parse_quant("nvfp4")
    assert parse_tag("8b-Q1_0").quant == parse_quant("q1_0")


def test_a_tag_that_is_not_text_parses_to_nothing():
    assert parse_tag(None) == TagParts(tag="")
    assert parse_tag(8) == TagParts(tag="")
