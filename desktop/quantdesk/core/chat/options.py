"""Per-chat settings in plain words, with their limits, mapped to Ollama's ``options``.

Each setting has a label and a one-line help a person can read; the Ollama name
(``temperature``, ``num_ctx`` …) stays inside. A value left unset (None) is not sent, so the
model's own default applies (its Modelfile, else Ollama's). Limits are what Ollama accepts and
what is sensible to offer; a value outside them is refused with a sentence that says the range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from quantdesk.core.errors import QuantDeskError


class OptionError(QuantDeskError, ValueError):
    """A chat setting got a value it cannot take; the message says which values it can."""


@dataclass(frozen=True, slots=True)
class OptionSpec:
    key: str  # the ChatOptions field and Ollama's option name
    label: str
    help: str
    kind: Literal["int", "float"]
    minimum: float
    maximum: float
    step: float
    unset: str  # what "no value" means, in words
    special: tuple[tuple[int, str], ...] = ()  # values with a name of their own


SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("temperature", "Creativity",
               "Higher gives more varied wording; 0 always picks the likeliest next word.",
               "float", 0.0, 2.0, 0.1, "the model's default"),
    OptionSpec("num_ctx", "Conversation memory (tokens)",
               "How much of the chat the model can see at once. More needs more memory and "
               "changing it reloads the model.",
               "int", 512, 1_048_576, 512, "Ollama's default for this machine"),
    OptionSpec("num_predict", "Longest answer (tokens)",
               "Stops an answer after this many tokens.",
               "int", -1, 131_072, 64, "no limit", special=((-1, "no limit"),)),
    OptionSpec("top_p", "Word choice breadth",
               "Considers only the likeliest words that together make up this share.",
               "float", 0.0, 1.0, 0.05, "the model's default"),
    OptionSpec("top_k", "Candidates per word",
               "Considers only this many of the likeliest next words.",
               "int", 1, 1000, 1, "the model's default"),
    OptionSpec("repeat_penalty", "Avoid repeating",
               "Above 1 makes repeating recent words less likely; 1 turns it off.",
               "float", 0.5, 2.0, 0.05, "the model's default"),
    OptionSpec("seed", "Repeatable answers (seed)",
               "The same number with the same settings gives the same answer again.",
               "int", 0, 2**31 - 1, 1, "a new random answer each time"),
)
_BY_KEY = {spec.key: spec for spec in SPECS}


def spec(key: str) -> OptionSpec:
    return _BY_KEY[key]


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def check_value(key: str, value: Any) -> int | float | None:
    """``value`` as the setting stores it, or OptionError with the allowed range."""
    s = _BY_KEY.get(key)
    if s is None:
        raise OptionError(f"There is no chat setting called '{key}'.")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise OptionError(f"{s.label} takes a number.")
    try:
        number = float(value.strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{s.label} takes a number, not '{value}'.") from None
    if not math.isfinite(number):
        raise OptionError(f"{s.label} takes a finite number.")
    if s.kind == "int" and not number.is_integer():
        raise OptionError(f"{s.label} takes a whole number, not {value}.")
    if not s.minimum <= number <= s.maximum:
        raise OptionError(f"{s.label} goes from {_number_text(s.minimum)} to "
                          f"{_number_text(s.maximum)} (you entered {_number_text(number)}).")
    return int(number) if s.kind == "int" else number


@dataclass(frozen=True, slots=True)
class ChatOptions:
    temperature: float | None = None
    num_ctx: int | None = None
    num_predict: int | None = None
    top_p: float | None = None
    top_k: int | None = None
    repeat_penalty: float | None = None
    seed: int | None = None

    def with_value(self, key: str, value: Any) -> ChatOptions:
        """A copy with ``key`` set (None or "" unsets it); OptionError when out of range."""
        change: dict[str, Any] = {key: check_value(key, value)}
        return replace(self, **change)

    def to_ollama(self) -> dict[str, int | float]:
        """The ``options`` object for /api/chat: only what is set."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @classmethod
    def from_ollama(cls, data: Any) -> ChatOptions:
        """Back from stored JSON; unknown keys and values out of range are dropped, so an
        edited file costs a setting, never the chat."""
        out = cls()
        if not isinstance(data, dict):
            return out
        for key in _BY_KEY:
            try:
                out = out.with_value(key, data.get(key))
            except OptionError:
                continue
        return out

    def describe(self) -> list[tuple[str, str]]:
        """(label, value in words) for every setting, for a summary under the chat."""
        rows = []
        for s in SPECS:
            value = getattr(self, s.key)
            if value is None:
                rows.append((s.label, s.unset))
            else:
                named = dict(s.special).get(int(value)) if s.kind == "int" else None
                rows.append((s.label, named or _number_text(value)))
        return rows
