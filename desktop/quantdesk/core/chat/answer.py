"""One answer in a chat: its text, which variant gave it, how it ended, its speed and memory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from quantdesk.core.fit.rules import processor_text, ps_size_text
from quantdesk.core.ollama import Metrics

AnswerState = Literal["streaming", "done", "stopped", "failed"]


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class AnswerStats:
    eval_tokens: int = 0
    eval_tps: float = 0.0  # generation speed
    prompt_tokens: int = 0
    prompt_tps: float = 0.0  # inflated when the history was cached (ollama-api.md corr. 3)
    load_s: float = 0.0
    total_s: float = 0.0
    first_token_s: float = 0.0  # request sent to first text, on our clock
    estimated: bool = False  # counted by us (a stopped answer gets no metrics)

    @classmethod
    def from_metrics(cls, m: Metrics, first_token_s: float) -> AnswerStats:
        return cls(m.eval_count, m.eval_tps, m.prompt_eval_count, m.prompt_tps, m.load_s,
                   m.total_s, first_token_s)


@dataclass(frozen=True, slots=True)
class AnswerMemory:
    """The variant's /api/ps entry right after it answered."""

    size: int
    size_vram: int
    context_length: int = 0

    @property
    def text(self) -> str:
        return f"{ps_size_text(self.size)} · {processor_text(self.size, self.size_vram)}"


@dataclass(frozen=True, slots=True)
class Answer:
    variant: str
    text: str = ""
    thinking: str = ""
    state: AnswerState = "streaming"
    error: str = ""
    done_reason: str = ""  # "stop", "length", … when done
    stats: AnswerStats | None = None
    memory: AnswerMemory | None = None
    started_at: str = ""
    finished_at: str = ""

    @property
    def label(self) -> str:
        """"qwen2.5:7b · 42.0 tokens/s · 4.9 GB · 100% GPU" — who answered, how fast, in
        how much memory; a stopped or failed answer says so."""
        parts = [self.variant]
        if self.state == "stopped":
            parts.append("stopped")
        elif self.state == "failed":
            parts.append("failed")
        elif self.state == "streaming":
            parts.append("answering…")
        elif self.done_reason == "length":
            parts.append("cut at the length limit")
        if self.stats is not None and self.stats.eval_tps > 0:
            approx = "≈ " if self.stats.estimated else ""
            parts.append(f"{approx}{self.stats.eval_tps:.1f} tokens/s")
        if self.memory is not None:
            parts.append(self.memory.text)
        return " · ".join(parts)
