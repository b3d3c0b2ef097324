"""The chat that screenshot mode holds against the simulated daemon: one question answered by
the demo's loaded model, then answered again by a smaller variant beside it, so the picture
shows streamed Markdown, a code block with its Copy link and two labelled answers.

The chat is kept in the demo's own temporary history file, never in the user's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from quantdesk.ui.services.chat import Finished

if TYPE_CHECKING:
    from quantdesk.ui.pages.chat import ChatPage

DEMO_QUESTION = "How do I read a file line by line in Python? Keep it short."
FIRST = "llama3.1:8b"
SECOND = "llama3.2:3b"


def start_demo(page: ChatPage) -> None:
    page.screenshot_mode = True
    store = page.service_store()
    if store.path is None:  # the Compare demo may have moved it to a temporary file already
        store.use_path(Path(tempfile.mkdtemp(prefix="quantdesk-demo-")) / "history.sqlite3")
    installed = page._services.installed.names
    first = FIRST if FIRST in installed else (installed[0] if installed else FIRST)
    second = SECOND if SECOND in installed else (installed[-1] if installed else SECOND)
    answered: list[str] = []

    def on_finished(done: Finished) -> None:
        answered.append(done.answer.variant)
        if len(answered) == 1:
            page.regenerate(second)
        else:
            page.service.answer_finished.disconnect(on_finished)
            page.service.refresh()
            page.screenshot_mode = False  # the next list makes the page ready

    page.service.answer_finished.connect(on_finished)
    # Nobody is there to click "Go ahead" should a load need room.
    page.eviction.confirming.connect(lambda _text: page.eviction.go_button.click())
    page.new_chat()
    page.switch_variant(first)
    page.input.setPlainText(DEMO_QUESTION)
    page.send()
