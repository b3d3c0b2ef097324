"""Simulated answers to QuantDesk's generated tasks: right at full precision, wrong more often
as bits per weight fall.

A prompt that ``quantdesk.core.tasks.solve`` recognises gets a real answer instead of filler
words. The full-precision build (the comparison's reference) always answers correctly; it
*is* the reference, so the simulator does not model mistakes of the original weights. A
quantized build answers wrongly when one uniform draw per (lineage, prompt, seed) falls below
its level's error rate. Because every level of a lineage compares the *same* draw against
thresholds that rise as bits fall, the outcome is monotone: for one prompt and seed, if a
higher-bit build is wrong, every lower-bit build is wrong too, so accuracy over a task set
can only fall with bits.

Calibration (``_WRONG_AT``, piecewise linear in ``QuantLevel.file_bpw``), chosen to look like
small instruct models on short exact tasks rather than measured on any benchmark:

    F16/BF16/F32 0 %   Q8_0 2 %   Q6_K 4 %   Q5_K_M ≈ 6 %   Q5_0 7 %   Q4_K_M 12 %
    Q4_0 ≈ 18 %   Q3_K_M 30 %   Q2_K 50 %   2 bpw 75 %   1 bpw and below 90 %

A wrong answer is a plausible mistake in the answer's own shape — a digit off by one, two
neighbouring digits or list items swapped, a list sorted the wrong way, a date in the wrong
format, a word left in lower case — and every candidate differs from the right answer in a
way the task's grader rejects. Which mistake a build makes is seeded per level.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from dataclasses import dataclass

from quantdesk.core.quant import QuantLevel
from quantdesk.core.tasks import solve

# (file bits per weight, probability of a wrong answer), highest bits first.
_WRONG_AT: tuple[tuple[float, float], ...] = (
    (16.0, 0.0), (8.5, 0.02), (6.56, 0.04), (5.5, 0.07), (4.89, 0.12), (4.55, 0.18),
    (3.97, 0.30), (3.15, 0.50), (2.0, 0.75), (1.0, 0.90),
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CAPITALS = re.compile(r"[A-Z]+")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_INTEGER = re.compile(r"-?\d+")
_GIVE_UP = "I do not know."  # no number, no list, not the format: wrong under every grader


def _uniform(*parts: object) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def wrong_probability(level: QuantLevel) -> float:
    """The share of tasks a build of ``level`` gets wrong; never rises with bits."""
    bpw = level.file_bpw
    if bpw >= _WRONG_AT[0][0]:
        return _WRONG_AT[0][1]
    for (hi_bpw, hi_p), (lo_bpw, lo_p) in itertools.pairwise(_WRONG_AT):
        if bpw >= lo_bpw:
            return lo_p + (hi_p - lo_p) * (bpw - lo_bpw) / (hi_bpw - lo_bpw)
    return _WRONG_AT[-1][1]


def answers_wrong(lineage: str, level: QuantLevel, prompt: str, seed: int) -> bool:
    """Whether this build gets this task wrong: one draw per (lineage, prompt, seed), shared
    by every level, against the level's threshold."""
    return _uniform("task", lineage, prompt, seed) < wrong_probability(level)


# -- plausible mistakes, by the shape of the right answer -------------------------------------

def _integer_mistakes(answer: str) -> list[str]:
    sign, digits = ("-", answer[1:]) if answer.startswith("-") else ("", answer)
    value = int(answer)
    out = [str(value + 1), str(value - 1)]
    for i, d in enumerate(digits):  # a carry slip: one digit one off
        for step in (1, -1):
            new = str((int(d) + step) % 10)
            if not (i == 0 and new == "0" and len(digits) > 1):
                out.append(sign + digits[:i] + new + digits[i + 1:])
    for i in range(len(digits) - 1):  # two neighbouring digits swapped
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        if swapped[0] != "0" or len(swapped) == 1:
            out.append(sign + swapped)
    return out


def _date_mistakes(m: re.Match[str]) -> list[str]:
    y, mo, d = m.groups()
    day = dt.date(int(y), int(mo), int(d))
    return [f"{y}-{d}-{mo}", f"{y}/{mo}/{d}", f"{mo}/{d}/{y}", f"{d}.{mo}.{y}",
            (day + dt.timedelta(days=1)).isoformat(), (day - dt.timedelta(days=1)).isoformat()]


def _capitals_mistakes(answer: str) -> list[str]:
    out = [answer.capitalize(), answer.lower(), f"{answer}."]
    for i in range(len(answer) - 1):  # a doubled letter written once
        if answer[i] == answer[i + 1]:
            out.append(answer[:i] + answer[i + 1:])
    return out


def _grouped_mistakes(answer: str) -> list[str]:
    plain = answer.replace(",", "")
    out = [plain, answer.replace(",", "."), answer.replace(",", " ")]
    out += [f"{int(wrong):,}" for wrong in _integer_mistakes(plain) if not wrong.startswith("-")]
    return out


def _list_mistakes(answer: str) -> list[str]:
    items = answer.split(", ")
    out = [", ".join(reversed(items))]
    for i in range(len(items) - 1):  # two neighbours left in the wrong order
        swapped = [*items[:i], items[i + 1], items[i], *items[i + 2:]]
        out.append(", ".join(swapped))
    for i in range(len(items)):  # one item forgotten
        out.append(", ".join(items[:i] + items[i + 1:]))
    return out


def mistakes(answer: str) -> list[str]:
    """Every plausible wrong answer the simulator may give instead of ``answer``."""
    if m := _DATE.fullmatch(answer):
        found = _date_mistakes(m)
    elif _CAPITALS.fullmatch(answer):
        found = _capitals_mistakes(answer)
    elif _GROUPED.fullmatch(answer):
        found = _grouped_mistakes(answer)
    elif _INTEGER.fullmatch(answer):
        found = _integer_mistakes(answer)
    elif ", " in answer:
        found = _list_mistakes(answer)
    else:
        found = []
    unique = [w for w in dict.fromkeys(found) if w != answer]
    return unique or [_GIVE_UP]


@dataclass(frozen=True, slots=True)
class TaskReply:
    """What a build says to a task prompt, as words joined by single spaces."""

    reference: tuple[str, ...]  # the full-precision (right) answer
    words: tuple[str, ...]  # this build's answer: the reference, or a mistake
    correct: bool

    @property
    def text(self) -> str:
        return " ".join(self.words)


def task_reply(lineage: str, level: QuantLevel, prompt: str, seed: int) -> TaskReply | None:
    """This build's answer to a generated task prompt; None when ``prompt`` is not a task."""
    answer = solve(prompt)
    if answer is None:
        return None
    reference = tuple(answer.split(" "))
    if not answers_wrong(lineage, level, prompt, seed):
        return TaskReply(reference, reference, True)
    choices = mistakes(answer)
    wrong = choices[int(_uniform("mistake", lineage, level.name, prompt, seed) * len(choices))]
    return TaskReply(reference, tuple(wrong.split(" ")), False)
