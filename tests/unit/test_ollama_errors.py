"""Mapping daemon answers to typed errors with actionable messages."""

from __future__ import annotations

import json

import pytest

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama.errors import (
    CapabilityMissing,
    ConnectionDropped,
    DaemonUnreachable,
    HttpError,
    InvalidModelName,
    MalformedStream,
    ModelNotFound,
    OllamaError,
    OutOfMemory,
    StreamError,
    StreamStalled,
    TagNotFound,
    error_from_response,
    error_from_stream_line,
)

OOM_OLD = "model requires more system memory (10.9 GiB) than is available (7.6 GiB)"
OOM_NEW = "llama-server reported out-of-memory during startup: cudaMalloc failed"


def _body(message: str) -> str:
    return json.dumps({"error": message})


@pytest.mark.parametrize(
    ("status", "body", "kind", "in_message"),
    [
        (404, _body("model 'llama9' not found"), ModelNotFound, "quantdesk pull llama9"),
        (404, _body('model "x:1b" not found, try pulling it first'), ModelNotFound,
         "quantdesk pull x:1b"),
        (500, _body(OOM_OLD), OutOfMemory, "smaller quantization"),
        (500, _body(OOM_NEW), OutOfMemory, "--num-ctx"),
        (500, _body("pull model manifest: file does not exist"), TagNotFound, "file does not"),
        (400, _body("invalid model name"), InvalidModelName, "not a valid model name"),
        (400, _body('name "bad name" is invalid'), InvalidModelName, "'bad name'"),
        (400, _body('destination "a b" is invalid'), InvalidModelName, "'a b'"),
        (404, "404 page not found", HttpError, "lacks that endpoint"),
        (405, "405 method not allowed", HttpError, "405 method not allowed"),
        (503, _body("server busy, please try again.  maximum pending requests exceeded"),
         HttpError, "try again"),
        (500, "", HttpError, "no details"),
        (400, _body('"smollm2:360m" does not support thinking'), CapabilityMissing,
         "'smollm2:360m' does not support thinking. Leave that option out"),
        (400, json.dumps({"status": "weird"}), HttpError, "weird"),
    ],
)
def test_error_from_response(status, body, kind, in_message):
    exc = error_from_response(status, body, model="llama9")
    assert type(exc) is kind
    assert exc.status == status
    assert in_message in str(exc)
    assert isinstance(exc, QuantDeskError)


def test_stream_line_errors():
    missing = error_from_stream_line("pull model manifest: file does not exist", model="m:zz")
    assert isinstance(missing, TagNotFound)
    assert missing.status is None
    assert "'m:zz'" in str(missing) and "file does not exist" in str(missing)
    assert isinstance(error_from_stream_line(OOM_NEW), OutOfMemory)
    other = error_from_stream_line("runner crashed")
    assert type(other) is StreamError
    assert "runner crashed" in str(other)


def test_messages_name_the_fix():
    unreachable = DaemonUnreachable("http://127.0.0.1:11434", "refused")
    assert "http://127.0.0.1:11434" in str(unreachable)
    assert "ollama serve" in str(unreachable)
    assert "10 s" in str(StreamStalled(10))
    assert isinstance(ConnectionDropped("eof"), StreamError)
    assert "cannot read" in str(MalformedStream("x"))
    assert all(issubclass(k, OllamaError) for k in (ModelNotFound, TagNotFound, HttpError))
