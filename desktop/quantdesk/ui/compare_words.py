"""A comparison in people's words, where the stored form is terse: a task set's answers one
task at a time, and what a stored comparison ran (a prompt or a task set)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quantdesk.core.compare.results import RunResult
    from quantdesk.core.store import ComparisonSummary

PROMPT_CHARS = 48


def task_heading(progress: str) -> str:
    """The line put into a streaming answer where a task begins; ``progress`` is the runner's
    "2/12 task-id". Not the first task: a blank line first, so answers never run together."""
    count, _, task_id = progress.partition(" ")
    n, _, total = count.partition("/")
    head = f"── Task {n} of {total}" + (f" · {task_id}" if task_id else "") + " ──\n"
    return head if n == "1" else "\n\n" + head


def answers_text(run: RunResult) -> str:
    """The stored answer; for a task set, one block per task, each headed by its number, its
    id and whether it was right."""
    if not run.tasks:
        return run.response
    total = len(run.tasks)
    blocks = []
    for i, t in enumerate(run.tasks, start=1):
        mark = "right" if t.correct else "wrong"
        blocks.append(f"── Task {i} of {total} · {t.task_id} · {mark} ──\n{t.response.strip()}")
    return "\n\n".join(blocks)


def what_text(summary: ComparisonSummary) -> str:
    """"Task set: mixed, 12 tasks" or "Prompt: “Name five…”"."""
    if summary.task_spec:
        name, _, count = summary.task_spec.partition(":")
        return f"Task set: {name}" + (f", {count} tasks" if count else "")
    prompt = " ".join((summary.prompt or "").split())
    if len(prompt) > PROMPT_CHARS:
        prompt = prompt[:PROMPT_CHARS - 1].rstrip() + "…"
    return f"Prompt: “{prompt}”" if prompt else "Prompt"
