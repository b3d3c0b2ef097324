"""Pulling models: the queue (one at a time, in order), the free-disk check, the snapshots.

``PullQueue`` + ``AsyncPullRunner`` on one asyncio loop (the CLI, a comparison); the GUI
drives the same queue from its thread with a runner of its own.
"""

from quantdesk.core.pulls.disk import (
    HEADROOM_BYTES,
    DiskCheck,
    DiskSpaceShort,
    free_space,
    is_local,
    models_dir,
    require_space,
    skip_reason,
)
from quantdesk.core.pulls.queue import (
    AsyncPullRunner,
    Puller,
    PullFailed,
    PullQueue,
    PullRunner,
    job_id,
    pull_and_wait,
    queue_puller,
)
from quantdesk.core.pulls.state import LayerState, Phase, PullFigures, PullState
from quantdesk.core.pulls.work import measure_disk, pull_once

__all__ = [
    "HEADROOM_BYTES",
    "AsyncPullRunner",
    "DiskCheck",
    "DiskSpaceShort",
    "LayerState",
    "Phase",
    "PullFailed",
    "PullFigures",
    "PullQueue",
    "PullRunner",
    "PullState",
    "Puller",
    "free_space",
    "is_local",
    "job_id",
    "measure_disk",
    "models_dir",
    "pull_and_wait",
    "pull_once",
    "queue_puller",
    "require_space",
    "skip_reason",
]
