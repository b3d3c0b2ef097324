"""Best-effort reading of library tags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.ollama.tags import TagParts, format_tag, parse_tag
from quantdesk.core.quant import all_levels, parse_quant


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
