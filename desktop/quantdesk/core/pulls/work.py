"""One pull attempt: the free-disk check, the daemon's progress stream, the layers seen.

Runs wherever its caller's loop runs (the CLI's, the GUI's I/O thread); it reports each
progress line through ``report`` as an immutable :class:`PullFigures` and raises
:class:`DiskSpaceShort` before the first byte when the announced size does not fit, or as
soon as the layer sizes the daemon reveals do not fit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from quantdesk.core.ollama import OllamaClient
from quantdesk.core.ollama.host import OllamaHost
from quantdesk.core.pulls import disk
from quantdesk.core.pulls.state import LayerState, PullFigures

Report = Callable[[PullFigures], None]


async def measure_disk(host: str | OllamaHost) -> disk.DiskCheck | None:
    """Free space where a daemon at ``host`` writes; None for a remote daemon."""
    if disk.skip_reason(host):
        return None
    # Looked up at call time so a test can stand in for the file system.
    return await asyncio.to_thread(disk.free_space, disk.models_dir())


async def pull_once(client: OllamaClient, name: str, *, expected_bytes: int = 0,
                    check_disk: bool = True, insecure: bool = False,
                    report: Report | None = None) -> PullFigures | None:
    """Pull ``name`` to the end; the last figures (None when the daemon sent nothing)."""
    check = await measure_disk(client.host) if check_disk else None
    if check is not None:
        disk.require_space(name, expected_bytes, check)
    layers: dict[str, LayerState] = {}
    last: PullFigures | None = None
    async with contextlib.aclosing(client.pull(name, insecure=insecure)) as stream:
        async for progress in stream:
            if progress.digest and progress.layer_total > 0:
                layers[progress.digest] = LayerState(
                    progress.digest, progress.layer_completed, progress.layer_total)
            last = PullFigures(progress, tuple(layers.values()))
            if report is not None:
                report(last)
            # Sizes of later layers appear only as they start: re-check as they do.
            remaining = progress.total - progress.completed
            if check is not None and remaining > check.free:
                raise disk.DiskSpaceShort(name, remaining, check.free, check.where)
    return last
