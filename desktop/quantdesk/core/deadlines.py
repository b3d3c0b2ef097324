"""How long each kind of daemon request may take in all (``ollama.bounds`` enforces them).

Defaults: a few seconds for the quick calls (version, tags, ps, show), longer for delete and
copy, which touch the disk. A generation's headers come only after the model is loaded (the
daemon schedules the runner before it writes anything), so those streams wait as long as a
load; a pull answers "pulling manifest" at once.

The ``request_timeout`` setting sets the quick calls; a front end puts the result in effect
once (``in_effect``) and every client made inside without deadlines of its own takes them,
instead of each command threading them through.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Seconds each kind of request may take in all (streams: until their headers)."""

    version: float = 5.0
    tags: float = 5.0
    ps: float = 5.0
    show: float = 10.0
    show_verbose: float = 30.0  # full metadata: tokenizer arrays, many MB
    health: float = 5.0
    delete: float = 30.0
    copy: float = 30.0
    pull_headers: float = 30.0
    generate_headers: float = 330.0  # the daemon's own load limit is 5 min

    def quick(self, seconds: float) -> Deadlines:
        """These deadlines with every quick call at ``seconds``; verbose show, delete and
        copy keep the larger of theirs and ``seconds``."""
        return dataclasses.replace(
            self, version=seconds, tags=seconds, ps=seconds, show=seconds, health=seconds,
            show_verbose=max(seconds, self.show_verbose), delete=max(seconds, self.delete),
            copy=max(seconds, self.copy))


DEFAULT_DEADLINES = Deadlines()

_AMBIENT: ContextVar[Deadlines] = ContextVar("quantdesk_deadlines", default=DEFAULT_DEADLINES)


def deadlines_for(request_timeout: int) -> Deadlines:
    """The deadlines for the ``request_timeout`` setting (0: the built-in ones)."""
    if request_timeout > 0:
        return DEFAULT_DEADLINES.quick(float(request_timeout))
    return DEFAULT_DEADLINES


def current_deadlines() -> Deadlines:
    return _AMBIENT.get()


@contextlib.contextmanager
def in_effect(deadlines: Deadlines) -> Iterator[None]:
    """Clients made inside (without deadlines of their own) use ``deadlines``."""
    token = _AMBIENT.set(deadlines)
    try:
        yield
    finally:
        _AMBIENT.reset(token)
