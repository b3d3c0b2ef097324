"""Failures talking to the Ollama daemon, each with a message that says what to do next.

The daemon reports errors three ways (``ollama-api.md`` §9): an HTTP status with a JSON body
``{"error": "..."}``, a plain-text body from the router (``404 page not found``), or — once a
stream has started — HTTP 200 followed by a final ``{"error": "..."}`` line.
``error_from_response`` and ``error_from_stream_line`` turn all three into one typed tree.
"""

from __future__ import annotations

import re

from quantdesk.core import safe_json
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.inert import brief

# A daemon's own error text is quoted this far: a 20 MB body says nothing its start does not.
MAX_REASON_CHARS = 600


class OllamaError(QuantDeskError):
    """Any failure reported by, or on the way to, the daemon. ``status`` is the HTTP status
    when there was one (None for in-stream and transport errors)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DaemonUnreachable(OllamaError):
    def __init__(self, host: str, detail: str = "") -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"Cannot reach the Ollama daemon at {host}{why}. Start it with `ollama serve`, "
            "or point --host / OLLAMA_HOST at the machine where it runs."
        )
        self.host = host


class InvalidModelName(OllamaError):
    def __init__(self, name: str, reason: str = "", *, status: int | None = None) -> None:
        why = f": {reason}" if reason else ""
        super().__init__(
            f"'{name}' is not a valid model name{why}. Names look like "
            "'llama3.1:8b-instruct-q4_K_M' or 'namespace/model:tag'.",
            status=status,
        )
        self.name = name


class ModelNotFound(OllamaError):
    def __init__(self, model: str, *, status: int | None = 404) -> None:
        super().__init__(
            f"Model '{model}' is not installed. Download it first: quantdesk pull {model}",
            status=status,
        )
        self.model = model


class TagNotFound(OllamaError):
    def __init__(self, model: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(
            f"'{model}' was not found in the registry ({reason}). Check the model name and "
            "tag on ollama.com/library, or list the real tags with `quantdesk variants`.",
            status=status,
        )
        self.model = model
        self.reason = reason


class OutOfMemory(OllamaError):
    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(
            f"The model does not fit in memory ({reason}). Try a smaller quantization or a "
            "shorter context (--num-ctx), or unload other models first.",
            status=status,
        )
        self.reason = reason


class ContextOverflow(OllamaError):
    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(
            f"The prompt does not fit in the model's context ({reason}). Shorten it or load "
            "the model with a longer context (--num-ctx, up to its trained length).",
            status=status,
        )
        self.reason = reason


class CapabilityMissing(OllamaError):
    """A request the model cannot serve: ``"x" does not support thinking`` (routes.go) or
    ``<name> does not support tools`` (images.go ``CheckCapabilities``), always 400."""

    def __init__(self, model: str, feature: str, *, status: int | None = 400) -> None:
        super().__init__(
            f"'{model}' does not support {feature}. Leave that option out, or pick a model "
            "whose capabilities (quantdesk show) include it.",
            status=status,
        )
        self.model = model
        self.feature = feature


class SigninRequired(OllamaError):
    """A cloud model asked for without ``ollama signin`` (401 with ``signin_url``)."""

    def __init__(self, model: str, signin_url: str, *, status: int | None = 401) -> None:
        where = f" or open {signin_url}" if signin_url else ""
        super().__init__(
            f"'{model}' runs on ollama.com and this daemon is not signed in. Run "
            f"`ollama signin` on the daemon's machine{where}, or pick a local model.",
            status=status,
        )
        self.model = model
        self.signin_url = signin_url


class StreamError(OllamaError):
    """The daemon sent an ``{"error": ...}`` line after the stream had started."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"The daemon stopped with an error: {reason}", status=status)
        self.reason = reason


class ConnectionDropped(StreamError):
    def __init__(self, detail: str = "") -> None:
        OllamaError.__init__(
            self,
            "The connection to the daemon dropped in the middle of a reply"
            + (f" ({detail})" if detail else "")
            + ". Check that the daemon is still running and try again.",
        )
        self.reason = detail or "connection dropped"


class MalformedStream(OllamaError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The daemon sent a reply QuantDesk cannot read ({detail}). Is --host pointing at "
            "an Ollama daemon?"
        )


class RequestTimeout(OllamaError):
    def __init__(self, what: str = "the daemon did not answer in time") -> None:
        super().__init__(f"Timed out: {what}. The daemon may be busy; try again.")


class StreamStalled(RequestTimeout):
    """A stream went quiet. ``operation`` names what it was doing ("generating text with
    'x'"); only a download speaks of resuming, since only a pull resumes."""

    def __init__(self, seconds: float, operation: str = "", *, download: bool = False) -> None:
        during = f" while {operation}" if operation else ""
        advice = ("the download was stopped. Try again; a pull resumes where it stopped."
                  if download else
                  "QuantDesk stopped waiting. Check that the daemon still works and try again.")
        OllamaError.__init__(self, f"The daemon made no progress for {seconds:g} s{during}, so "
                             f"{advice}")
        self.seconds = seconds
        self.operation = operation


class HttpError(OllamaError):
    def __init__(self, status: int, reason: str) -> None:
        hint = _HINTS.get(status, "")
        super().__init__(f"The daemon answered HTTP {status}: {reason}{hint}", status=status)
        self.reason = reason


_HINTS = {
    404: ". This daemon lacks that endpoint; is it an old Ollama, or not Ollama at all?",
    405: ". This daemon lacks that endpoint; is it an old Ollama, or not Ollama at all?",
    503: ". The daemon's queue is full; try again in a moment.",
}

# llm/status.go outOfMemorySubstrings (matched case-insensitively there too), plus the
# pre-0.30 scheduler's "model requires more system memory (X GiB) than is available (Y GiB)".
OUT_OF_MEMORY_SUBSTRINGS = (
    "out of memory", "out of device memory", "cudaMalloc failed", "hipMalloc failed",
    "failed to allocate", "allocation failed", "not enough memory", "insufficient memory",
    "vk_error_out_of_device_memory", "erroroutofmemory",
)
_OOM = re.compile(
    "|".join([re.escape(s) for s in OUT_OF_MEMORY_SUBSTRINGS]
             + [r"requires more system memory", r"out-of-memory", r"\bOOM\b",
                r"unable to allocate"]),
    re.IGNORECASE,
)
# llm/llama_server.go: a prompt over the context with context shift off (400)
_CONTEXT = re.compile(r"the prompt is longer than the context length", re.IGNORECASE)
# routes.go '%q does not support %s' and sched/images.go '%s does not support %w' (a name
# without quotes); "raw mode does not support template, ..." is a request error, not this.
_UNSUPPORTED = re.compile(r"""^"?([^"\s]+)"? does not support ([a-z][a-z ]*?)\.?(?:\s|$)""")
_MISSING_MANIFEST = re.compile(r"file does not exist|manifest unknown", re.IGNORECASE)
_NOT_FOUND = re.compile(r"""model\s+['"]([^'"]*)['"]\s+not found""", re.IGNORECASE)
_INVALID_NAME = re.compile(
    r"""invalid model name|(?:name|source|destination)\s+['"]([^'"]*)['"]\s+is invalid""",
    re.IGNORECASE,
)


def body_message(body: str) -> str:
    """The ``error`` field of a JSON body, else the body text itself (the router's 404/405
    answers are plain text)."""
    text = body.strip()
    try:
        data = safe_json.loads(text)
    except safe_json.JsonRejected:
        return text or "no details"
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return text or "no details"


def _classify(message: str, status: int | None, model: str | None) -> OllamaError | None:
    if _CONTEXT.search(message):
        return ContextOverflow(message, status=status)
    if _OOM.search(message):
        return OutOfMemory(message, status=status)
    unsupported = _UNSUPPORTED.match(message)
    if unsupported and status in (None, 400):
        return CapabilityMissing(unsupported.group(1), unsupported.group(2), status=status)
    if _MISSING_MANIFEST.search(message):
        return TagNotFound(model or "model", message, status=status)
    found = _NOT_FOUND.search(message)
    if found and (status in (None, 404)):
        return ModelNotFound(found.group(1) or model or "", status=status)
    invalid = _INVALID_NAME.search(message)
    if invalid and status in (None, 400):
        return InvalidModelName(invalid.group(1) or model or "", message, status=status)
    return None


def error_from_response(status: int, body: str, *, model: str | None = None) -> OllamaError:
    """Map a non-2xx answer (status and raw body text) to the error a user should see."""
    message = brief(body_message(body), MAX_REASON_CHARS)
    if status == 401:
        try:
            data = safe_json.loads(body)
        except safe_json.JsonRejected:
            data = None
        if isinstance(data, dict) and "signin_url" in data:
            # server/cloud_proxy.go: gin.H{"error": "unauthorized", "signin_url": signinURL}
            url = brief(str(data.get("signin_url") or ""), MAX_REASON_CHARS)
            return SigninRequired(model or "the model", url)
    return _classify(message, status, model) or HttpError(status, message)


def error_from_stream_line(message: str, *, model: str | None = None) -> OllamaError:
    """Map the ``error`` of a mid-stream line (HTTP status already 200)."""
    message = brief(message, MAX_REASON_CHARS)
    return _classify(message, None, model) or StreamError(message)
