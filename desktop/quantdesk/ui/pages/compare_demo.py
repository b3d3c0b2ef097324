"""The comparison that screenshot mode runs against the simulated daemon.

It compares the demo's installed variants of one model on a short prompt, keeps its history
in a temporary file (the user's real history is not touched) and leaves the page with
finished panes, the ranked summary and the charts on screen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from quantdesk.core.compare.results import CompareOptions, ComparisonSpec
from quantdesk.ui.services.compare import RunRequest

if TYPE_CHECKING:
    from quantdesk.ui.pages.compare import ComparePage

DEMO_FAMILY = "llama3.1:8b"
DEMO_PROMPT = "In two sentences: why do smaller quantizations answer differently?"


def demo_models() -> list[str]:
    from quantdesk.ui.demo import DEMO_INSTALLED

    same = [m for m in DEMO_INSTALLED if m.startswith(DEMO_FAMILY)]
    return same if len(same) >= 2 else list(DEMO_INSTALLED[:2])


def start_demo(page: ComparePage) -> None:
    folder = Path(tempfile.mkdtemp(prefix="quantdesk-demo-"))
    page.store.use_path(folder / "history.sqlite3")
    models = demo_models()
    for m in models:
        page.setup.add_variant(m, True)
    page.setup.set_checked(models)
    spec = ComparisonSpec(models=tuple(models), prompt=DEMO_PROMPT,
                          options=CompareOptions(seed=7, num_ctx=4096, num_predict=48))
    page.setup.show_spec(spec)
    page.start(RunRequest(spec))
