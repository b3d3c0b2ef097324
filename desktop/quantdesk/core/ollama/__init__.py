"""Client for the Ollama daemon: host resolution, model names, response types, typed errors.

Use ``OllamaClient`` (async) for every call; see ``client`` for timeouts and cancellation.
"""

from quantdesk.core.ollama.client import OllamaClient
from quantdesk.core.ollama.errors import (
    CapabilityMissing,
    ConnectionDropped,
    ContextOverflow,
    DaemonUnreachable,
    HttpError,
    InvalidModelName,
    MalformedStream,
    ModelNotFound,
    OllamaError,
    OutOfMemory,
    RequestTimeout,
    SigninRequired,
    StreamError,
    StreamStalled,
    TagNotFound,
    error_from_response,
    error_from_stream_line,
)
from quantdesk.core.ollama.generation import ChatChunk, GenerateChunk, Logprob, Metrics
from quantdesk.core.ollama.host import DEFAULT_PORT, OllamaHost, parse_host, resolve_host
from quantdesk.core.ollama.keepalive import KeepAlive, parse_keep_alive
from quantdesk.core.ollama.names import (
    DEFAULT_HOST,
    DEFAULT_NAMESPACE,
    DEFAULT_TAG,
    ModelName,
    display_name,
    is_valid_model_name,
    parse_model_name,
    same_model,
    split_source,
)
from quantdesk.core.ollama.progress import PullProgress, PullTracker
from quantdesk.core.ollama.show import ShowResponse, Tensor
from quantdesk.core.ollama.types import LocalModel, ModelDetails, RunningModel

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_NAMESPACE",
    "DEFAULT_PORT",
    "DEFAULT_TAG",
    "CapabilityMissing",
    "ChatChunk",
    "ConnectionDropped",
    "ContextOverflow",
    "DaemonUnreachable",
    "GenerateChunk",
    "HttpError",
    "InvalidModelName",
    "KeepAlive",
    "LocalModel",
    "Logprob",
    "MalformedStream",
    "Metrics",
    "ModelDetails",
    "ModelName",
    "ModelNotFound",
    "OllamaClient",
    "OllamaError",
    "OllamaHost",
    "OutOfMemory",
    "PullProgress",
    "PullTracker",
    "RequestTimeout",
    "RunningModel",
    "ShowResponse",
    "SigninRequired",
    "StreamError",
    "StreamStalled",
    "TagNotFound",
    "Tensor",
    "display_name",
    "error_from_response",
    "error_from_stream_line",
    "is_valid_model_name",
    "parse_host",
    "parse_keep_alive",
    "parse_model_name",
    "resolve_host",
    "same_model",
    "split_source",
]
