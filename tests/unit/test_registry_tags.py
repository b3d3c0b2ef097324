"""Best-effort reading of library tags: the one grammar (core/registry/tags.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.quant import all_levels, parse_quant
from quantdesk.core.registry.tags import (
    TagParts,
    format_tag,
    parse_tag,
    quant_of_tag,
    size_token,
)


@pytest.mark.parametrize(
    ("tag", "size", "variant", "quant"),
    [
        ("8b-instruct-q4_K_M", "8b", "instruct", "Q4_K_M"),
        ("8b-text-q8_0", "8b", "text", "Q8_0"),
        ("70b-instruct-fp16", "70b", "instruct", "F16"),
        ("3b-q8_0", "3b", None, "Q8_0"),
        ("8x7b-instruct-v0.1-q4_0", "8x7b", "instruct-v0.1", "Q4_0"),
        ("30b-a3b-q4_K_M", "30b-a3b", None, "Q4_K_M"),
        ("0.5b", "0.5b", None, None),
        ("e2b-it-q4_K_M", "e2b", "it", "Q4_K_M"),
        ("Q8_0", None, None, "Q8_0"),
        ("IQ4_XS", None, None, "IQ4_XS"),
        ("latest", None, None, None),
        ("11b-vision-instruct-q4_K_M", "11b", "vision-instruct", "Q4_K_M"),
    ],
)
def test_known_tags(tag, size, variant, quant):
    parts = parse_tag(tag)
    assert (parts.size, parts.variant) == (size, variant)
    assert (parts.quant.name if parts.quant else None) == quant


# The five tags the two former grammars read differently, settled by what ollama.com's
# library publishes: gemma3n's effective sizes are whole (e2b, e4b), mixtures of experts are
# in billions (mixtral 8x7b, 8x22b), qwen3's MoE size is "30b-a3b", and the quantization is the
# convention's last token.
@pytest.mark.parametrize(
    ("tag", "size", "variant", "quant"),
    [
        ("e2.5b", None, "e2.5b", None),  # not a published size: left as the variant
        ("8x7m", None, "8x7m", None),  # MoE sizes are published in billions only
        ("30b-a3b", "30b-a3b", None, None),  # qwen3:30b-a3b, the active size kept with it
        ("0.5b-q8_0-fp16", "0.5b", "q8_0", "F16"),  # the last quant token wins
        ("q4_0-fp16", None, "q4_0", "F16"),
    ],
)
def test_the_former_disagreements(tag, size, variant, quant):
    parts = parse_tag(tag)
    assert (parts.size, parts.variant) == (size, variant)
    assert (parts.quant.name if parts.quant else None) == quant
    assert size_token(tag) == size  # the ladder's size groups read the same grammar
    assert (quant_of_tag(tag).name if quant_of_tag(tag) else None) == quant


@pytest.mark.parametrize(
    ("tag", "size"),
    [("e2b-it-q4_K_M", "e2b"), ("e4b", "e4b"), ("8x22b-instruct-v0.1-q4_0", "8x22b"),
     ("30b-a3b-instruct-2507-q4_K_M", "30b-a3b"), ("235b-a22b", "235b-a22b"),
     ("instruct-8b", None), ("latest", None)],
)
def test_published_size_tokens(tag, size):
    assert size_token(tag) == size


def test_unknown_quantization_is_kept_as_text():
    parts = parse_tag("8b-UD-Q4_K_XL")
    assert parts.quant_text == "Q4_K_XL"
    assert parts.quant is None
    assert parts.variant == "UD"
    assert not parts.is_alias
    assert parse_tag("8b").is_alias


_levels = st.sampled_from(all_levels())
_sizes = st.one_of(st.none(), st.sampled_from(["1b", "8b", "70b", "0.5b", "8x22b", "567m"]))
_variants = st.one_of(st.none(), st.sampled_from(["instruct", "text", "chat", "vision-instruct"]))


@settings(max_examples=50, deadline=None)
@given(size=_sizes, variant=_variants, level=_levels)
def test_round_trip(size, variant, level):
    tag = format_tag(size, variant, level)
    parts = parse_tag(tag)
    assert (parts.size, parts.variant, parts.quant) == (size, variant, level)


@settings(max_examples=40, deadline=None)
@given(size=_sizes, level=_levels, upper=st.booleans())
def test_case_tolerant(size, level, upper):
    tag = format_tag(size, "instruct", level)
    tag = tag.upper() if upper else tag.lower()
    assert parse_tag(tag).quant == level
    assert parse_quant(level.tag_name.lower()) == level


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_never_raises(text):
    parts = parse_tag(text)
    assert isinstance(parts, TagParts)
    assert parts.tag == text
