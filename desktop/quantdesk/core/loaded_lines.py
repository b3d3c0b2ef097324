"""Every status line about loaded models, derived from one ``LoadedState``.

The status bar, the Running page, the Library rows, the tray and the palette all read these
functions, so they cannot disagree: one headline, one line per model, one GPU gauge. Sizes are
decimal, printed the way ``ollama ps`` prints them ("4.9 GB"); a card's total as its vendor
names it ("12 GB" for 12 GiB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from quantdesk.core.fit.rules import processor_text, ps_size_text
from quantdesk.core.loaded_state import LoadedState, Operation
from quantdesk.core.ollama import RunningModel
from quantdesk.core.units import card_text

ModelState = Literal["loading", "unloading", "comparing", "pulling", "answering", "loaded",
                     "stopping", "failed", "idle"]

_OP_STATE: dict[str, ModelState] = {
    "load": "loading", "switch": "loading", "unload": "unloading", "compare": "comparing",
    "pull": "pulling", "chat": "answering",
}
_OP_WORDS = {
    "load": "Loading {model}", "switch": "Switching to {model}", "unload": "Unloading {model}",
    "compare": "Comparing: running {model}", "pull": "Downloading {model}",
    "chat": "{model} is answering",
}
_ROW_WORDS = {
    "load": "Loading", "switch": "Loading", "unload": "Unloading", "compare": "In a comparison",
    "pull": "Downloading", "chat": "Answering",
}
_FAIL_VERBS = {"load": "load", "switch": "switch to", "unload": "unload", "compare": "compare",
               "pull": "download", "chat": "get an answer from"}


@dataclass(frozen=True, slots=True)
class ModelLine:
    """One model's line in a Library row, the palette or the tray."""

    name: str
    state: ModelState
    text: str  # "" when idle
    running: RunningModel | None = None


@dataclass(frozen=True, slots=True)
class Gauge:
    used_bytes: int  # Σ size_vram of what /api/ps lists
    total_bytes: int  # the machine's usable GPU memory
    fraction: float  # 0.0–1.0, for the bar
    text: str  # "GPU memory: 8.8 GB / 12 GB"
    tooltip: str


@dataclass(frozen=True, slots=True)
class StatusLines:
    headline: str  # the status bar and the Running page's top line
    error: str  # the newest failure as a sentence, "" when none
    busy: bool
    loaded: tuple[str, ...]  # /api/ps order: longest keep-alive first
    gauge: Gauge
    tray_tooltip: str


def memory_text(m: RunningModel) -> str:
    """"4.9 GB · 100% GPU", as ``ollama ps`` prints size and processor."""
    return f"{ps_size_text(m.size)} · {processor_text(m.size, m.size_vram)}"


def _op_text(op: Operation) -> str:
    words = _OP_WORDS[op.kind].format(model=op.model or "the next variant")
    return f"{words} ({op.detail})…" if op.detail else f"{words}…"


def gauge(state: LoadedState) -> Gauge:
    used, total = state.vram_used_bytes, state.gpu_total_bytes
    if total <= 0:
        return Gauge(used, 0, 0.0, "GPU memory: no GPU",
                     "No usable GPU: loaded models run from system memory.")
    if not state.reachable:
        return Gauge(0, total, 0.0, f"GPU memory: — / {card_text(total)}",
                     "The daemon is not answering: what it holds in GPU memory is unknown.")
    share = min(1.0, used / total)
    text = f"GPU memory: {ps_size_text(used)} / {card_text(total)}"
    names = ", ".join(f"{m.name} {ps_size_text(m.size_vram)}" for m in state.models
                      if m.size_vram > 0)
    tip = f"Loaded models use {ps_size_text(used)} of {card_text(total)} ({share:.0%})"
    return Gauge(used, total, share, text, f"{tip}: {names}." if names else f"{tip}.")


def model_line(state: LoadedState, name: str, now: datetime | None = None) -> ModelLine:
    """What the app says about ``name`` now: its operation, else its /api/ps entry, else its
    failure, else nothing."""
    running = state.running(name)
    op = state.operation_on(name)
    if op is not None:
        words = _ROW_WORDS[op.kind]
        text = f"{words} ({op.detail})…" if op.detail else f"{words}…"
        return ModelLine(name, _OP_STATE[op.kind], text, running)
    if running is not None:
        left = running.expires_in(now or datetime.now(UTC))
        if left is not None and left.total_seconds() <= 0:
            return ModelLine(name, "stopping", "Stopping…", running)
        return ModelLine(name, "loaded", f"Loaded · {memory_text(running)}", running)
    failure = state.failure_of(name)
    if failure is not None:
        return ModelLine(name, "failed", f"Could not {_FAIL_VERBS[failure.kind]}: "
                         f"{failure.message}")
    return ModelLine(name, "idle", "")


def _loaded_headline(state: LoadedState) -> str:
    models = state.models
    if not models:
        return "No model is loaded."
    if len(models) == 1:
        return f"{models[0].name} is loaded · {memory_text(models[0])}"
    total = sum(m.size for m in models)
    return f"{len(models)} models are loaded ({ps_size_text(total)}): " + ", ".join(
        m.name for m in models)


def status_lines(state: LoadedState) -> StatusLines:
    if state.operations:
        newest = state.operations[-1]
        more = len(state.operations) - 1
        headline = _op_text(newest) + (f" · {more} more task{'s' if more > 1 else ''}"
                                       if more else "")
    elif not state.reachable:
        headline = "The daemon is not answering: what is loaded is unknown."
    elif state.polled_at is None:
        headline = "Checking what is loaded…"
    else:
        headline = _loaded_headline(state)
    error = ""
    if state.failures:
        f = state.failures[-1]
        subject = f" {f.model}" if f.model else ""
        error = f"Could not {_FAIL_VERBS[f.kind]}{subject}: {f.message}"
    loaded = tuple(m.name for m in state.models)
    tray = "QuantDesk · " + (headline if state.operations or not loaded else
                             ("Loaded: " + ", ".join(loaded)))
    return StatusLines(headline, error, state.busy, loaded, gauge(state), tray)
