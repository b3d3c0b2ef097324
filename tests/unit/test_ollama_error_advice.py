"""One advice sentence per error kind, for the texts Ollama's Go source really produces."""

from __future__ import annotations

import json

import pytest

from quantdesk.core.ollama import (
    ContextOverflow,
    OutOfMemory,
    SigninRequired,
    error_from_response,
    error_from_stream_line,
)

# llm/status.go: var outOfMemorySubstrings = []string{...}
GO_OOM_SUBSTRINGS = [
    "out of memory", "out of device memory", "cudaMalloc failed", "hipMalloc failed",
    "failed to allocate", "allocation failed", "not enough memory", "insufficient memory",
    "vk_error_out_of_device_memory", "erroroutofmemory",
]


@pytest.mark.parametrize("needle", GO_OOM_SUBSTRINGS)
def test_every_out_of_memory_text_of_llm_status_go(needle):
    # llm/llama_server.go: fmt.Errorf("llama-server process has terminated: %s: %s",
    # ExitStatus(code), msg) with exit_status.go's "exit status %d"
    text = f"llama-server process has terminated: exit status 2: ggml: {needle.upper()}"
    err = error_from_response(500, json.dumps({"error": text}), model="m")
    assert isinstance(err, OutOfMemory) and "smaller quantization" in str(err)


def test_startup_out_of_memory_and_the_old_scheduler_text():
    for text in ("llama-server reported out-of-memory during startup: failed to allocate",
                 "model requires more system memory (10.9 GiB) than is available (7.6 GiB)"):
        assert isinstance(error_from_response(500, json.dumps({"error": text})), OutOfMemory)


def test_context_overflow_400():
    # llm/llama_server.go ~298, the exact ErrorMessage
    text = ("the prompt is longer than the context length currently available to the model; "
            "shorten the prompt, adjust the context length in settings, or use a model with a "
            "longer context length")
    err = error_from_response(400, json.dumps({"error": text}))
    assert isinstance(err, ContextOverflow) and "--num-ctx" in str(err)
    assert isinstance(error_from_stream_line(text), ContextOverflow)


def test_cloud_model_401_with_signin_url():
    # server/cloud_proxy.go: c.JSON(http.StatusUnauthorized, gin.H{"error": "unauthorized",
    # "signin_url": signinURL}); routes.go signinURLStr "https://ollama.com/connect?name=%s&key=%s"
    url = "https://ollama.com/connect?name=box&key=c3NoLWVk"
    err = error_from_response(401, json.dumps({"error": "unauthorized", "signin_url": url}),
                              model="gpt-oss:120b-cloud")
    assert isinstance(err, SigninRequired) and err.signin_url == url
    assert "ollama signin" in str(err) and url in str(err)
