"""The tags-page reader: the simulator's faithful page, degraded shapes, and hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.registry.library_page import (
    PageUnreadable,
    parse_context,
    parse_size,
    parse_tags_page,
)
from quantdesk.sim.catalog import catalog
from quantdesk.sim.remote.pages import site_context, site_size, tags_page


def _expected(model: str) -> dict[str, str]:
    cat = catalog()
    return {t: cat.manifest_for(f"{model}:{t}").digest[:12] for t in cat.tags_of(model)}


@pytest.mark.parametrize("mode", ["normal", "mobile"])
def test_every_row_is_read_with_digest_size_and_context(mode):
    html = tags_page(catalog(), "llama3.1", mode)
    rows = parse_tags_page(html, "llama3.1")
    expected = _expected("llama3.1")
    assert {r.tag for r in rows} == set(expected)
    for r in rows:
        assert r.digest12 == expected[r.tag]
        v = catalog().resolve(f"llama3.1:{r.tag}")
        total = catalog().manifest_for(v.name).total_size
        assert r.size_bytes is not None and abs(r.size_bytes - total) <= 0.05 * total
        assert r.context == (v.context_length // 1024) * 1024
        assert r.inputs == ("Text",)


def test_latest_badge_lands_on_the_tag_sharing_latests_digest():
    rows = parse_tags_page(tags_page(catalog(), "llama3.1"), "llama3.1")
    badged = [r.tag for r in rows if "latest" in r.badges]
    assert badged == [catalog().resolve("llama3.1:latest").tag]


def test_changed_markup_is_unreadable_not_a_crash():
    with pytest.raises(PageUnreadable, match=r"llama3\.1"):
        parse_tags_page(tags_page(catalog(), "llama3.1", "changed"), "llama3.1")


def test_unknown_row_shape_leaves_fields_missing():
    html = """<div class="group px-4 py-3"><span class="font-mono">0123456789ab</span>
      <input class="command hidden" value="demo:3b-q8_0"/><p class="col-span-2">big</p></div>
      <div class="group px-4 py-3"><input class="command" value="other:1b"/></div>"""
    rows = parse_tags_page(html, "demo")
    assert [r.tag for r in rows] == ["3b-q8_0"]
    assert rows[0].digest12 == "0123456789ab"
    assert rows[0].size_bytes is None and rows[0].context is None


def test_mobile_line_fills_what_the_desktop_twin_lacks():
    html = """<div class="group px-4 py-3"><a href="/library/demo:3b" class="md:hidden">
      <span>demo:3b</span> <span class="font-mono">fedcba987654</span> • 3.4GB • 1M context
      window • Text, Image input • yesterday</a></div>"""
    (row,) = parse_tags_page(html, "demo")
    assert (row.digest12, row.size_bytes, row.context) == ("fedcba987654", 3_400_000_000, 1 << 20)
    assert row.inputs == ("Text", "Image") and row.updated == "yesterday"


@pytest.mark.parametrize(("text", "value"), [
    ("815MB", 815_000_000), ("3.3GB", 3_300_000_000), ("14GB", 14_000_000_000),
    ("1.2TB", 1_200_000_000_000), ("Low Usage", None), ("", None)])
def test_site_sizes_are_decimal(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("512", 512), ("2K", 2048), ("39K", 39 * 1024), ("976K", 976 * 1024), ("1M", 1 << 20),
    ("huge", None)])
def test_context_units_are_binary(text, value):
    assert parse_context(text) == value


@pytest.mark.parametrize("n", [815_000_000, 2_019_393_189, 42_520_413_916, 4_900_000_000])
def test_simulator_printing_round_trips_within_the_sites_rounding(n):
    back = parse_size(site_size(n))
    assert back is not None and abs(back - n) <= 0.05 * n
    assert parse_context(site_context(131072)) == 131072


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdivspn-:.0123456789•group px-4py-3")),
               max_size=400))
def test_any_text_parses_or_is_reported_unreadable(text):
    try:
        rows = parse_tags_page(text, "m")
    except PageUnreadable:
        return
    assert all(r.tag for r in rows)
