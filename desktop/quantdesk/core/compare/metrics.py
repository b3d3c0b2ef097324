"""Speed figures of a run, from the daemon's own durations and counts (never our stopwatch).

Time to first token is ``load_duration + prompt_eval_duration`` of a request, except that the
request which loaded the model (``cold_first``) counts only its prompt time: the load is
reported as ``load_s`` on its own. Over a task set (many requests) it is the mean over the
requests; generation throughput is pooled — total tokens over total time — so short answers
do not weigh as much as long ones. One prompt: exactly the figures of that request.

Prompt throughput comes from the cold request alone: on a warm runner ``prompt_eval_count``
counts the cached prefix while ``prompt_eval_duration`` times only the rest
(``llm/llama_server.go``: ``CacheN + PromptN``), which inflates it. Without a cold request
there is no honest figure, so none is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quantdesk.core.ollama import Metrics
from quantdesk.core.tasks import Accuracy


@dataclass(frozen=True, slots=True)
class Speed:
    ttft_s: float | None
    prompt_tps: float | None
    eval_tps: float | None
    prompt_tokens: int
    eval_tokens: int


def speed(metrics: Sequence[Metrics], *, cold_first: bool = False) -> Speed:
    if not metrics:
        return Speed(None, None, None, 0, 0)
    prompt_tokens = sum(m.prompt_eval_count for m in metrics)
    eval_tokens = sum(m.eval_count for m in metrics)
    eval_s = sum(m.eval_s for m in metrics)
    return Speed(
        ttft_s=sum(m.prompt_eval_s if i == 0 and cold_first else m.ttft_s
                   for i, m in enumerate(metrics)) / len(metrics),
        prompt_tps=(metrics[0].prompt_tps or None) if cold_first else None,
        eval_tps=eval_tokens / eval_s if eval_s > 0 else None,
        prompt_tokens=prompt_tokens,
        eval_tokens=eval_tokens,
    )


def accuracy_fields(acc: Accuracy) -> dict[str, float | int]:
    return {"accuracy": acc.rate, "accuracy_low": acc.low, "accuracy_high": acc.high,
            "correct": acc.correct, "graded": acc.total}
