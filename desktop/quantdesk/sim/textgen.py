"""Deterministic text for the simulated models, with quality that falls as bits fall.

For a lineage (``llama3.1:8b-instruct``), a prompt and a seed there is one *reference* word
sequence: what the fp16 build says greedily. A quantized build says exactly the same words up
to a divergence position, then seeded words of its own. The position comes earlier as the
build's whole-file bits per weight fall (``QuantLevel.file_bpw``): ``divergence_point`` is
monotone in bits for a given prompt and seed, and full-precision builds never diverge.

Every position also has a candidate distribution (``Step.candidates``, best first) used for
logprobs and for sampling when ``temperature > 0``: lower-bit builds have flatter
distributions, and after the divergence the fp16 word stays a runner-up. Sampling is seeded,
so the same request always yields the same text.

A prompt that is one of QuantDesk's generated tasks is answered instead by ``say`` with the
words :mod:`quantdesk.sim.task_answers` chooses (right at fp16, wrong more often as bits
fall), through the same candidate and logprob machinery.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from quantdesk.core.quant import QuantLevel

_WORDS = """the a of to and in is it that for on with as was by this be are from at or an which
    model weights memory layer token context quantized bits precision answer question value
    number small large fast slow local machine graphics card cache offload fits running
    result simple clear we you they one two three four five six seven eight nine ten first
    second next then because so if when while each every more less most least very quite
    about between through under over after before into out up down here there now later
    again still also only just even often sometimes usually rarely good better best poor
    high low new old long short right wrong true false same different other another such
    make makes made use uses used run runs ran give gives gave take takes took see sees
    shows show read reads write writes find finds keep keeps stay stays load loads hold
    holds need needs want wants think thinks know knows say says mean means help helps
    data text word words line lines list lists table tables file files step steps way ways
    time times part parts case cases point points rule rules test tests score scores level
    levels size sizes speed speeds choice choices option options detail details reason
    reasons example examples summary overall therefore however indeed perhaps probably
    clearly certainly roughly nearly almost exactly"""
VOCAB: tuple[str, ...] = tuple(_WORDS.split())
TOP_K = 20
_FULL_PRECISION_BPW = 16.0


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def natural_length(lineage: str, prompt: str, seed: int) -> int:
    """How many words the reference answer has before it stops by itself."""
    return 24 + _rng("len", lineage, prompt, seed).randrange(40)


def divergence_point(level: QuantLevel, prompt: str, seed: int) -> int | None:
    """Index of the first word where ``level`` leaves the fp16 text; None for full precision.

    Grows geometrically with bits per weight; the per-prompt factor is shared by all levels,
    so for one prompt and seed the order always follows the bits.
    """
    if level.file_bpw >= _FULL_PRECISION_BPW:
        return None
    jitter = 0.75 + 0.5 * _rng("jitter", prompt, seed).random()
    return max(1, int(4.0 * 1.8 ** (level.file_bpw - 2.0) * jitter))


def sharpness(level: QuantLevel) -> float:
    """Logit gap between neighbouring candidates: fp16 3.2, Q8_0 ≈ 3.17, Q4_K_M ≈ 2.9,
    Q2_K ≈ 2.2. The loss of sharpness decays exponentially with bits, like llama.cpp's
    perplexity figures (Q8_0 +0.003, Q4_K_M +0.18, Q2_K +3.5), so 8-bit stays near fp16."""
    return 3.2 - 2.0 * math.exp(-(min(level.file_bpw, _FULL_PRECISION_BPW) - 2.0) / 1.6)


def token_id(word: str, vocab_size: int) -> int:
    return int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big") % vocab_size


@dataclass(frozen=True, slots=True)
class Step:
    word: str  # the emitted word (the top candidate unless sampled otherwise)
    text: str  # what goes on the wire: the word with its leading space
    logprob: float
    candidates: tuple[tuple[str, float], ...]  # (word, logprob), best first, TOP_K long


def _word_at(lineage: str, prompt: str, seed: int, salt: str, i: int) -> str:
    return VOCAB[_rng("w", lineage, prompt, seed, salt, i).randrange(len(VOCAB))]


def greedy_word(
    lineage: str, level: QuantLevel, prompt: str, seed: int, i: int, salt: str = "answer"
) -> str:
    """The i-th word a build says at temperature 0."""
    ref = _word_at(lineage, prompt, seed, salt, i)
    d = divergence_point(level, prompt, seed)
    if d is None or i < d:
        return ref
    own = _word_at(lineage, prompt, seed, f"{salt}/{level.name}", i)
    if own == ref:  # a divergent word must really differ
        own = VOCAB[(VOCAB.index(own) + 1) % len(VOCAB)]
    return own


def _candidates(
    lineage: str, level: QuantLevel, prompt: str, seed: int, i: int, salt: str
) -> tuple[tuple[str, float], ...]:
    top = greedy_word(lineage, level, prompt, seed, i, salt)
    return _ranked(top, _word_at(lineage, prompt, seed, salt, i), lineage, level, prompt, seed,
                   i, salt)


def _ranked(
    top: str, ref: str | None, lineage: str, level: QuantLevel, prompt: str, seed: int, i: int,
    salt: str,
) -> tuple[tuple[str, float], ...]:
    """``top`` first; the reference's word ``ref`` runner-up where it differs; seeded filler."""
    words = [top]
    if ref is not None and ref != top:  # the full-precision choice stays in the running
        words.append(ref)
    # The runners-up are the same words for every build of a lineage (they share training),
    # so the distributions differ in sharpness, not in vocabulary.
    pick = _rng("alt", lineage, prompt, seed, salt, i)
    while len(words) < TOP_K:
        w = VOCAB[pick.randrange(len(VOCAB))]
        if w not in words:
            words.append(w)
    gap = sharpness(level)
    logits = [-gap * k * (1 + 0.05 * k) for k in range(TOP_K)]
    # A little mass for the rest of the vocabulary keeps the numbers honest log-probabilities.
    norm = math.log(sum(math.exp(x) for x in logits) + math.exp(-2 * gap))
    return tuple((w, x - norm) for w, x in zip(words, logits, strict=True))


def _emit(
    ranked: Iterator[tuple[tuple[str, float], ...]], sampler: random.Random, temperature: float
) -> Iterator[Step]:
    for i, cands in enumerate(ranked):
        word, lp = cands[0]
        if temperature > 0:
            weights = [math.exp(c_lp / temperature) for _, c_lp in cands]
            word, lp = sampler.choices(cands, weights=weights)[0]
        yield Step(word, word if i == 0 else " " + word, lp, cands)


def generate(
    lineage: str,
    level: QuantLevel,
    prompt: str,
    *,
    seed: int = 0,
    temperature: float = 0.0,
    limit: int | None = None,
    salt: str = "answer",
    length: int | None = None,
) -> Iterator[Step]:
    """The words a build emits, in order; stops at the natural length (or ``length`` words
    when given) or at ``limit``."""
    n = natural_length(lineage + salt, prompt, seed) if length is None else length
    if limit is not None:
        n = min(n, limit)
    sampler = _rng("sample", lineage, level.name, prompt, seed, salt)
    ranked = (_candidates(lineage, level, prompt, seed, i, salt) for i in range(n))
    yield from _emit(ranked, sampler, temperature)


def say(
    lineage: str,
    level: QuantLevel,
    prompt: str,
    words: Sequence[str],
    reference: Sequence[str],
    *,
    seed: int = 0,
    temperature: float = 0.0,
    limit: int | None = None,
    salt: str = "answer",
) -> Iterator[Step]:
    """A fixed answer (``words``) with the same logprob machinery as free text: the
    reference's word at each position stays the runner-up where the two differ, so the
    answer diverges from the reference exactly at the first differing word."""
    n = len(words) if limit is None else min(len(words), limit)
    sampler = _rng("sample", lineage, level.name, prompt, seed, salt)
    ranked = (
        _ranked(words[i], reference[i] if i < len(reference) else None, lineage, level, prompt,
                seed, i, salt)
        for i in range(n)
    )
    yield from _emit(ranked, sampler, temperature)
