"""Model Markdown to HTML that is safe to hand to a Qt text widget.

What comes out is built only from this module's templates: ``p br strong em del code pre
h1–h6 ul ol li blockquote hr table thead tbody tr th td a span``, with no attribute but
``href`` (links whose scheme is in ``link_schemes``, or ``#copy-N``), ``class``, ``start`` and
``align``. Every character of the model's text is escaped, so raw HTML in an answer shows as
text, and nothing can ask Qt to load a resource: no ``img``, no ``style``, no relative or local
link (see ``markdown_inline``).

Fenced code blocks come back in ``code_blocks`` as well, in order, so a front end can copy
them; with ``copy_links`` each block is preceded by a "Copy" link to ``#copy-N`` (a fragment:
a text browser that follows it scrolls, it never loads). An answer still streaming often ends
inside a fence: that block is shown as far as it got (``closed=False``).

Covered: paragraphs (line breaks kept), ATX headings, fenced code, bullet and numbered lists
(nested), block quotes, GitHub tables, rules, and the inline forms of ``markdown_inline``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from quantdesk.core.chat.markdown_inline import esc, inline

SAFE_LINK_SCHEMES: tuple[str, ...] = ("https", "http", "mailto")
MAX_NESTING = 8  # lists and quotes deeper than this are shown as text
MAX_COLUMNS = 64

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ITEM = re.compile(r"^( {0,3})([-*+]|(\d{1,9})[.)])([ \t]+|$)(.*)$")
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_TABLE_RULE = re.compile(r"^ {0,3}\|?(?:[ \t]*:?-+:?[ \t]*\|)*[ \t]*:?-+:?[ \t]*\|?[ \t]*$")
_COPY = re.compile(r"^#copy-(\d+)$")
_LANGUAGE = re.compile(r"[^A-Za-z0-9_+#.-]")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    index: int
    language: str  # as the fence named it ("" when it did not)
    code: str
    closed: bool = True  # False: the answer ended inside it (still streaming)


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    code_blocks: tuple[CodeBlock, ...]


def copy_target(href: str) -> int | None:
    """The code block a ``#copy-N`` link stands for, else None."""
    m = _COPY.match(href)
    return int(m.group(1)) if m else None


def render_markdown(text: str, *, link_schemes: Collection[str] = SAFE_LINK_SCHEMES,
                    copy_links: bool = True) -> RenderedMarkdown:
    blocks: list[CodeBlock] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").split("\n")
    parser = _Parser(tuple(link_schemes), copy_links, blocks)
    return RenderedMarkdown(parser.blocks(lines, depth=0, tight=False), tuple(blocks))


def _starts_block(line: str) -> bool:
    return bool(_FENCE.match(line) or _ATX.match(line) or _RULE.match(line)
                or _QUOTE.match(line) or _ITEM.match(line))


def _cells(line: str) -> list[str]:
    row = line.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)][:MAX_COLUMNS]


class _Parser:
    def __init__(self, schemes: tuple[str, ...], copy_links: bool,
                 code: list[CodeBlock]) -> None:
        self.schemes, self.copy_links, self.code = schemes, copy_links, code

    def inline(self, text: str) -> str:
        return inline(text, self.schemes)

    def blocks(self, lines: list[str], *, depth: int, tight: bool) -> str:
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
            elif m := _FENCE.match(line):
                i = self._fence(lines, i, m, out)
            elif m := _ATX.match(line):
                level = len(m.group(1))
                out.append(f"<h{level}>{self.inline(m.group(2) or '')}</h{level}>")
                i += 1
            elif _RULE.match(line):
                out.append("<hr>")
                i += 1
            elif _QUOTE.match(line) and depth < MAX_NESTING:
                i = self._quote(lines, i, depth, out)
            elif _ITEM.match(line) and depth < MAX_NESTING:
                i = self._list(lines, i, depth, out)
            elif "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]) \
                    and "-" in lines[i + 1]:
                i = self._table(lines, i, out)
            else:
                i = self._paragraph(lines, i, tight, out)
        return "\n".join(out)

    def _paragraph(self, lines: list[str], i: int, tight: bool, out: list[str]) -> int:
        start = i
        i += 1
        while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
            i += 1
        body = self.inline("\n".join(x.strip() for x in lines[start:i]))
        out.append(body if tight else f"<p>{body}</p>")
        return i

    def _fence(self, lines: list[str], i: int, m: re.Match[str], out: list[str]) -> int:
        indent, fence = len(m.group(1)), m.group(2)
        language = _LANGUAGE.sub("", m.group(3))[:32]
        body, i, closed = [], i + 1, False
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                closed, i = True, i + 1
                break
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))):])
            i += 1
        block = CodeBlock(len(self.code), language, "\n".join(body), closed)
        self.code.append(block)
        if self.copy_links:
            label = f'<span class="code-language">{esc(language)}</span> ' if language else ""
            out.append(f'<p class="code-bar">{label}<a href="#copy-{block.index}">Copy</a></p>')
        lang_class = f' class="language-{esc(language)}"' if language else ""
        out.append(f"<pre><code{lang_class}>{esc(block.code)}</code></pre>")
        return i

    def _quote(self, lines: list[str], i: int, depth: int, out: list[str]) -> int:
        inner: list[str] = []
        while i < len(lines):
            if m := _QUOTE.match(lines[i]):
                inner.append(m.group(1))
            elif lines[i].strip() and inner and inner[-1].strip() \
                    and not _starts_block(lines[i]):
                inner.append(lines[i])  # a lazy continuation of the quoted paragraph
            else:
                break
            i += 1
        body = self.blocks(inner, depth=depth + 1, tight=False)
        out.append(f"<blockquote>{body}</blockquote>")
        return i

    def _list(self, lines: list[str], i: int, depth: int, out: list[str]) -> int:
        first = _ITEM.match(lines[i])
        assert first is not None
        ordered = first.group(3) is not None
        marker = first.group(2)[-1]
        items: list[list[str]] = []
        loose = False
        while i < len(lines):
            m = _ITEM.match(lines[i])
            if m and (m.group(3) is not None) == ordered and m.group(2)[-1] == marker:
                width = len(m.group(1)) + len(m.group(2)) + max(1, len(m.group(4)))
                items.append([m.group(5)])
                i += 1
                while i < len(lines):
                    line = lines[i]
                    lead = len(line) - len(line.lstrip(" "))
                    if not line.strip():
                        j = i + 1
                        while j < len(lines) and not lines[j].strip():
                            j += 1
                        nxt = lines[j] if j < len(lines) else ""
                        nxt_lead = len(nxt) - len(nxt.lstrip(" "))
                        if not nxt or (nxt_lead < width and not _ITEM.match(nxt)):
                            break
                        loose = loose or nxt_lead >= width or bool(_ITEM.match(nxt))
                        items[-1].extend([""] * (j - i))
                        i = j
                        continue
                    elif lead >= min(width, 2) and lead > len(m.group(1)):
                        items[-1].append(line[min(lead, width):])
                    elif not _starts_block(line) and items[-1][-1].strip():
                        items[-1].append(line.strip())  # lazy continuation
                    else:
                        break
                    i += 1
                continue
            break
        tag = "ol" if ordered else "ul"
        start = int(first.group(3)) if ordered else 1
        attr = f' start="{start}"' if ordered and start != 1 else ""
        body = "".join(
            f"<li>{self.blocks(_trim(item), depth=depth + 1, tight=not loose)}</li>"
            for item in items)
        out.append(f"<{tag}{attr}>{body}</{tag}>")
        return i

    def _table(self, lines: list[str], i: int, out: list[str]) -> int:
        head = _cells(lines[i])
        aligns = []
        for spec in _cells(lines[i + 1]):
            left, right = spec.startswith(":"), spec.endswith(":")
            aligns.append("center" if left and right else "right" if right else
                          "left" if left else "")
        i += 2
        rows = []
        while i < len(lines) and "|" in lines[i] and lines[i].strip():
            rows.append(_cells(lines[i]))
            i += 1

        def cell(tag: str, text: str, col: int) -> str:
            align = aligns[col] if col < len(aligns) else ""
            attr = f' align="{align}"' if align else ""
            return f"<{tag}{attr}>{self.inline(text)}</{tag}>"

        width = len(head)
        thead = "".join(cell("th", c, k) for k, c in enumerate(head))
        tbody = "".join(
            "<tr>" + "".join(cell("td", r[k] if k < len(r) else "", k) for k in range(width))
            + "</tr>" for r in rows)
        out.append(f"<table><thead><tr>{thead}</tr></thead><tbody>{tbody}</tbody></table>")
        return i


def _trim(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return lines[:end]
