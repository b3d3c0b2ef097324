"""Inline Markdown (code spans, emphasis, links) to escaped HTML, for ``markdown``.

Every character of the input leaves escaped; markup comes only from this module's own
templates. Links keep an ``href`` only when their scheme is in the caller's list (and http(s)
links name a host); anything else — relative paths, ``javascript:``, ``data:``, ``file:`` —
becomes plain text, because a relative or local reference is exactly what a Qt text browser
would try to load. Images are never emitted: ``![alt](src)`` reads as "[image: alt]".
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Collection

MAX_DEPTH = 16  # nested emphasis deeper than this is left as text (no runaway recursion)
MAX_LABEL = 2000  # a link label or target longer than this is text
_ESCAPABLE = frozenset("\\`*_{}[]()#+-.!|~<>\"'")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,31}):")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_EMAIL = re.compile(r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>")
_BARE = re.compile(r"https?://[^\s<>\"]+")
_TRAILING = ".,;:!?'\")]*_~"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def safe_href(url: str, schemes: Collection[str]) -> str | None:
    """``url`` when it may be a link target, else None."""
    u = url.strip()
    if not u or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in u):
        return None
    m = _SCHEME.match(u)
    if m is None:
        return None  # relative: a text browser would resolve and load it
    scheme = m.group(1).lower()
    if scheme not in {s.lower() for s in schemes}:
        return None
    if scheme in ("http", "https") and not u[len(scheme) + 1:].startswith("//"):
        return None
    return u


def _anchor(label_html: str, url: str, schemes: Collection[str]) -> str:
    href = safe_href(url, schemes)
    if href is None:
        shown = esc(url.strip())
        return label_html if label_html == shown or not shown else f"{label_html} ({shown})"
    return f'<a href="{esc(href)}">{label_html}</a>'


def _pairs(s: str, opener: str, closer: str) -> dict[int, int]:
    """Each ``opener``'s matching ``closer`` (by nesting), found in one pass."""
    stack: list[int] = []
    out: dict[int, int] = {}
    for i, ch in enumerate(s):
        if ch == opener:
            stack.append(i)
        elif ch == closer and stack:
            out[stack.pop()] = i
    return out


def _run_length(s: str, i: int) -> int:
    j = i
    while j < len(s) and s[j] == s[i]:
        j += 1
    return j - i


class _Index:
    """Where each delimiter, bracket and parenthesis closes, found once per text: looking
    ahead from every opener would be quadratic on a long answer full of unmatched ``*``, ``[``
    or backticks."""

    def __init__(self, s: str) -> None:
        self._s = s
        self._cache: dict[str, list[int]] = {}
        self._brackets: dict[int, int] | None = None
        self._parens: dict[int, int] | None = None

    def bracket(self, start: int, limit: int) -> int:
        """The ``]`` closing the ``[`` at ``start`` before ``limit``, else -1."""
        if self._brackets is None:
            self._brackets = _pairs(self._s, "[", "]")
        end = self._brackets.get(start, -1)
        return end if end < limit and end - start <= MAX_LABEL else -1

    def destination(self, start: int, limit: int) -> tuple[str, int] | None:
        """``(url, end)`` for ``(url "title")`` at ``start``, on one line."""
        if self._parens is None:
            self._parens = _pairs(self._s, "(", ")")
        end = self._parens.get(start, -1)
        if end < 0 or end >= limit or end - start > MAX_LABEL:
            return None
        inner = self._s[start + 1:end].strip()
        if "\n" in inner:
            return None
        url = inner.split(maxsplit=1)[0] if inner else ""
        return url.strip("<>"), end + 1

    def _positions(self, delim: str) -> list[int]:
        found = self._cache.get(delim)
        if found is not None:
            return found
        s, found = self._s, []
        if delim[0] == "`":
            i = 0
            while (i := s.find("`", i)) >= 0:
                run = _run_length(s, i)
                if run == len(delim):
                    found.append(i)
                i += run
        else:
            i = 0
            while (i := s.find(delim, i)) >= 0:
                before = s[i - 1] if i > 0 else " "
                end = i + len(delim)
                after = s[end] if end < len(s) else " "
                lone = len(delim) > 1 or (before != delim and after != delim)
                if lone and not before.isspace() and not (delim[0] == "_" and after.isalnum()):
                    found.append(i)
                i += 1
        self._cache[delim] = found
        return found

    def next(self, delim: str, after: int) -> int:
        """The first closer at or past ``after`` (``-1`` when none)."""
        positions = self._positions(delim)
        k = bisect.bisect_left(positions, after)
        return positions[k] if k < len(positions) else -1


def _flanking(s: str, i: int, run: int, char: str) -> bool:
    """An emphasis opener: followed by non-space; ``_`` also not inside a word."""
    after = s[i + run] if i + run < len(s) else " "
    before = s[i - 1] if i > 0 else " "
    if after.isspace():
        return False
    return not (char == "_" and before.isalnum())


def inline(s: str, schemes: Collection[str], depth: int = 0) -> str:
    """``s`` (one block's text, newlines kept as ``<br>``) as escaped inline HTML."""
    return _render(s, 0, len(s), schemes, depth, _Index(s))


def _render(s: str, i: int, n: int, schemes: Collection[str], depth: int,
            index: _Index) -> str:
    out: list[str] = []
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n and s[i + 1] in _ESCAPABLE:
            out.append(esc(s[i + 1]))
            i += 2
            continue
        if ch == "`":
            run = min(_run_length(s, i), n - i)
            close = index.next("`" * run, i + run)
            if close >= 0 and close + run <= n:
                code = s[i + run:close].replace("\n", " ")
                if code.strip() and code[0] == " " and code[-1] == " ":
                    code = code[1:-1]
                out.append(f"<code>{esc(code)}</code>")
                i = close + run
            else:
                out.append(esc("`" * run))
                i += run
            continue
        if ch == "!" and i + 1 < n and s[i + 1] == "[":
            end = index.bracket(i + 1, n)
            if end > 0 and s.startswith("(", end + 1) and (dest := index.destination(end + 1, n)):
                alt = s[i + 2:end]
                out.append(esc(f"[image: {alt}]" if alt.strip() else "[image]"))
                i = dest[1]
                continue
        if ch == "[":
            end = index.bracket(i, n)
            if end > 0 and s.startswith("(", end + 1) and (dest := index.destination(end + 1, n)):
                label = _render(s, i + 1, end, (), depth + 1, index)  # no link in a link
                out.append(_anchor(label, dest[0], schemes))
                i = dest[1]
                continue
        if ch == "<" and (m := _AUTOLINK.match(s, i, n) or _EMAIL.match(s, i, n)):
            target = m.group(1)
            url = target if "@" not in target or ":" in target else f"mailto:{target}"
            out.append(_anchor(esc(target), url, schemes))
            i = m.end()
            continue
        if ch in "hH" and (i == 0 or not s[i - 1].isalnum()) and (m := _BARE.match(s, i, n)):
            url = m.group(0).rstrip(_TRAILING)
            out.append(_anchor(esc(url), url, schemes))
            i += len(url)
            continue
        if ch in "*_~" and depth < MAX_DEPTH:
            size = 2 if _run_length(s, i) >= 2 and i + 1 < n else 1
            delim = ch * size
            if not (ch == "~" and size == 1) and _flanking(s, i, size, ch):
                close = index.next(delim, i + size + 1)
                if close > 0 and close + size <= n:
                    tag = "del" if ch == "~" else "strong" if size == 2 else "em"
                    body = _render(s, i + size, close, schemes, depth + 1, index)
                    out.append(f"<{tag}>{body}</{tag}>")
                    i = close + size
                    continue
            out.append(esc(delim))
            i += size
            continue
        if ch == "\n":
            out.append("<br>")
            i += 1
            continue
        out.append(esc(ch))
        i += 1
    return "".join(out)
