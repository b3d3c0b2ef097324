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
    count = progress.partition(" ")[0]
    n, _, total = count.partition("/")
    head = f"── Task {n} of {total} ──\n"
    return head if n == "1" else "\n\n" + head


def answers_text(run: RunResult) -> str:
    """The stored answer; for a task set, one block per task, headed by its number and
    whether it was right (narrow panes: the task's id is in the exports, not here)."""
    if not run.tasks:
        return run.response
    blocks = [f"── Task {i} · {'right' if t.correct else 'wrong'} ──\n{t.response.strip()}"
              for i, t in enumerate(run.tasks, start=1)]
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
