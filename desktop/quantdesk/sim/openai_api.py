"""The OpenAI-compatible routes, built the way Ollama builds them: translate, run the native
handler, translate its output back.

``middleware/openai.go`` turns ``/v1/chat/completions`` into an ``/api/chat`` request
(``openai/openai.go FromChatRequest``: ``max_tokens`` → ``num_predict``, temperature and top_p
default to 1.0, ``response_format`` → ``format``, ``tools`` as they are) and wraps the response
writer (``ChatWriter``): each native line becomes a ``chat.completion.chunk`` sent as an SSE
``data:`` event; the ``done`` line becomes a finish chunk, then — with
``stream_options.include_usage`` — a chunk with ``usage`` and no choices, then
``data: [DONE]``. Ids are ``chatcmpl-N`` / ``cmpl-N`` with N below 999, the fingerprint
``fp_ollama``. Errors take OpenAI's shape (``openai.NewError``): 400 ``invalid_request_error``,
404 ``not_found_error``, else ``api_error``. ``/v1/completions`` maps onto ``/api/generate``,
``/v1/embeddings`` onto ``/api/embed`` (float or base64 vectors), ``/v1/models`` onto the tags
list and ``/v1/models/{model}`` onto show.
"""

from __future__ import annotations

import base64
import json
import random
import struct
import time
from typing import Any

from quantdesk.sim import embed_api, generate_api, models_api
from quantdesk.sim.http import HttpError, SimHandler
from quantdesk.sim.names import parse_name


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class _SseStream:
    """Receives the native handler's NDJSON lines and writes OpenAI SSE events instead."""

    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        h = writer.h
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        self.lines = 0

    def _event(self, obj: Any) -> None:
        text = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
        data = f"data: {text}\n\n".encode()
        self.w.h.write(b"%x\r\n%s\r\n" % (len(data), data))

    def send(self, line: dict[str, Any]) -> None:
        self.lines += 1
        for event in self.w.convert(line):
            self._event(event)

    def end(self) -> None:
        self.w.h.write(b"0\r\n\r\n")


class _Writer:
    """Stands in for the handler while a native endpoint runs (``BaseWriter``'s role)."""

    def __init__(self, h: SimHandler, kind: str, *, stream: bool, usage: bool, model: str,
                 encoding: str = "") -> None:
        self.h, self.kind, self.stream_mode, self.usage = h, kind, stream, usage
        self.model, self.encoding = model, encoding
        self.id = f"{'chatcmpl' if kind == 'chat' else 'cmpl'}-{random.randrange(999)}"
        self.created = int(time.time())
        self.first_sent = self.tool_call_sent = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.h, name)

    def stream(self) -> _SseStream:
        return _SseStream(self)

    def send_json(self, status: int, obj: Any) -> None:
        if status != 200:
            self.h.send_json(status, error_body(status, str(obj.get("error", obj))))
            return
        self.h.send_json(200, self.whole(obj))

    # -- conversions (openai/openai.go) -------------------------------------------------------
    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        obj = "chat.completion.chunk" if self.kind == "chat" else "text_completion"
        choice: dict[str, Any] = (
            {"index": 0, "delta": delta, "finish_reason": finish} if self.kind == "chat"
            else {"text": delta.get("content", ""), "index": 0, "finish_reason": finish})
        return {"id": self.id, "object": obj, "created": self.created, "model": self.model,
                "system_fingerprint": "fp_ollama", "choices": [choice]}

    def convert(self, line: dict[str, Any]) -> list[Any]:
        if self.kind == "completion":
            return self._convert_completion(line)
        msg = line.get("message") or {}
        out: list[Any] = []
        content, thinking = msg.get("content", ""), msg.get("thinking", "")
        calls = tool_calls(msg.get("tool_calls") or [])
        empty_trailer = line.get("done") and self.first_sent and not (content or thinking
                                                                        or calls)
        if not empty_trailer:
            delta: dict[str, Any] = {}
            if not self.first_sent:
                delta["role"] = "assistant"
            if content:
                delta["content"] = content
            if thinking:
                delta["reasoning"] = thinking
            if calls:
                delta["tool_calls"] = calls
                self.tool_call_sent = True
            out.append(self._chunk(delta))
            self.first_sent = True
        if line.get("done"):
            reason = line.get("done_reason") or "stop"
            if reason == "stop" and self.tool_call_sent:
                reason = "tool_calls"
            out.append(self._chunk({}, reason))
            if self.usage:
                out.append({**self._chunk({}), "choices": [], "usage": usage(line)})
            out.append("[DONE]")
        return out

    def _convert_completion(self, line: dict[str, Any]) -> list[Any]:
        chunk = self._chunk({"content": line.get("response", "")},
                            line.get("done_reason") if line.get("done") else None)
        if self.usage:
            chunk["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        out: list[Any] = [chunk]
        if line.get("done"):
            if self.usage:
                out.append({**chunk, "choices": [], "usage": usage(line)})
            out.append("[DONE]")
        return out

    def whole(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.kind == "embed":
            return embedding_list(self.model, obj, self.encoding)
        reason = obj.get("done_reason") or None
        base = {"id": self.id, "created": self.created, "model": self.model,
                "system_fingerprint": "fp_ollama", "usage": usage(obj)}
        if self.kind == "completion":
            return {**base, "object": "text_completion", "choices": [
                {"text": obj.get("response", ""), "index": 0, "finish_reason": reason}]}
        msg = obj.get("message") or {}
        calls = tool_calls(msg.get("tool_calls") or [])
        if reason == "stop" and calls:
            reason = "tool_calls"
        message: dict[str, Any] = {"role": msg.get("role", "assistant"),
                                   "content": msg.get("content", "")}
        if msg.get("thinking"):
            message["reasoning"] = msg["thinking"]
        if calls:
            message["tool_calls"] = calls
        return {**base, "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "finish_reason": reason}]}


def usage(line: dict[str, Any]) -> dict[str, int]:
    p, c = int(line.get("prompt_eval_count", 0)), int(line.get("eval_count", 0))
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def tool_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``openai.ToToolCalls``: arguments become a JSON string."""
    out = []
    for c in calls:
        fn = c.get("function") or {}
        out.append({"id": c.get("id", ""), "index": fn.get("index", 0), "type": "function",
                    "function": {"name": fn.get("name", ""),
                                 "arguments": json.dumps(fn.get("arguments") or {})}})
    return out


def embedding_list(model: str, resp: dict[str, Any], encoding: str) -> dict[str, Any]:
    data = []
    for i, vec in enumerate(resp.get("embeddings") or []):
        value: Any = vec
        if encoding.lower() == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        data.append({"object": "embedding", "embedding": value, "index": i})
    n = int(resp.get("prompt_eval_count", 0))
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": n, "total_tokens": n}}


def _options(body: dict[str, Any], *, chat: bool) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    stop = body.get("stop")
    if isinstance(stop, str):
        opts["stop"] = [stop]
    elif isinstance(stop, list):
        opts["stop"] = [s for s in stop if isinstance(s, str)]
    if body.get("max_tokens") is not None:
        opts["num_predict"] = body["max_tokens"]
    opts["temperature"] = body["temperature"] if body.get("temperature") is not None else 1.0
    if body.get("seed") is not None:
        opts["seed"] = body["seed"]
    for key in ("frequency_penalty", "presence_penalty"):
        if body.get(key) is not None or not chat:
            opts[key] = body.get(key) or 0.0
    opts["top_p"] = body["top_p"] if body.get("top_p") else 1.0
    return opts


def _run(h: SimHandler, writer: _Writer, native: Any, body: dict[str, Any]) -> None:
    try:
        native(writer, body)
    except HttpError as exc:
        h.send_json(exc.status, error_body(exc.status, exc.message))


def chat_completions(h: SimHandler, body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if not messages:
        raise_openai(h, 400, "[] is too short - 'messages'")
        return
    native_msgs = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            text = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            content = text
        native_msgs.append({k: v for k, v in {**m, "content": content or ""}.items()
                            if k in ("role", "content", "tool_calls", "tool_call_id", "name")})
    fmt = body.get("response_format") or {}
    native: dict[str, Any] = {
        "model": body.get("model", ""), "messages": native_msgs,
        "options": _options(body, chat=True), "stream": bool(body.get("stream")),
    }
    if (fmt.get("type") or "").lower() == "json_object":
        native["format"] = "json"
    elif (fmt.get("type") or "").lower() == "json_schema" and fmt.get("json_schema"):
        native["format"] = fmt["json_schema"].get("schema")
    if body.get("tools"):
        native["tools"] = body["tools"]
    usage_wanted = bool((body.get("stream_options") or {}).get("include_usage"))
    writer = _Writer(h, "chat", stream=native["stream"], usage=usage_wanted,
                     model=native["model"])
    _run(h, writer, generate_api.chat_endpoint, native)


def completions(h: SimHandler, body: dict[str, Any]) -> None:
    native = {"model": body.get("model", ""), "prompt": body.get("prompt", ""),
              "options": _options(body, chat=False), "stream": bool(body.get("stream"))}
    if body.get("suffix"):
        native["suffix"] = body["suffix"]
    usage_wanted = bool((body.get("stream_options") or {}).get("include_usage"))
    writer = _Writer(h, "completion", stream=native["stream"], usage=usage_wanted,
                     model=native["model"])
    _run(h, writer, generate_api.generate_endpoint, native)


def embeddings(h: SimHandler, body: dict[str, Any]) -> None:
    encoding = body.get("encoding_format") or ""
    if encoding and encoding.lower() not in ("float", "base64"):
        raise_openai(h, 400, f"Invalid value for 'encoding_format' = {encoding}. Supported "
                     "values: ['float', 'base64'].")
        return
    data = body.get("input")
    if data == "":
        data = [""]
    if data is None or data == []:
        raise_openai(h, 400, "invalid input")
        return
    native = {"model": body.get("model", ""), "input": data}
    if body.get("dimensions"):
        native["dimensions"] = body["dimensions"]
    writer = _Writer(h, "embed", stream=False, usage=False, model=native["model"],
                     encoding=encoding)
    _run(h, writer, embed_api.embed, native)


def models(h: SimHandler, body: dict[str, Any]) -> None:
    data = []
    for m in h.sim.state.installed():
        name = parse_name(m.name)
        data.append({"id": m.name, "object": "model", "created": m.modified_ns // 10**9,
                     "owned_by": name.namespace if name else "library"})
    h.send_json(200, {"object": "list", "data": data})


def model(h: SimHandler, body: dict[str, Any]) -> None:
    name = h.path.split("?", 1)[0].removeprefix("/v1/models/")
    try:
        m = models_api.installed_or_404(h, name)
    except HttpError as exc:
        h.send_json(exc.status, error_body(exc.status, exc.message))
        return
    parsed = parse_name(name)
    h.send_json(200, {"id": name, "object": "model", "created": m.modified_ns // 10**9,
                      "owned_by": parsed.namespace if parsed else "library"})


def raise_openai(h: SimHandler, status: int, message: str) -> None:
    h.send_json(status, error_body(status, message))
