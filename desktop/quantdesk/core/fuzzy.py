"""Fuzzy matching for the model palette: the query's letters in order, anywhere in the name.

"qwen7" finds ``qwen2.5:7b`` and "l31q4" finds ``llama3.1:8b-instruct-q4_K_M``: every query
character must appear in the name in the same order (case ignored, spaces in the query
ignored). Among the ways to place them, the best-scoring one wins, and names are ranked by it:

- each matched character scores; one at the very start of the name scores most (a prefix),
  one at the start of a word (after ``:``, ``-``, ``_``, ``.``, ``/`` or a space) or at a
  letter/digit change (``llama|3``) scores more than one inside a word;
- a character right after the previous match scores a run bonus; a gap costs a little to open
  and less to widen, and letters skipped before the first match cost a little each;
- equal scores put the shorter name first, then the caller's order.

The alignment is a small dynamic programme over the positions where each query character
occurs (not over every pair of positions), so a keystroke over a thousand names stays well
inside a frame (``bench/bench_fuzzy.py``). ``FuzzyMatch.positions`` says which characters
matched, for highlighting; :func:`highlight_runs` merges them into runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

SCORE_MATCH = 16
BONUS_PREFIX = 24  # matched at position 0
BONUS_WORD = 16  # matched right after a separator
BONUS_BOUNDARY = 10  # matched where letters turn to digits (or back), or lower to upper case
BONUS_RUN = 12  # matched right after the previous query character's match
GAP_OPEN = -5
GAP_EXTEND = -2
LEADING_PER_CHAR = -1  # per character skipped before the first match ...
LEADING_MAX = -12  # ... up to this much

_SEPARATORS = frozenset(":-_./ @+")
_NONE = -(1 << 30)


@dataclass(frozen=True, slots=True)
class FuzzyMatch:
    text: str
    score: int
    positions: tuple[int, ...]  # indexes into ``text`` of the matched characters, ascending


def _bonus(text: str, i: int) -> int:
    if i == 0:
        return BONUS_PREFIX
    prev, here = text[i - 1], text[i]
    if prev in _SEPARATORS:
        return BONUS_WORD
    if prev.isdigit() != here.isdigit() and here.isalnum() and prev.isalnum():
        return BONUS_BOUNDARY
    if prev.islower() and here.isupper():
        return BONUS_BOUNDARY
    return 0


def _gap(skipped: int) -> int:
    return 0 if skipped == 0 else GAP_OPEN + GAP_EXTEND * (skipped - 1)


def _is_subsequence(query: str, low: str) -> bool:
    at = 0
    for ch in query:
        at = low.find(ch, at)
        if at < 0:
            return False
        at += 1
    return True


def fuzzy_match(query: str, text: str) -> FuzzyMatch | None:
    """The best way to find ``query``'s characters in order in ``text``, or None.

    An empty (or all-space) query matches everything with score 0 and no positions."""
    q = "".join(query.split()).lower()
    if not q:
        return FuzzyMatch(text, 0, ())
    low = text.lower()
    n, m = len(low), len(q)
    if m > n or not _is_subsequence(q, low):
        return None
    # Where each query character may sit: it leaves room before it for the ones ahead of it
    # and after it for the ones behind.
    columns = [[p for p in range(i, n - (m - i) + 1) if low[p] == q[i]] for i in range(m)]
    scores: list[list[int]] = []
    back: list[list[int]] = []
    first = columns[0]
    scores.append([SCORE_MATCH + _bonus(text, p) + max(LEADING_MAX, LEADING_PER_CHAR * p)
                   for p in first])
    back.append([-1] * len(first))
    for i in range(1, m):
        prev_cols, prev_scores = columns[i - 1], scores[i - 1]
        row, links = [], []
        for p in columns[i]:
            best, link = _NONE, -1
            for k, pp in enumerate(prev_cols):
                if pp >= p:
                    break
                s = prev_scores[k]
                if s == _NONE:
                    continue
                s += BONUS_RUN if pp == p - 1 else _gap(p - pp - 1)
                if s > best:
                    best, link = s, k
            row.append(best + SCORE_MATCH + _bonus(text, p) if link >= 0 else _NONE)
            links.append(link)
        scores.append(row)
        back.append(links)
    last = scores[-1]
    k = max(range(len(last)), key=last.__getitem__)
    if last[k] == _NONE:
        return None  # pragma: no cover - the subsequence check guarantees one alignment
    total = last[k]
    positions = []
    for i in range(m - 1, -1, -1):
        positions.append(columns[i][k])
        k = back[i][k]
    return FuzzyMatch(text, total, tuple(reversed(positions)))


def fuzzy_filter(query: str, items: Iterable[T], key: Callable[[T], str]) -> list[
        tuple[T, FuzzyMatch]]:
    """``items`` whose ``key`` matches, best first (ties: shorter key, then input order).
    An empty query keeps every item in the caller's order (loaded models first, say)."""
    if not "".join(query.split()):
        return [(item, FuzzyMatch(key(item), 0, ())) for item in items]
    found: list[tuple[int, int, int, T, FuzzyMatch]] = []
    for order, item in enumerate(items):
        match = fuzzy_match(query, key(item))
        if match is not None:
            found.append((-match.score, len(match.text), order, item, match))
    found.sort(key=lambda row: row[:3])
    return [(row[3], row[4]) for row in found]


def fuzzy_rank(query: str, texts: Iterable[str], *, limit: int | None = None) -> list[FuzzyMatch]:
    """The matching ``texts``, best first; at most ``limit`` of them."""
    ranked = [match for _, match in fuzzy_filter(query, texts, key=str)]
    return ranked if limit is None else ranked[:limit]


def highlight_runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Matched positions as ``(start, end)`` runs (end exclusive), for bold spans."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and runs[-1][1] == p:
            runs[-1] = (runs[-1][0], p + 1)
        else:
            runs.append((p, p + 1))
    return runs
