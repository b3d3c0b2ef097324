"""JSON from outside, decoded within bounds: nesting depth, encoding, and the non-JSON constants.

The standard decoder recurses once per nesting level, so 100 000 ``[`` raise RecursionError
from deep inside it; it reads invalid UTF-8 as an error of its own kind and accepts ``NaN`` and
``Infinity``, which JSON does not have. ``loads`` checks the depth first (in C-speed passes),
reads invalid UTF-8 as U+FFFD (the daemon's Go encoder does the same), treats the three
constants as a missing value, and raises one error type, ``JsonRejected``, with a reason a
message can quote.
"""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_MAX_DEPTH = 64  # Ollama's deepest answer (show, tool calls) nests fewer than 10 levels

# Strings are removed before counting brackets, since a string may hold any number of them.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_KEEP_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


class JsonRejected(ValueError):
    """Not JSON, or JSON beyond a limit; ``str()`` says which, ``pos`` where (when known)."""

    def __init__(self, reason: str, pos: int | None = None) -> None:
        super().__init__(reason)
        self.pos = pos


def nesting_depth_exceeds(data: bytes | bytearray, max_depth: int) -> bool:
    """Whether ``data`` nests arrays/objects more than ``max_depth`` deep.

    Each pass deletes the innermost ``[]`` pairs, so a document of depth d empties in d passes;
    at most ``max_depth`` passes run, each a C-level scan.
    """
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return False
    brackets = bytes(_STRING.sub(b"", data)).translate(_SQUARE, _KEEP_BRACKETS)
    for _ in range(max_depth):
        shorter = brackets.replace(b"[]", b"")
        if not shorter:
            return False
        if len(shorter) == len(brackets):
            return False  # unbalanced: the decoder will say what is wrong
        brackets = shorter
    return b"[]" in brackets


def _no_constant(name: str) -> None:
    return None


def loads(data: bytes | bytearray | str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Decode ``data``; raises ``JsonRejected`` for anything that is not bounded JSON."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if nesting_depth_exceeds(raw, max_depth):
        raise JsonRejected(f"JSON nested more than {max_depth} levels deep")
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # a guard behind the depth check, which should catch it first
        raise JsonRejected(f"JSON nested more than {max_depth} levels deep") from None
    except json.JSONDecodeError as exc:
        raise JsonRejected(f"not valid JSON ({exc.msg} at character {exc.pos})",
                           exc.pos) from None
    except ValueError as exc:  # an integer longer than Python converts (4300 digits)
        raise JsonRejected(f"not valid JSON ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def loads_object(data: bytes | bytearray | str, *,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """``loads`` for a document that must be a JSON object."""
    value = loads(data, max_depth=max_depth)
    if not isinstance(value, dict):
        raise JsonRejected("JSON that is not an object")
    return value
