"""Generated, auto-graded quality tasks: answers are computed, so every variant gets a score.

``make_tasks(name, count, seed)`` builds the same list for the same arguments on any machine
(``random.Random`` seeded with a string is stable across processes and hash seeds). Task sets:
``arith`` (multi-digit + - ×), ``letters`` (count a letter in a word), ``sort`` (short lists of
numbers or words), ``format`` (exact-format answers: ISO date, upper case, thousands commas),
``units`` (unit conversion) and ``mixed`` (all of them, interleaved). ``solve(prompt)``
recomputes the expected answer from a generated prompt alone (the simulator answers tasks with
it); each solver sits next to its generator and a test holds the two together.

Graders forgive what a person would forgive — surrounding words ("The answer is 42."), case,
spacing, brackets around a list — but the ``format`` tasks are strict: the answer must be the
exact string, surrounding whitespace aside, because following the format *is* the task.
Accuracy comes with a Wilson score interval (95 %), which stays sensible for small sets and
for scores of 0 or 1, where the normal approximation collapses to a zero-width interval.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quantdesk.core.errors import QuantDeskError

MAX_TASKS = 1000
_Z95 = 1.959963984540054

# Words written for this module (no benchmark data): common, unambiguous spellings.
_WORDS: tuple[str, ...] = (
    "strawberry", "banana", "committee", "mississippi", "bookkeeper", "balloon", "engineer",
    "parallel", "assessment", "coffee", "letter", "programming", "accommodate", "necessary",
    "occurrence", "millennium", "embarrass", "possession", "successful", "tomorrow",
    "whisper", "pepper", "address", "kitten", "glasses", "puzzle", "village", "umbrella",
    "calendar", "giraffe", "hippopotamus", "raspberry", "cinnamon", "tennessee", "referee",
)
_SORT_WORDS: tuple[str, ...] = (
    "apple", "river", "candle", "mango", "zebra", "orbit", "lemon", "pencil", "tiger", "violin",
    "anchor", "harbor", "quartz", "salmon", "forest", "ember", "kettle", "walnut", "yarrow",
)
_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty"))}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
# (from, to, factor): integer factors keep expected answers exact.
_UNITS: tuple[tuple[str, str, int], ...] = (
    ("kilometres", "metres", 1000), ("kilograms", "grams", 1000), ("hours", "minutes", 60),
    ("minutes", "seconds", 60), ("metres", "centimetres", 100), ("litres", "millilitres", 1000),
    ("GiB", "MiB", 1024), ("days", "hours", 24), ("feet", "inches", 12),
)
# Thousands commas only in groups of three, so "1,2,3" reads as three numbers.
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")
_ONLY_NUMBER = " Answer with only the number."


class TaskSetError(QuantDeskError):
    """An unknown task set name or an unusable count."""


@dataclass(frozen=True, slots=True)
class Task:
    id: str  # "<set>-<seed>-<index>", stable for a (name, count, seed)
    kind: str  # arith | letters | sort | format | units
    prompt: str
    expected: str
    grader: Callable[[str], bool]

    def grade(self, response: str) -> bool:
        return self.grader(response)


@dataclass(frozen=True, slots=True)
class Accuracy:
    correct: int
    total: int
    low: float  # Wilson 95 % interval
    high: float

    @property
    def rate(self) -> float:
        return self.correct / self.total if self.total else 0.0


def wilson_interval(correct: int, total: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when nothing was graded."""
    if total <= 0:
        return 0.0, 1.0
    if not 0 <= correct <= total:
        raise ValueError("correct must lie between 0 and total")
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    # At 0 % and 100 % the bounds are exactly 0 and 1; floating point can miss by 1e-16.
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == total else min(1.0, centre + half)
    return low, high


def accuracy(results: Sequence[bool]) -> Accuracy:
    correct = sum(1 for r in results if r)
    low, high = wilson_interval(correct, len(results))
    return Accuracy(correct, len(results), low, high)


# -- graders --------------------------------------------------------------------------------

def _numbers(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def _numeric(expected: float) -> Callable[[str], bool]:
    """Right when the reply holds exactly one number and it equals ``expected``; a lone
    number word (``three``) counts for small answers."""
    def grade(response: str) -> bool:
        found = _numbers(response)
        if not found:
            words = [w for w in re.findall(r"[a-z]+", response.lower()) if w in _NUMBER_WORDS]
            found = [float(_NUMBER_WORDS[w]) for w in words]
        return len(found) == 1 and math.isclose(found[0], expected, rel_tol=1e-9, abs_tol=1e-9)
    return grade


def _sequence(expected: Sequence[str], numeric: bool) -> Callable[[str], bool]:
    def grade(response: str) -> bool:
        if numeric:
            return re.findall(r"-?\d+", response) == list(expected)
        return re.findall(r"[a-z]+", response.lower()) == [w.lower() for w in expected]
    return grade


def _exact(expected: str) -> Callable[[str], bool]:
    return lambda response: response.strip() == expected


# -- generators -----------------------------------------------------------------------------

def _arith(rng: random.Random) -> tuple[str, str, str, Callable[[str], bool]]:
    op = rng.choice("+-*")
    if op == "*":
        a, b = rng.randrange(12, 1000), rng.randrange(12, 100)
    else:
        a, b = rng.randrange(100, 100_000), rng.randrange(100, 100_000)
    value = a + b if op == "+" else a - b if op == "-" else a * b
    sign = "×" if op == "*" else op
    return "arith", f"What is {a} {sign} {b}?{_ONLY_NUMBER}", str(value), _numeric(value)


_ARITH_PROMPT = re.compile(rf"What is (\d+) ([-+×]) (\d+)\?{re.escape(_ONLY_NUMBER)}")


def _solve_arith(m: re.Match[str]) -> str:
    a, op, b = int(m[1]), m[2], int(m[3])
    return str(a + b if op == "+" else a - b if op == "-" else a * b)


def _letters(rng: random.Random) -> tuple[str, str, str, Callable[[str], bool]]:
    word = rng.choice(_WORDS)
    letter = rng.choice(sorted(set(word)))
    n = word.count(letter)
    prompt = f"How many times does the letter '{letter}' appear in the word '{word}'?"
    return "letters", prompt + _ONLY_NUMBER, str(n), _numeric(n)


_LETTERS_PROMPT = re.compile(
    rf"How many times does the letter '(.)' appear in the word '([a-z]+)'\?"
    rf"{re.escape(_ONLY_NUMBER)}")


def _solve_letters(m: re.Match[str]) -> str:
    return str(m[2].count(m[1]))


def _sort(rng: random.Random) -> tuple[str, str, str, Callable[[str], bool]]:
    size = rng.randrange(4, 8)
    if rng.random() < 0.5:
        items = [str(x) for x in rng.sample(range(-50, 1000), size)]
        expected = sorted(items, key=int)
        what, numeric = "numbers in ascending order", True
    else:
        items = rng.sample(_SORT_WORDS, size)
        expected = sorted(items)
        what, numeric = "words in alphabetical order", False
    prompt = (f"Sort these {what}: {', '.join(items)}. Answer with only the sorted list, "
              "separated by commas.")
    return "sort", prompt, ", ".join(expected), _sequence(expected, numeric)


_SORT_PROMPT = re.compile(
    r"Sort these (numbers in ascending order|words in alphabetical order): (.+)\. "
    r"Answer with only the sorted list, separated by commas\.")


def _solve_sort(m: re.Match[str]) -> str:
    items = m[2].split(", ")
    return ", ".join(sorted(items, key=int) if m[1].startswith("numbers") else sorted(items))


def _format(rng: random.Random) -> tuple[str, str, str, Callable[[str], bool]]:
    style = rng.randrange(3)
    if style == 0:
        day = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(365 * 40))
        expected = day.isoformat()
        prompt = (f"Write the date {day.day} {_MONTHS[day.month - 1]} {day.year} as an ISO "
                  "8601 date. Answer with only the date in the form YYYY-MM-DD.")
    elif style == 1:
        word = rng.choice(_WORDS + _SORT_WORDS)
        expected = word.upper()
        prompt = f"Write the word '{word}' in capital letters. Answer with only that word."
    else:
        n = rng.randrange(1_000, 100_000_000)
        expected = f"{n:,}"
        prompt = (f"Write the number {n} with commas as thousands separators (like 12,345). "
                  "Answer with only the number.")
    return "format", prompt, expected, _exact(expected)


_DATE_PROMPT = re.compile(
    rf"Write the date (\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{4}}) as an ISO 8601 date\. "
    r"Answer with only the date in the form YYYY-MM-DD\.")
_CAPITALS_PROMPT = re.compile(
    r"Write the word '([a-z]+)' in capital letters\. Answer with only that word\.")
_COMMAS_PROMPT = re.compile(
    r"Write the number (\d+) with commas as thousands separators \(like 12,345\)\. "
    r"Answer with only the number\.")


def _solve_date(m: re.Match[str]) -> str:
    return dt.date(int(m[3]), _MONTHS.index(m[2]) + 1, int(m[1])).isoformat()


def _solve_capitals(m: re.Match[str]) -> str:
    return m[1].upper()


def _solve_commas(m: re.Match[str]) -> str:
    return f"{int(m[1]):,}"


def _units(rng: random.Random) -> tuple[str, str, str, Callable[[str], bool]]:
    src, dst, factor = rng.choice(_UNITS)
    amount = rng.randrange(2, 200)
    if rng.random() < 0.3:  # a half keeps it from being pure integer multiplication
        value_text, value = f"{amount}.5", (amount + 0.5) * factor
    else:
        value_text, value = str(amount), float(amount * factor)
    expected = f"{value:g}" if value != int(value) else str(int(value))
    prompt = f"Convert {value_text} {src} to {dst}.{_ONLY_NUMBER}"
    return "units", prompt, expected, _numeric(value)


_UNIT_FACTORS = {(src, dst): factor for src, dst, factor in _UNITS}
_UNITS_PROMPT = re.compile(
    rf"Convert (\d+(?:\.5)?) (\S+) to (\S+)\.{re.escape(_ONLY_NUMBER)}")


def _solve_units(m: re.Match[str]) -> str | None:
    factor = _UNIT_FACTORS.get((m[2], m[3]))
    if factor is None:
        return None
    value = float(m[1]) * factor
    return f"{value:g}" if value != int(value) else str(int(value))


_KINDS: dict[str, Callable[[random.Random], tuple[str, str, str, Callable[[str], bool]]]] = {
    "arith": _arith, "letters": _letters, "sort": _sort, "format": _format, "units": _units,
}
TASK_SETS: tuple[str, ...] = (*_KINDS, "mixed")

# Each generator's prompt shape and the function that answers it, in generator order.
_SOLVERS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (_ARITH_PROMPT, _solve_arith), (_LETTERS_PROMPT, _solve_letters),
    (_SORT_PROMPT, _solve_sort), (_DATE_PROMPT, _solve_date),
    (_CAPITALS_PROMPT, _solve_capitals), (_COMMAS_PROMPT, _solve_commas),
    (_UNITS_PROMPT, _solve_units),
)


def solve(prompt: str) -> str | None:
    """The reference answer to a prompt one of our generators wrote, in the exact shape its
    grader wants (``"1234"``, ``"apple, mango"``, ``"2024-03-09"``); None for any other text.

    The answer is recomputed from the prompt alone, so a simulated model (or any checker)
    can answer a task without being handed the task list.
    """
    text = prompt.strip()
    for pattern, answer in _SOLVERS:
        m = pattern.fullmatch(text)
        if m is not None:
            try:
                return answer(m)
            except ValueError:  # the shape of a task but not its content: 31 February
                return None
    return None


def make_tasks(name: str, count: int, seed: int) -> list[Task]:
    """``count`` tasks of set ``name``; the same arguments always give the same tasks."""
    key = name.strip().lower()
    if key not in TASK_SETS:
        raise TaskSetError(
            f"There is no task set '{name}'. Choose one of: {', '.join(TASK_SETS)}.")
    if not 1 <= count <= MAX_TASKS:
        raise TaskSetError(f"A task set needs between 1 and {MAX_TASKS} tasks, not {count}.")
    rng = random.Random(f"quantdesk-tasks/{key}/{seed}")
    kinds = list(_KINDS)
    tasks = []
    for i in range(count):
        make = _KINDS[kinds[i % len(kinds)]] if key == "mixed" else _KINDS[key]
        kind, prompt, expected, grader = make(rng)
        tasks.append(Task(f"{key}-{seed}-{i}", kind, prompt, expected, grader))
    return tasks


def parse_task_spec(text: str) -> tuple[str, int]:
    """``"arith:20"`` -> ("arith", 20); the name is checked, the count must be a number."""
    name, sep, count = text.partition(":")
    if not sep or not count.strip().isdigit():
        raise TaskSetError(f"'{text}' should look like NAME:COUNT, e.g. mixed:20.")
    name = name.strip().lower()
    if name not in TASK_SETS:
        raise TaskSetError(
            f"There is no task set '{name}'. Choose one of: {', '.join(TASK_SETS)}.")
    return name, int(count)
