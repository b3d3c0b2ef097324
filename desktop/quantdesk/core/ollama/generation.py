"""Streamed generation: text chunks, thinking kept apart, log-probabilities and timing metrics.

Durations arrive in nanoseconds and metric fields are omitted when zero (``ollama-api.md`` §7);
``Metrics`` converts to seconds and treats a missing field as 0. Field names are the JSON tags
of ``api/types.go`` (``GenerateResponse``, ``ChatResponse``, ``Message``, ``Metrics``,
``Logprob``); ``remote_model``/``remote_host`` are set when a cloud model answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quantdesk.core.ollama.jsonfields import (
    as_dict,
    get_bool,
    get_float,
    get_int,
    get_str,
    get_time,
)

_NS = 1e9
# done_reason of a reply the runner cut off for repeating one token (llm/llama_server.go: more
# than 30 repeats end the completion with no final line); not a value the daemon sends
REPETITION = "repetition"


@dataclass(frozen=True, slots=True)
class Logprob:
    token: str
    logprob: float
    bytes: tuple[int, ...] = ()
    top_logprobs: tuple[Logprob, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Logprob:
        d = as_dict(data)
        raw_bytes = d.get("bytes") or ()
        return cls(
            token=get_str(d, "token"),
            logprob=get_float(d, "logprob"),
            bytes=tuple(b for b in raw_bytes if isinstance(b, int)) if isinstance(
                raw_bytes, list) else (),
            top_logprobs=_logprobs(d.get("top_logprobs")),
        )


def _logprobs(value: Any) -> tuple[Logprob, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(Logprob.from_json(v) for v in value if isinstance(v, dict))


def _calls(value: Any) -> tuple[dict[str, Any], ...]:
    return tuple(as_dict(c) for c in value if isinstance(c, dict)) if isinstance(
        value, list) else ()


@dataclass(frozen=True, slots=True)
class Metrics:
    total_s: float = 0.0
    load_s: float = 0.0
    prompt_eval_count: int = 0
    prompt_eval_s: float = 0.0
    eval_count: int = 0
    eval_s: float = 0.0
    # True when the daemon sent no figures (a repetition abort) and these are our own
    # count of chunks and clock
    client_timed: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Metrics:
        d = as_dict(data)
        return cls(
            client_timed=get_bool(d, "_client_timed"),
            total_s=get_int(d, "total_duration") / _NS,
            load_s=get_int(d, "load_duration") / _NS,
            prompt_eval_count=get_int(d, "prompt_eval_count"),
            prompt_eval_s=get_int(d, "prompt_eval_duration") / _NS,
            eval_count=get_int(d, "eval_count"),
            eval_s=get_int(d, "eval_duration") / _NS,
        )

    @property
    def ttft_s(self) -> float:
        """Time to first token as the daemon measured it: load, then the prompt."""
        return self.load_s + self.prompt_eval_s

    @property
    def prompt_tps(self) -> float:
        return self.prompt_eval_count / self.prompt_eval_s if self.prompt_eval_s > 0 else 0.0

    @property
    def eval_tps(self) -> float:
        return self.eval_count / self.eval_s if self.eval_s > 0 else 0.0

    def as_dict(self, *, cold: bool = True) -> dict[str, float | int | bool | str | None]:
        """The CLI's JSON shape (``run --json``). ``cold``: the model was not loaded before
        this request; on a warm runner the prompt count includes cached tokens that took no
        time, so no prompt rate is given."""
        return {
            "cold": cold,
            "load_s": self.load_s,
            "ttft_s": self.ttft_s,
            "prompt_tokens": self.prompt_eval_count,
            "prompt_tps": self.prompt_tps if cold and not self.client_timed else None,
            "eval_tokens": self.eval_count,
            "eval_tps": self.eval_tps,
            "total_s": self.total_s,
            "timed_by": "quantdesk" if self.client_timed else "ollama",
        }


@dataclass(frozen=True, slots=True)
class GenerateChunk:
    model: str
    text: str  # "response"
    thinking: str = ""
    logprobs: tuple[Logprob, ...] = ()
    done: bool = False
    done_reason: str = ""  # "stop", "length", "load", "unload", ...
    metrics: Metrics | None = None  # only on the final chunk
    created_at: datetime | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()  # a built-in parser's calls, final chunk
    remote_model: str = ""
    remote_host: str = ""

    @classmethod
    def from_json(cls, data: Any) -> GenerateChunk:
        d = as_dict(data)
        done = get_bool(d, "done")
        return cls(
            model=get_str(d, "model"),
            text=get_str(d, "response"),
            thinking=get_str(d, "thinking"),
            logprobs=_logprobs(d.get("logprobs")),
            done=done,
            done_reason=get_str(d, "done_reason"),
            metrics=Metrics.from_json(d) if done else None,
            created_at=get_time(d, "created_at"),
            tool_calls=_calls(d.get("tool_calls")),
            remote_model=get_str(d, "remote_model"),
            remote_host=get_str(d, "remote_host"),
        )


@dataclass(frozen=True, slots=True)
class ChatChunk:
    model: str
    text: str  # message.content
    thinking: str = ""
    role: str = "assistant"
    tool_calls: tuple[dict[str, Any], ...] = ()
    logprobs: tuple[Logprob, ...] = ()
    done: bool = False
    done_reason: str = ""
    metrics: Metrics | None = None
    created_at: datetime | None = None
    remote_model: str = ""
    remote_host: str = ""

    @classmethod
    def from_json(cls, data: Any) -> ChatChunk:
        d = as_dict(data)
        message = as_dict(d.get("message"))
        done = get_bool(d, "done")
        return cls(
            model=get_str(d, "model"),
            text=get_str(message, "content"),
            thinking=get_str(message, "thinking"),
            role=get_str(message, "role", "assistant"),
            tool_calls=_calls(message.get("tool_calls")),
            logprobs=_logprobs(d.get("logprobs")),
            done=done,
            done_reason=get_str(d, "done_reason"),
            metrics=Metrics.from_json(d) if done else None,
            created_at=get_time(d, "created_at"),
            remote_model=get_str(d, "remote_model"),
            remote_host=get_str(d, "remote_host"),
        )
