"""Reads the rows of an ollama.com ``/library/<model>/tags`` page (remote-catalogs.md §1.2).

The page is HTML for people and changes without notice, so the reader is layered: rows are
anchored on ``div.group.px-4.py-3`` and read from the desktop twin (``input.command``, the
two ``p.col-span-2``, the first ``.font-mono``); anything missing there is taken from the
mobile line ``<digest> • <size> • <ctx> context window • <inputs> input • <updated>``; when no
row anchor exists at all, links ``/library/<m>:<tag>`` are read as mobile lines. A row shape it
does not know yields missing fields, never an exception; only a page with no readable row at
all raises ``PageUnreadable`` so the caller can fall back to probing the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quantdesk.core.registry.errors import RegistryError
from quantdesk.core.registry.html_tree import MAX_NODES, Node, parse_html

_DIGEST = re.compile(r"\b[0-9a-f]{12}\b")
# At most 6 digits before the point: the site prints "4.9GB", "128K"; a 400-digit "size"
# (which float() reads as inf) is not a size.
_SIZE = re.compile(r"^\s*(\d{1,6}(?:\.\d{1,6})?)\s*([KMGT]?B)\s*$", re.IGNORECASE)
_CONTEXT = re.compile(r"^\s*(\d{1,9}(?:\.\d{1,6})?)\s*([KM]?)\s*(?:context window)?\s*$",
                      re.IGNORECASE)
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_TAG_TEXT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")


class PageUnreadable(RegistryError):
    """The tags page had no row this reader understands."""


@dataclass(frozen=True, slots=True)
class PageRow:
    tag: str
    digest12: str | None = None  # first 12 hex of the manifest digest
    size_text: str | None = None  # "4.9GB", as printed
    size_bytes: int | None = None  # the printed size in bytes: rounded, good to ±0.5 unit
    context: int | None = None  # tokens
    inputs: tuple[str, ...] = ()
    badges: tuple[str, ...] = ()  # "latest", "MLX"
    updated: str | None = None

    @property
    def is_cloud(self) -> bool:
        t = self.tag.lower()
        return t == "cloud" or t.endswith("-cloud")

    @property
    def is_mlx(self) -> bool:
        return "MLX" in self.badges or self.tag.lower().endswith(("-mlx", "-mxfp8", "-nvfp4"))


def parse_size(text: str | None) -> int | None:
    """``"4.9GB"`` -> 4_900_000_000 (the site's units are decimal)."""
    if not text or not (m := _SIZE.match(text)):
        return None
    return round(float(m.group(1)) * _UNITS[m.group(2).upper()])


def parse_context(text: str | None) -> int | None:
    """``"128K"`` -> 131072, ``"1M"`` -> 1048576, ``"512"`` -> 512."""
    if not text or not (m := _CONTEXT.match(text)):
        return None
    scale = {"": 1, "K": 1024, "M": 1024 * 1024}[m.group(2).upper()]
    return int(float(m.group(1)) * scale)


def _tag_of(name: str, model: str) -> str | None:
    """The tag part of ``model:tag`` (or ``/library/model:tag``); None when it is not ours."""
    name = name.strip().rsplit("/", 1)[-1]
    if ":" not in name:
        return None
    repo, tag = name.rsplit(":", 1)
    if repo.lower() != model.lower() or not _TAG_TEXT.match(tag):
        return None
    return tag


def _mobile_fields(text: str) -> dict[str, object]:
    """Fields of ``<badges> <digest> • <size> • <ctx> context window • <inputs> input • <when>``."""
    out: dict[str, object] = {}
    m = _DIGEST.search(text)
    if not m:
        return out
    out["digest12"] = m.group(0)
    parts = [p.strip() for p in text[m.end():].split("•")]
    parts = [p for p in parts if p]
    for part in parts:
        low = part.lower()
        if "size_bytes" not in out and parse_size(part) is not None:
            out["size_text"], out["size_bytes"] = part, parse_size(part)
        elif low.endswith("context window") and "context" not in out:
            out["context"] = parse_context(part[: -len("context window")])
        elif low.endswith("input") and "inputs" not in out:
            out["inputs"] = tuple(s.strip() for s in part[: -len("input")].split(",") if s.strip())
        elif "ago" in low or low in ("yesterday", "today", "just now"):
            out["updated"] = part
    return out


def _row_from_group(row: Node, model: str) -> PageRow | None:
    tag = None
    cmd = row.find(lambda n: n.tag == "input" and "command" in n.classes)
    if cmd is not None:
        tag = _tag_of(cmd.attrs.get("value", ""), model)
    links = row.find_all(lambda n: n.tag == "a" and ":" in n.attrs.get("href", ""))
    for link in links:
        if tag is None:
            tag = _tag_of(link.attrs["href"], model) or _tag_of(link.text(), model)
    if tag is None:
        return None
    fields: dict[str, object] = {}
    mono = row.find(lambda n: "font-mono" in n.classes and bool(_DIGEST.fullmatch(n.text())))
    if mono is not None:
        fields["digest12"] = mono.text()
    cells = row.find_all(lambda n: n.tag == "p" and "col-span-2" in n.classes)
    if cells and parse_size(cells[0].text()) is not None:
        fields["size_text"] = cells[0].text()
        fields["size_bytes"] = parse_size(cells[0].text())
    if len(cells) > 1 and parse_context(cells[1].text()) is not None:
        fields["context"] = parse_context(cells[1].text())
    inputs = row.find(lambda n: n.tag == "div" and "col-span-2" in n.classes)
    if inputs is not None and inputs.text():
        fields["inputs"] = tuple(s.strip() for s in inputs.text().split(",") if s.strip())
    badges = tuple(
        n.text() for n in row.find_all(lambda n: "rounded-full" in n.classes) if n.text()
    )
    mobile = next((a for a in links if "md:hidden" in a.classes), None)
    if mobile is not None:
        for key, value in _mobile_fields(mobile.text()).items():
            fields.setdefault(key, value)
    # fields holds only PageRow's own names, each with the type the parser gives it
    return PageRow(tag=tag, badges=badges, **fields)  # type: ignore[arg-type]


def _rows_from_links(root: Node, model: str) -> list[PageRow]:
    """Last resort when the row anchor is gone: every ``/library/<m>:<tag>`` link's text."""
    rows: dict[str, PageRow] = {}
    for a in root.find_all(lambda n: n.tag == "a"):
        tag = _tag_of(a.attrs.get("href", ""), model)
        if tag is None or tag in rows:
            continue
        fields = _mobile_fields(a.text())
        if "digest12" in fields:
            # as above: _mobile_fields returns PageRow's own names and types
            rows[tag] = PageRow(tag=tag, **fields)  # type: ignore[arg-type]
    return list(rows.values())


def parse_tags_page(html: str, model: str) -> list[PageRow]:
    """Every tag row of the page for ``model`` (aliases included), in page order."""
    root = parse_html(html)
    if root.truncated:
        raise PageUnreadable(
            f"the tags page of '{model}' has far more markup than a tags page (over "
            f"{MAX_NODES:,} elements), so it was not read; sizes come from the registry "
            "instead")
    groups = root.find_outermost(
        lambda n: n.tag == "div" and n.has_classes("group", "px-4", "py-3"))
    rows: dict[str, PageRow] = {}
    for group in groups:
        row = _row_from_group(group, model)
        if row is not None and row.tag not in rows:
            rows[row.tag] = row
    if not any(r.digest12 for r in rows.values()):
        rows = {r.tag: r for r in _rows_from_links(root, model)}
    if not rows:
        raise PageUnreadable(
            f"the tags page of '{model}' has no row QuantDesk can read (the site may have "
            "changed); sizes come from the registry instead"
        )
    return list(rows.values())
