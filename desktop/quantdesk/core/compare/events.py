"""Progress of a running comparison, as events a GUI pane or the CLI can follow.

Kinds, per run: ``pulling`` (with ``progress``), ``loading``, ``running``, ``token`` (with
``text``), ``task`` (a task set's next task begins; ``text`` is "2/12 task-id"), ``done``,
``failed`` (with ``error``), ``cancelled``; for the whole comparison:
``started`` (model is "") and ``finished`` (``result`` set). ``run`` is a snapshot of the
run's result when the event was made.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quantdesk.core.ollama import PullProgress

if TYPE_CHECKING:
    from quantdesk.core.compare.results import ComparisonResult, RunResult


@dataclass(frozen=True, slots=True)
class CompareEvent:
    kind: str
    model: str = ""
    position: int = -1
    text: str = ""
    error: str = ""
    progress: PullProgress | None = None
    run: RunResult | None = None
    result: ComparisonResult | None = None


EventSink = Callable[[CompareEvent], None]


def run_event(kind: str, run: RunResult, **extra: Any) -> CompareEvent:
    snapshot = None if kind == "token" else copy.deepcopy(run)
    return CompareEvent(kind, run.model, run.position, run=snapshot, **extra)


async def iterate_events(
    start: Callable[[EventSink], Awaitable[ComparisonResult]],
) -> AsyncIterator[CompareEvent]:
    """The events of ``start(sink)`` as an async iterator, ending after ``finished``.

    Leaving the iteration early cancels the comparison (it is then stored incomplete);
    an error in the comparison is raised from the iteration."""
    queue: asyncio.Queue[CompareEvent | BaseException | None] = asyncio.Queue()
    task = asyncio.ensure_future(start(queue.put_nowait))

    def on_done(t: asyncio.Task[ComparisonResult]) -> None:
        if not t.cancelled() and t.exception() is not None:
            queue.put_nowait(t.exception())
        queue.put_nowait(None)

    task.add_done_callback(on_done)
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

