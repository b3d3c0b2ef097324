"""Putting back the models an action unloaded (an ``EvictionPlan``'s restore list).

Models are loaded one at a time with the keep-alive and context they had. The last one
evicted goes back first: the scheduler unloads the shortest keep-alive first, so the reverse
order returns the models the user pinned longest before any that might not fit any more. A
model that will not load is reported and the rest still go back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quantdesk.core.eviction import RestoreItem
from quantdesk.core.ollama import OllamaClient, OllamaError


@dataclass(frozen=True, slots=True)
class RestoreResult:
    name: str
    error: str = ""  # "" when it is loaded again

    @property
    def ok(self) -> bool:
        return not self.error


async def restore_models(
    client: OllamaClient,
    items: Sequence[RestoreItem],
    *,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> tuple[RestoreResult, ...]:
    """Load ``items`` again; ``on_progress(done, total, name)`` before each one."""
    results = []
    order = list(reversed(items))
    for i, item in enumerate(order):
        if on_progress is not None:
            on_progress(i, len(order), item.name)
        try:
            await client.load(item.name, keep_alive=item.keep_alive, options=item.options)
        except OllamaError as exc:
            results.append(RestoreResult(item.name, str(exc)))
        else:
            results.append(RestoreResult(item.name))
    return tuple(results)
