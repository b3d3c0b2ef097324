"""After Stop: leave the daemon as the user had it.

Ollama finishes a load whose request was cancelled and keeps that model for its keep-alive
(the scheduler's ``expireRunner`` skips a model that is not loaded yet, so an unload sent
during the load is lost). Stopped while a variant loaded, a comparison left it holding most
of the GPU, and a restore queued behind it could be pushed out again. So the user's models
go back first (Ollama's scheduler serves requests in turn: by then the stopped load is done),
then every compared variant that is loaded and was not loaded before is unloaded; a variant
that was loading is waited for, a few seconds at most, so its late arrival is caught too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.eviction import RestoreItem
from quantdesk.core.loaded_state import model_key
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.restore import RestoreResult
from quantdesk.ui.services.evictions import put_back

SETTLE_S = 15.0  # how long a stopped load may take to finish
POLL_S = 0.25


async def tidy_after_stop(client: OllamaClient, ran: Sequence[str], loading: Sequence[str],
                          items: Sequence[RestoreItem], *, restore: bool,
                          settle_s: float = SETTLE_S) -> tuple[RestoreResult, ...]:
    """Put back ``items`` (when ``restore``), then unload the variants in ``ran`` that were
    not loaded before; ``loading``: the variants whose load was under way at Stop."""
    results = await put_back(client, items) if restore and items else ()
    keep = {model_key(i.name) for i in items}
    ours = {model_key(n) for n in ran} - keep
    awaited = {model_key(n) for n in loading} - keep
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle_s
    while True:
        try:
            loaded = [m.name for m in await client.ps()]
        except QuantDeskError:
            return results  # the daemon's trouble shows on the status line already
        for name in loaded:
            if model_key(name) in ours:
                with contextlib.suppress(QuantDeskError):
                    await client.unload(name)
                awaited.discard(model_key(name))
        if not awaited or loop.time() >= deadline:
            return results
        await asyncio.sleep(POLL_S)
