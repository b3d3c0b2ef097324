"""Ollama model names as the daemon parses them: ``[host/][namespace/]model[:tag]``.

Grammar and limits follow ``types/model/name.go`` (ollama-api.md §11): the tag is what follows
the last ``:`` if that colon comes after the last ``/``; defaults are host
``registry.ollama.ai``, namespace ``library``, tag ``latest``; names compare case-insensitively.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Not core/ollama/names.py: an independent model of the daemon, so core bugs cannot hide.

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_HOST = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$")
_MODEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")
_TAG = _MODEL


@dataclass(frozen=True, slots=True)
class ModelName:
    host: str
    namespace: str
    model: str
    tag: str
    scheme: str = "https"

    @property
    def display(self) -> str:
        """The shortest form, as /api/tags prints it (default host and namespace dropped)."""
        if self.host.lower() != DEFAULT_HOST:
            return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"
        if self.namespace.lower() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.model}:{self.tag}"

    @property
    def key(self) -> str:
        """Case-insensitive identity of the name."""
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}".lower()

    @property
    def is_library(self) -> bool:
        return (self.host.lower(), self.namespace.lower()) == (DEFAULT_HOST, DEFAULT_NAMESPACE)


def parse_name(text: str) -> ModelName | None:
    """The parsed name, or None when Ollama would call it invalid."""
    text = text.strip()
    scheme = "https"
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            scheme, text = prefix[:-3], text[len(prefix) :]
    if not text:
        return None
    tag = DEFAULT_TAG
    colon, slash = text.rfind(":"), text.rfind("/")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
        if not tag:
            return None
    parts = text.split("/")
    if len(parts) > 3 or any(not p for p in parts):
        return None
    model = parts[-1]
    namespace = parts[-2] if len(parts) >= 2 else DEFAULT_NAMESPACE
    host = parts[-3] if len(parts) == 3 else DEFAULT_HOST
    if not (
        _HOST.match(host)
        and _NAMESPACE.match(namespace)
        and _MODEL.match(model)
        and _TAG.match(tag)
    ):
        return None
    return ModelName(host, namespace, model, tag, scheme)


CONFLICTING_SOURCE = "use either :local or :cloud, not both"


class ConflictingSource(ValueError):
    """``x:cloud:local`` and the like; ``str()`` is the daemon's 400 text."""


def _source_suffix(text: str) -> tuple[str, str | None]:
    colon = text.rfind(":")
    if colon < 0:
        return text, None
    suffix = text[colon + 1 :].strip()
    low = suffix.lower()
    if low in ("local", "cloud"):
        return text[:colon], low
    if "/" not in suffix and low.endswith("-cloud"):
        return text[: colon + 1] + suffix[: -len("-cloud")], "cloud"
    return text, None


def split_source(text: str) -> tuple[str, str | None]:
    """``(base, "local" | "cloud" | None)``: the explicit source suffix taken off a reference
    (``qwen3:4b:local`` -> ``qwen3:4b``); a second suffix under the first is a conflict."""
    raw = text.strip()
    base, source = _source_suffix(raw)
    if source is not None and _source_suffix(base)[1] is not None:
        # The daemon wraps its constant with the reference it refused (Go's %w: %q).
        raise ConflictingSource(f"{CONFLICTING_SOURCE}: {json.dumps(raw)}")
    return base, source


def pull_name(text: str) -> str:
    """The stored name a reference means: ``:local`` dropped, a cloud reference turned into
    its stub tag (``m:cloud``, ``m:8b-cloud``), as pull and delete resolve it. The simulator
    has no cloud, so show/generate/chat resolve references the same way: a cloud one only
    ever finds an installed stub, never the local model."""
    base, source = split_source(text)
    if source != "cloud":
        return base
    has_tag = base.rfind(":") > base.rfind("/")
    return base + ("-cloud" if has_tag else ":cloud")

