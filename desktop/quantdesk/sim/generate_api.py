"""``POST /api/generate`` and ``POST /api/chat``: load, unload and deterministic generation.

ollama-api.md §7 to the letter: an empty prompt (chat: no messages) loads the model
(``done_reason: "load"``) or, with ``keep_alive: 0``, unloads it (``"unload"``); keep_alive
numbers are seconds, strings Go durations, numeric strings are a 400; metrics are nanoseconds
measured on the real clock and omitted when zero; ``thinking`` arrives separately for models
with that capability (on by default); ``logprobs``/``top_logprobs`` from 0.12.11. Text comes
from :mod:`quantdesk.sim.textgen`; speed from :mod:`quantdesk.sim.memory` times
``token_rate_scale``. A prompt (chat: the last user message) that is one of our generated
tasks is answered by :mod:`quantdesk.sim.task_answers` (thinking, if any, stays free text);
other replies run to their natural length, or ``SimDaemon.reply_words`` words when set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from quantdesk.sim.http import HttpError, NdjsonStream, SimHandler
from quantdesk.sim.memory import (
    OutOfMemory,
    check_fits,
    crowded,
    default_num_ctx,
    footprint,
    tokens_per_second,
)
from quantdesk.sim.models_api import local_ref
from quantdesk.sim.names import ModelName, split_source
from quantdesk.sim.state import InstalledModel, LoadedModel
from quantdesk.sim.structured import check_format, formatted_reply, tool_call
from quantdesk.sim.task_answers import task_reply
from quantdesk.sim.textgen import Step, generate, say, token_id
from quantdesk.sim.wire import DEFAULT_KEEP_ALIVE, WireError, go_timestamp, parse_keep_alive

_INT_OPTIONS = (
    "num_ctx",
    "num_predict",
    "seed",
    "top_k",
    "num_gpu",
    "num_batch",
    "num_keep",
    "repeat_last_n",
    "num_thread",
    "main_gpu",
)
_FLOAT_OPTIONS = (
    "temperature",
    "top_p",
    "min_p",
    "typical_p",
    "repeat_penalty",
    "presence_penalty",
    "frequency_penalty",
)
_THINK_LEVELS = ("low", "medium", "high")
# server/routes.go signinURLStr "https://ollama.com/connect?name=%s&key=%s" for this machine
CLOUD_SIGNIN_URL = "https://ollama.com/connect?name=quantdesk-sim&key=c3NoLWVkMjU1MTkgc2lt"
# llm/llama_server.go: the 400 for a prompt over the context with context shift off
PROMPT_TOO_LONG = (
    "the prompt is longer than the context length currently available to the model; shorten "
    "the prompt, adjust the context length in settings, or use a model with a longer context "
    "length"
)


@dataclass(slots=True)
class Request:
    name: str  # as the client wrote it; echoed back in "model"
    parsed: ModelName
    model: InstalledModel
    chat: bool
    keep_alive: timedelta | None
    options: dict[str, Any]
    think: bool
    logprobs: bool
    top_logprobs: int
    stream: bool
    prompt_key: str
    empty: bool
    task_prompt: str  # the text a generated task would be: the prompt, or the last user turn
    raw: bool = False  # generate without templating: no ``context`` in the final chunk
    format: Any = None  # "json" or a JSON schema (quantdesk.sim.structured)
    tools: list[Any] | None = None
    shift: bool = True  # context shift: truncate a too-long prompt instead of refusing it


def _check_options(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise HttpError(400, "json: cannot unmarshal options into Go value of type map")
    for key in _INT_OPTIONS:
        value = options.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise HttpError(400, f'option "{key}" must be of type integer')
    for key in _FLOAT_OPTIONS:
        value = options.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise HttpError(400, f'option "{key}" must be of type float')
    return options


def _parse(h: SimHandler, body: dict[str, Any], chat: bool) -> Request:
    name = body.get("model") or ""
    if not isinstance(name, str) or not name:
        if chat:
            raise HttpError(400, "model is required")
        raise HttpError(404, "model '' not found")
    parsed = local_ref(name)
    if parsed is None:
        raise HttpError(400, "invalid model name")
    if split_source(name)[1] == "cloud" and not h.sim.state.get(parsed):
        # server/cloud_proxy.go: a cloud model without `ollama signin` (signinURLStr)
        raise HttpError(401, "unauthorized", {"signin_url": CLOUD_SIGNIN_URL})
    try:
        keep_alive = parse_keep_alive(body.get("keep_alive"))
    except WireError as exc:
        raise HttpError(400, str(exc)) from exc
    options = _check_options(body.get("options"))
    logprobs, top = False, 0
    if h.sim.version_tuple >= (0, 12, 11):  # older daemons silently drop these fields
        top = body.get("top_logprobs") or 0
        if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= 20:
            raise HttpError(400, "top_logprobs must be between 0 and 20")
        logprobs = bool(body.get("logprobs")) or top > 0
    model = h.sim.state.get(parsed)
    if model is None:
        raise HttpError(404, f"model '{name}' not found")
    think_value = body.get("think")
    capable = "thinking" in model.variant.capabilities
    levels = (*_THINK_LEVELS, "max") if h.sim.version_tuple >= (0, 22, 0) else _THINK_LEVELS
    if (
        think_value is not None
        and not isinstance(think_value, bool)
        and (think_value not in levels)
    ):
        raise HttpError(
            400,
            f'invalid think value: "{think_value}" (must be "high", '
            '"medium", "low", true, or false)',
        )
    if think_value not in (None, False) and not capable:
        raise HttpError(400, f'"{name}" does not support thinking')
    think = capable and think_value is not False
    bad_format = check_format(body.get("format"))
    if bad_format:
        raise HttpError(400, bad_format)
    tools = body.get("tools") if chat else None
    if tools and "tools" not in model.variant.capabilities:
        # server/images.go CheckCapabilities, wrapped with the registry name by scheduleRunner
        raise HttpError(400, f"{parsed.host}/{parsed.namespace}/{parsed.model}:{parsed.tag} "
                        "does not support tools")
    raw = not chat and bool(body.get("raw"))
    if raw and (body.get("template") or body.get("system") or body.get("context")):
        raise HttpError(400, "raw mode does not support template, system, or context")
    if chat:
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            raise HttpError(400, "messages must be a list")
        # The daemon lower-cases roles, so "User" and "user" are the same turn.
        messages = [
            {**m, "role": m["role"].lower()} if isinstance(m.get("role"), str) else m
            for m in messages
            if isinstance(m, dict)
        ]
        prompt_key = "\n".join(
            f"{m.get('role', '')}: {m.get('content', '')}" for m in messages if isinstance(m, dict)
        )
        empty = not messages
        users = [m.get("content") for m in messages if isinstance(m, dict)
                 and m.get("role") == "user"]
        task_prompt = users[-1] if users and isinstance(users[-1], str) else ""
    else:
        prompt = body.get("prompt") or ""
        prompt_key = f"{body.get('system') or ''}\n{prompt}"
        empty = not prompt
        task_prompt = prompt if isinstance(prompt, str) else ""
    return Request(
        name,
        parsed,
        model,
        chat,
        keep_alive,
        options,
        think,
        logprobs,
        top,
        body.get("stream", True) is not False,
        prompt_key,
        empty,
        task_prompt,
        raw,
        body.get("format") or None,
        tools or None,
        body.get("shift") is not False,
    )


def _load(h: SimHandler, req: Request) -> LoadedModel:
    return load_runner(h, req.parsed, req.model, req.options, req.keep_alive)


def load_runner(
    h: SimHandler,
    parsed: ModelName,
    model: InstalledModel,
    options: dict[str, Any],
    keep_alive: timedelta | None,
) -> LoadedModel:
    """The runner for a request (``scheduleRunner``): reused when it matches, else
    (re)started, paced. Generate, chat and both embedding routes all go through it."""
    sim, v = h.sim, model.variant
    ctx = options.get("num_ctx") or default_num_ctx(v, sim.machine, sim.version_tuple)
    ctx = max(1, min(int(ctx), v.context_length))
    keep = keep_alive if keep_alive is not None else DEFAULT_KEEP_ALIVE
    now = time.time_ns()
    expires = now + int(keep.total_seconds() * 1e9)
    current = sim.state.runner(parsed)
    if current and current.num_ctx == ctx and current.installed.digest == model.digest:
        runner = replace(current, expires_ns=expires)
        sim.state.set_runner(parsed, runner)
        return runner
    fp = footprint(v, ctx, sim.machine, sim.version_tuple)
    try:
        check_fits(fp, sim.machine, sim.version_tuple)
    except OutOfMemory as exc:
        raise HttpError(500, str(exc)) from exc
    for other in reversed(sim.state.loaded()):  # evict the soonest-to-expire first
        others = [r.footprint for r in sim.state.loaded() if r.name != model.name]
        if not crowded(fp, others, sim.machine):
            break
        if other.name != model.name:
            sim.state.unload(other.name)
    time.sleep(v.model_bytes / sim.machine.load_bandwidth / sim.token_rate_scale
               / sim.time_scale)
    runner = LoadedModel(model.name, model, ctx, fp, expires, time.time_ns())
    sim.state.set_runner(parsed, runner)
    return runner


def _envelope(req: Request, *, content: str = "", thinking: str = "") -> dict[str, Any]:
    # server/routes.go: every GenerateResponse/ChatResponse has CreatedAt: time.Now().UTC()
    out: dict[str, Any] = {"model": req.name, "created_at": go_timestamp(utc=True)}
    if req.chat:
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if thinking:
            message["thinking"] = thinking
        out["message"] = message
    else:
        out["response"] = content
        if thinking:
            out["thinking"] = thinking
    return out


def _logprob(req: Request, step: Step, first: bool) -> dict[str, Any]:
    def tok(word: str) -> str:
        return word if first else " " + word

    entry: dict[str, Any] = {
        "token": step.text,
        "logprob": step.logprob,
        "bytes": list(step.text.encode()),
    }
    if req.top_logprobs:
        entry["top_logprobs"] = [
            {"token": tok(w), "logprob": lp, "bytes": list(tok(w).encode())}
            for w, lp in step.candidates[: req.top_logprobs]
        ]
    return entry


def _metrics(values: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in values.items() if v}  # the daemon omits zero metrics


def _run(h: SimHandler, body: dict[str, Any], chat: bool) -> None:
    t0 = time.perf_counter_ns()
    req = _parse(h, body, chat)
    sim = h.sim
    if req.empty and req.keep_alive is not None and req.keep_alive.total_seconds() == 0:
        sim.state.unload(req.parsed)
        h.send_json(200, {**_envelope(req), "done": True, "done_reason": "unload"})
        return
    runner = _load(h, req)
    load_ns = int((time.perf_counter_ns() - t0) * sim.time_scale)
    if req.empty:
        h.send_json(200, {**_envelope(req), "done": True, "done_reason": "load"})
        return
    v = req.model.variant
    opts = {**v.params, **req.options}
    seed = int(opts.get("seed", 0))
    seed = 0 if seed < 0 else seed  # no random seeds: the simulator stays reproducible
    temperature = float(opts.get("temperature", 0.8))
    num_predict = int(opts.get("num_predict", -1))
    prompt_tokens = len(req.prompt_key.split()) + (10 if v.kind == "instruct" else 1)
    room = max(0, runner.num_ctx - prompt_tokens)
    limit = room if num_predict < 0 else min(num_predict, room)
    tps = tokens_per_second(v, runner.footprint, sim.machine) * sim.token_rate_scale

    if prompt_tokens >= runner.num_ctx and (not req.shift or v.architecture == "deepseek2"):
        # No context shift: refused, not truncated. The runner's error reaches the handler's
        # channel (routes.go GenerateHandler), so a streamed request gets it bare-typed.
        raise HttpError(400, PROMPT_TOO_LONG, from_stream=req.stream)
    stream: NdjsonStream | None = h.stream() if req.stream else None
    t_prompt = time.perf_counter_ns()
    time.sleep(prompt_tokens / (tps * 10) / sim.time_scale)
    prompt_ns = int((time.perf_counter_ns() - t_prompt) * sim.time_scale)

    t_eval = time.perf_counter()
    count, parts, thoughts, logprobs = 0, [], [], []
    context = [token_id(w, v.vocab_size) for w in req.prompt_key.split()]
    truncated = aborted = False
    phases = (("think", True), ("answer", False)) if req.think else (("answer", False),)
    task = task_reply(v.lineage, v.quant, req.task_prompt, seed) if req.task_prompt else None
    calls = tool_call(req.tools, req.task_prompt, req.prompt_key) if req.tools else []
    if calls or req.format is not None:
        phases = ()  # a grammar-constrained reply or a tool call: no free text, no thinking
        text = "" if calls else formatted_reply(req.format, f"{v.lineage}\n{req.prompt_key}")
        pieces = [text[i:i + 4] for i in range(0, len(text), 4)]
        for piece in pieces:
            count += 1
            delay = t_eval + count / tps / sim.time_scale - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            parts.append(piece)
            if stream:
                stream.send({**_envelope(req, content=piece), "done": False})
        if calls:
            count += 1
            if stream:
                chunk = _envelope(req)
                chunk["message"]["tool_calls"] = calls
                stream.send({**chunk, "done": False})
    for salt, is_thought in phases:
        steps = list(
            say(
                v.lineage,
                v.quant,
                req.prompt_key,
                task.words,
                task.reference,
                seed=seed,
                temperature=temperature,
                limit=limit - count + 1,
            )
            if task is not None and not is_thought
            else generate(
                v.lineage,
                v.quant,
                req.prompt_key,
                seed=seed,
                temperature=temperature,
                limit=limit - count + 1,
                salt=salt,
                length=None if is_thought else sim.reply_words,
            )
        )
        if len(steps) > limit - count:
            steps, truncated = steps[: limit - count], True
        repeat = h.faults.first("repetition")
        if repeat and stream and not is_thought and repeat.after_lines < len(steps):
            # llm/llama_server.go: the 31st repeat of one token (tokenRepeat > 30) ends the
            # completion with no final response; the handler closes the stream with neither
            # a done line nor an error line.
            word = steps[repeat.after_lines]
            steps = steps[: repeat.after_lines] + [replace(word, text=" " + word.word)] * 31
            truncated = aborted = True
        for i, step in enumerate(steps):
            count += 1
            delay = t_eval + count / tps / sim.time_scale - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            context.append(token_id(step.word, v.vocab_size))
            (thoughts if is_thought else parts).append(step.text)
            lp = [_logprob(req, step, i == 0)] if req.logprobs else []
            logprobs += lp
            if stream:
                chunk = (
                    _envelope(req, thinking=step.text)
                    if is_thought
                    else _envelope(req, content=step.text)
                )
                chunk["done"] = False
                if lp:
                    chunk["logprobs"] = lp
                stream.send(chunk)
        if truncated:
            break
    if aborted and stream:
        stream.end()
        return
    eval_ns = int((time.perf_counter() - t_eval) * 1e9 * sim.time_scale)

    final = (
        _envelope(req)
        if stream
        else _envelope(req, content="".join(parts), thinking="".join(thoughts))
    )
    if calls and not stream:
        final["message"]["tool_calls"] = calls
    final.update({"done": True, "done_reason": "length" if truncated else "stop"})
    final.update(
        _metrics(
            {
                "total_duration": int((time.perf_counter_ns() - t0) * sim.time_scale),
                "load_duration": load_ns,
                "prompt_eval_count": prompt_tokens,
                "prompt_eval_duration": prompt_ns,
                "eval_count": count,
                "eval_duration": eval_ns if count else 0,
            }
        )
    )
    if not req.chat and not req.raw:  # context is generate-only, and never sent with raw
        final["context"] = context
    if not stream and logprobs:
        final["logprobs"] = logprobs
    keep = req.keep_alive if req.keep_alive is not None else DEFAULT_KEEP_ALIVE
    current = sim.state.runner(req.parsed)
    if current and current.loaded_ns == runner.loaded_ns:  # the idle timer starts now
        sim.state.set_runner(
            req.parsed,
            replace(current, expires_ns=time.time_ns() + int(keep.total_seconds() * 1e9)),
        )
    if stream:
        stream.send(final)
        stream.end()
    else:
        h.send_json(200, final)


def generate_endpoint(h: SimHandler, body: dict[str, Any]) -> None:
    _run(h, body, chat=False)


def chat_endpoint(h: SimHandler, body: dict[str, Any]) -> None:
    _run(h, body, chat=True)
