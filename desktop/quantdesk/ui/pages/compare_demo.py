"""The comparison that screenshot mode runs against the simulated daemon.

It runs the demo's four llama3.1:8b variants (fp16 reference, q8_0, q4_K_M, q2_K) on a small
generated task set, so agreement, accuracy, speed and memory all differ between them; keeps
its history in a temporary file (the user's real history is not touched) and leaves the page
with finished panes, the ranked summary and the charts on screen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from quantdesk.core.compare.results import CompareOptions, ComparisonSpec
from quantdesk.ui.services.compare import RunRequest

if TYPE_CHECKING:
    from quantdesk.ui.pages.compare import ComparePage

# Highest precision first; llama3.1:8b is the q4_K_M most people run.
DEMO_MODELS = (
    "llama3.1:8b-instruct-fp16",
    "llama3.1:8b-instruct-q8_0",
    "llama3.1:8b",
    "llama3.1:8b-instruct-q2_K",
)
# Twelve mixed tasks: enough for the low-bit variant's mistakes to show in the accuracy.
DEMO_TASK_SET = "mixed"
DEMO_TASK_COUNT = 12


def demo_models() -> list[str]:
    """The demo's installed variants of one model, highest precision first."""
    from quantdesk.ui.demo import DEMO_INSTALLED

    models = [m for m in DEMO_MODELS if m in DEMO_INSTALLED]
    return models if len(models) >= 2 else list(DEMO_INSTALLED[:2])


def start_demo(page: ComparePage) -> None:
    folder = Path(tempfile.mkdtemp(prefix="quantdesk-demo-"))
    page.store.use_path(folder / "history.sqlite3")
    models = demo_models()
    for m in models:
        page.setup.add_variant(m, True)
    page.setup.set_checked(models)
    spec = ComparisonSpec(models=tuple(models), task_set=DEMO_TASK_SET,
                          task_count=DEMO_TASK_COUNT,
                          options=CompareOptions(seed=7, num_ctx=4096, num_predict=48))
    page.setup.show_spec(spec)
    page.start(RunRequest(spec))
