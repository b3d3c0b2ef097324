"""Bounded concurrency for many small registry requests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_CONCURRENCY = 8  # public scrapers use 6–10 workers; the registry publishes no limit


async def map_limited(
    func: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int = DEFAULT_CONCURRENCY
) -> list[R]:
    """``[await func(x) for x in items]`` with at most ``limit`` in flight, results in order.
    The first exception cancels the rest and propagates."""
    sem = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> R:
        async with sem:
            return await func(item)

    tasks = [asyncio.ensure_future(one(i)) for i in items]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for t in tasks:
            t.cancel()
