"""How far a variant's answer agrees with the reference's, token by token or word by word.

Under greedy decoding (temperature 0) two variants produce the same tokens until the first
position where their top-1 choices differ; after it their contexts differ, so later tokens
are no longer comparable. Hence:

- ``first_divergence``: the first index where the token sequences differ (a sequence that
  stops early or runs on counts as differing at the shorter length); None when identical.
- ``agreement``: tokens reproduced before the divergence over the longer sequence's length,
  ``d / max(n_ref, n_run)`` (1.0 when identical) — the share of the answer that is top-1
  identical to the reference.
- ``approx_kl`` (with logprobs): the mean, over positions ``0..d`` (these share the same
  context; position ``d`` included, where the choices split), of

      KL_i = Σ_{t ∈ K_i} p_i(t) · (log p_i(t) − log q̃_i(t))

  where ``K_i`` is the reference's top-k at position i, ``p_i`` its probabilities, and
  ``q̃_i(t)`` the variant's probability of ``t`` when ``t`` is in the variant's top-k, else
  the smallest probability the variant listed (an upper bound for an unlisted token, so the
  term is not overstated). Nats per token, clamped at 0. Mass outside the top-k is ignored,
  hence "approximate": it compares the two distributions where the reference puts its
  weight, and it is 0 for identical distributions.
- ``similarity``: ``difflib`` ratio of the two word sequences, 0..1 (works without logprobs).

Without logprobs the same definitions run over whitespace-separated words of the text.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from quantdesk.core.ollama import Logprob


@dataclass(frozen=True, slots=True)
class Transcript:
    """One generation: its text and, when the daemon sent them, its per-token logprobs."""

    text: str
    steps: tuple[Logprob, ...] = ()

    @property
    def tokens(self) -> list[str]:
        return [s.token for s in self.steps]

    @property
    def words(self) -> list[str]:
        return re.findall(r"\S+", self.text)


@dataclass(frozen=True, slots=True)
class Agreement:
    first_divergence: int | None
    agreement: float
    approx_kl: float | None
    similarity: float
    basis: str  # "logprobs" or "text"


def first_divergence(ref: Sequence[str], run: Sequence[str]) -> int | None:
    for i, (a, b) in enumerate(zip(ref, run, strict=False)):
        if a != b:
            return i
    return None if len(ref) == len(run) else min(len(ref), len(run))


def prefix_share(ref: Sequence[str], run: Sequence[str]) -> tuple[int | None, int, int]:
    """(first divergence, tokens matched before it, the longer length)."""
    d = first_divergence(ref, run)
    longest = max(len(ref), len(run))
    return d, longest if d is None else d, longest


def position_kl(ref: Logprob, run: Logprob) -> float | None:
    """KL(p‖q) at one position over the reference's top-k (see the module docstring);
    None when either side sent no top-k."""
    if not ref.top_logprobs or not run.top_logprobs:
        return None
    q = {c.token: c.logprob for c in run.top_logprobs}
    floor = min(q.values())  # an unlisted token is at most as likely as the least listed
    total = 0.0
    for c in ref.top_logprobs:
        total += math.exp(c.logprob) * (c.logprob - q.get(c.token, floor))
    return max(0.0, total)  # a truncated sum can dip below zero; KL itself cannot


def kl_terms(ref: Sequence[Logprob], run: Sequence[Logprob]) -> list[float]:
    """Per-position KL over the positions that share a context (``0..d`` inclusive)."""
    d = first_divergence([s.token for s in ref], [s.token for s in run])
    last = min(len(ref), len(run)) - 1 if d is None else min(d, len(ref) - 1, len(run) - 1)
    terms = []
    for i in range(last + 1):
        kl = position_kl(ref[i], run[i])
        if kl is not None:
            terms.append(kl)
    return terms


def similarity(ref_words: Sequence[str], run_words: Sequence[str]) -> float:
    if not ref_words and not run_words:
        return 1.0
    return difflib.SequenceMatcher(None, list(ref_words), list(run_words),
                                   autojunk=False).ratio()


def score(ref: Sequence[Transcript], run: Sequence[Transcript]) -> Agreement:
    """Agreement of a variant's transcripts with the reference's, pairwise (a task set has
    one pair per task). Pooled: matched tokens over total, the earliest divergence of any
    pair, the mean KL over all compared positions, the mean similarity."""
    if len(ref) != len(run) or not ref:
        raise ValueError("score needs one transcript per prompt on both sides")
    use_logprobs = all(t.steps for t in ref) and all(t.steps for t in run)
    matched = longest = 0
    earliest: int | None = None
    kls: list[float] = []
    sims: list[float] = []
    for a, b in zip(ref, run, strict=True):
        seq_a, seq_b = (a.tokens, b.tokens) if use_logprobs else (a.words, b.words)
        d, m, n = prefix_share(seq_a, seq_b)
        matched, longest = matched + m, longest + n
        if d is not None:
            earliest = d if earliest is None else min(earliest, d)
        if use_logprobs:
            kls += kl_terms(a.steps, b.steps)
        sims.append(similarity(a.words, b.words))
    return Agreement(
        first_divergence=earliest,
        agreement=matched / longest if longest else 1.0,
        approx_kl=sum(kls) / len(kls) if use_logprobs and kls else None,
        similarity=sum(sims) / len(sims),
        basis="logprobs" if use_logprobs else "text",
    )
