"""A forgiving HTML-to-tree reader, just enough to select rows of ollama.com pages.

The standard library's HTMLParser never raises on bad markup; this module turns its events
into a tree of ``Node`` so the page parser can select by tag and class like a CSS selector
would. Unclosed and stray end tags are tolerated the way browsers tolerate them.

A page is not trusted, so the work stays linear and bounded whatever it holds: elements nest
at most ``MAX_DEPTH`` deep (deeper ones become children of the deepest, as browsers cap
nesting too), a stray end tag is recognised without scanning the open elements, at most
``MAX_NODES`` elements and text pieces are kept (``Node.truncated`` on the root says the rest
was dropped), and every walk is iterative, so no depth of markup reaches Python's recursion
limit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"]
)
MAX_DEPTH = 256
MAX_NODES = 50_000  # a real tags page has a few thousand elements and text pieces
MAX_TEXT = 4096  # characters ``text()`` gathers: a row's text is a few dozen


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None
    truncated: bool = False  # on the root: the page had more than MAX_NODES pieces

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(self.attrs.get("class", "").split())

    def has_classes(self, *names: str) -> bool:
        return set(names) <= self.classes

    def iter(self, *, into: Callable[[Node], bool] | None = None) -> Iterator[Node]:
        """This node and every element below it, document order; with ``into``, the walk
        does not go below a node (other than this one) for which ``into`` is false."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            if node is self or into is None or into(node):
                stack.extend(c for c in reversed(node.children) if isinstance(c, Node))

    def find_all(self, pred: Callable[[Node], bool]) -> list[Node]:
        return [n for n in self.iter() if n is not self and pred(n)]

    def find_outermost(self, pred: Callable[[Node], bool]) -> list[Node]:
        """Nodes matching ``pred`` that are not inside another match (rows are siblings; a
        page nesting "rows" in rows would otherwise cost a walk per level)."""
        return [n for n in self.iter(into=lambda n: not pred(n)) if n is not self and pred(n)]

    def find(self, pred: Callable[[Node], bool]) -> Node | None:
        return next((n for n in self.iter() if n is not self and pred(n)), None)

    def text(self) -> str:
        """All text below (the first ``MAX_TEXT`` characters of it), whitespace collapsed."""
        parts: list[str] = []
        size = visits = 0
        stack: list[Node | str] = list(reversed(self.children))
        # Bounded in pieces visited as well as characters: markup with no text in it
        # (thousands of empty elements) must not make every text() walk all of it.
        while stack and size < MAX_TEXT and visits < MAX_TEXT // 2:
            visits += 1
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
                size += len(item)
            else:
                stack.extend(reversed(item.children))
        return " ".join(" ".join(parts)[:MAX_TEXT].split())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self._open: list[Node] = [self.root]
        self._open_names: Counter[str] = Counter()
        self._pieces = 0

    def _room(self) -> bool:
        self._pieces += 1
        if self._pieces > MAX_NODES:
            self.root.truncated = True
            return False
        return True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._room():
            return
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self._open[-1])
        self._open[-1].children.append(node)
        if tag not in _VOID and len(self._open) <= MAX_DEPTH:
            self._open.append(node)
            self._open_names[tag] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._room():
            return
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self._open[-1])
        self._open[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the nearest open element of that name; a stray end tag is ignored.
        if not self._open_names[tag]:
            return
        while True:
            node = self._open.pop()
            self._open_names[node.tag] -= 1
            if node.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        if self._room():
            self._open[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self._room()  # not kept, but counted: a page of comments is no tags page either


_FEED = 64 * 1024
# A tag longer than this is not markup of a real page (its longest, an inline SVG path, is a
# few KB); it is dropped whole, since HTMLParser builds a list of every attribute in it.
_GIANT_TAG = re.compile(r"<[^<>]{16384,}>?")


def parse_html(text: str) -> Node:
    """The tree of ``text``. Fed in pieces that end after a ``>`` where there is one (the
    parser rescans a construct cut in two), so parsing stops soon after ``MAX_NODES``."""
    builder = _Builder()
    text = _GIANT_TAG.sub("", text)
    start = 0
    while start < len(text):
        # After the giant tags are gone a tag is under 16 KB, so one ends within the window.
        cut = text.find(">", start + _FEED, start + 2 * _FEED)
        end = min(len(text), start + 2 * _FEED if cut < 0 else cut + 1)
        builder.feed(text[start:end])
        if builder.root.truncated:
            return builder.root
        start = end
    builder.close()
    return builder.root
