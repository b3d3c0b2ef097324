"""How the Compare page words states and numbers, and which runs fit the machine."""

from __future__ import annotations

from quantdesk.core.compare import ranking
from quantdesk.core.compare.results import RunResult
from quantdesk.core.machine import Machine
from quantdesk.ui import theme
from quantdesk.ui.formatting import human_bytes

# "cancelled" is what the core calls a run the user stopped; people read "stopped".
STATE_WORDS: dict[str, str] = {
    "waiting": "waiting", "pulling": "pulling", "loading": "loading", "running": "running",
    "done": "done", "failed": "failed", "cancelled": "stopped",
}
# Each state's text accent (ui.theme: 4.5:1 or more in the light and the dark palette).
STATE_ACCENTS: dict[str, str] = {
    "waiting": "muted", "pulling": "info", "loading": "info", "running": "warning",
    "done": "success", "failed": "error", "cancelled": "special",
}


def state_colour(state: str) -> str:
    return theme.color(STATE_ACCENTS.get(state, "muted")).name()


def state_word(state: str) -> str:
    return STATE_WORDS.get(state, state)


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} tok/s"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def kl(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f} nats"


def divergence(run: RunResult, is_reference: bool) -> str:
    if is_reference:
        return "reference"
    if run.first_divergence is None:
        return "never" if run.agreement_basis else "—"
    unit = "token" if run.agreement_basis == "logprobs" else "word"
    # A task set scores one answer per task and keeps the earliest split of any of them;
    # "at token 0" beside 95 % agreement would read as a contradiction without the word.
    where = "earliest at" if run.accuracy is not None else "at"
    return f"{where} {unit} {run.first_divergence}"


def accuracy(run: RunResult) -> str:
    if run.accuracy is None:
        return "—"
    text = f"{run.accuracy:.0%}"
    if run.accuracy_low is not None and run.accuracy_high is not None:
        text += f" ({run.accuracy_low:.0%}–{run.accuracy_high:.0%})"
    if run.correct is not None and run.graded is not None:
        text += f", {run.correct}/{run.graded}"
    return text


def accuracy_short(run: RunResult) -> str:
    """"92% (11/12)" for tight places; the interval goes in a tooltip."""
    if run.accuracy is None:
        return "—"
    if run.correct is not None and run.graded is not None:
        return f"{run.accuracy:.0%} ({run.correct}/{run.graded})"
    return f"{run.accuracy:.0%}"


def accuracy_interval(run: RunResult) -> str | None:
    if run.accuracy_low is None or run.accuracy_high is None:
        return None
    return (f"95% interval {run.accuracy_low:.0%}–{run.accuracy_high:.0%}: with this few "
            "tasks the true accuracy may lie anywhere in it")


def memory(run: RunResult) -> str:
    if run.size is None:
        return "—"
    vram = run.size_vram or 0
    where = "all on GPU" if vram >= run.size else f"{human_bytes(vram)} on GPU"
    return f"{human_bytes(run.size)} ({where})"


def memory_bytes(run: RunResult) -> int | None:
    """Ollama's measured size when the run got that far, else our prediction."""
    return run.size if run.size is not None else run.predicted_bytes


quality = ranking.quality  # the core's rule, re-exported for the charts


def fits_machine(run: RunResult, machine: Machine | None) -> bool:
    """Fully on the GPU: what Ollama said while it was loaded (size_vram == size), else what
    the prediction says against the GPUs' memory."""
    if run.size is not None and run.size > 0:
        return (run.size_vram or 0) >= run.size
    if run.predicted_bytes is not None and machine is not None and machine.usable_gpus:
        return run.predicted_bytes <= sum(g.total_bytes for g in machine.usable_gpus)
    return False


def short_name(model: str) -> str:
    """The tag when it names the variant ("8b-instruct-q4_K_M"), for tight places."""
    return model.rsplit("/", 1)[-1].partition(":")[2] or model


def point_labels(runs: list[RunResult]) -> dict[str, str]:
    """Chart labels: the quantization ("Q8_0") when it tells every run apart (variants of one
    model), else the tag."""
    quants = [r.quant.upper() for r in runs]
    if all(quants) and len(set(quants)) == len(quants):
        return {r.model: q for r, q in zip(runs, quants, strict=True)}
    return {r.model: short_name(r.model) for r in runs}
