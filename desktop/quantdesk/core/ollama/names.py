"""Model names: ``[host/][namespace/]model[:tag]`` exactly as the daemon parses them.

The tag is what follows the last ``:`` when that colon comes after the last ``/`` (so a
registry port such as ``host:5000/ns/m`` stays in the host); the rest splits on ``/`` from the
right. Missing parts take the defaults ``registry.ollama.ai`` / ``library`` / ``latest``, and
names compare case-insensitively (``ollama-api.md`` §11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quantdesk.core.ollama.errors import InvalidModelName

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
HF_HOSTS = ("hf.co", "huggingface.co")

_HOST = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}")
_NAMESPACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,79}")
_MODEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}")
_TAG = _MODEL
_SCHEME = re.compile(r"(?i)^(https?)://")


@dataclass(frozen=True, slots=True, eq=False)
class ModelName:
    host: str
    namespace: str
    model: str
    tag: str
    scheme: str = "https"

    @property
    def full(self) -> str:
        """Every part spelled out: ``registry.ollama.ai/library/llama3.2:latest``."""
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    @property
    def display(self) -> str:
        """The shortest form, as ``/api/tags`` reports it: default host and namespace
        omitted, tag always present; a non-default host always shows its namespace."""
        if self.host.lower() != DEFAULT_HOST:
            return self.full
        if self.namespace.lower() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.model}:{self.tag}"

    @property
    def repository(self) -> str:
        """The name without its tag, in display form (``llama3.1``, ``hf.co/user/repo``)."""
        return self.display.rsplit(":", 1)[0]

    @property
    def key(self) -> str:
        """What two names are compared by: the full form, lower-cased."""
        return self.full.lower()

    @property
    def is_hugging_face(self) -> bool:
        return self.host.lower() in HF_HOSTS

    @property
    def is_cloud(self) -> bool:
        tag = self.tag.lower()
        return tag == "cloud" or tag.endswith("-cloud")

    def with_tag(self, tag: str) -> ModelName:
        return parse_model_name(f"{self.host}/{self.namespace}/{self.model}:{tag}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelName) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.display


def _check(part: str, pattern: re.Pattern[str], what: str, original: str) -> None:
    if not part:
        raise InvalidModelName(original, f"the {what} is empty")
    if not pattern.fullmatch(part):
        raise InvalidModelName(original, f"the {what} '{part}' has a character or length "
                               "the daemon does not accept")


def parse_model_name(text: str) -> ModelName:
    """Parse and validate ``text``; raises InvalidModelName with the reason."""
    original = text
    text = text.strip()
    scheme = "https"
    if match := _SCHEME.match(text):
        scheme = match.group(1).lower()
        text = text[match.end():]
    tag = DEFAULT_TAG
    colon, slash = text.rfind(":"), text.rfind("/")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
        _check(tag, _TAG, "tag", original)
    parts = text.split("/")
    if len(parts) > 3:
        # More than host/namespace/model: the extra "/" would end up inside the host.
        raise InvalidModelName(original, "it has too many '/' parts")
    model = parts[-1]
    namespace = parts[-2] if len(parts) >= 2 else DEFAULT_NAMESPACE
    host = parts[-3] if len(parts) == 3 else DEFAULT_HOST
    _check(model, _MODEL, "model", original)
    _check(namespace, _NAMESPACE, "namespace", original)
    _check(host, _HOST, "host", original)
    return ModelName(host=host, namespace=namespace, model=model, tag=tag, scheme=scheme)


def is_valid_model_name(text: str) -> bool:
    try:
        parse_model_name(text)
    except InvalidModelName:
        return False
    return True


def display_name(text: str) -> str:
    """``text`` in the shortest form the daemon reports (``llama3.2`` -> ``llama3.2:latest``)."""
    return parse_model_name(text).display


def same_model(a: str, b: str) -> bool:
    """True when two names point at the same model (defaults filled in, case ignored).

    A name that does not parse (a hostile daemon can report anything) is the same only as
    itself, ignoring case: comparing names must never fail."""
    try:
        return parse_model_name(a) == parse_model_name(b)
    except InvalidModelName:
        return a.strip().lower() == b.strip().lower()


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
    """``(base, "local" | "cloud" | None)``: a reference's explicit source suffix taken off
    (``qwen3:8b:local`` -> ``qwen3:8b``, ``gpt-oss:20b-cloud`` -> ``gpt-oss:20b``), as the
    daemon does before parsing the name. Two suffixes raise InvalidModelName."""
    raw = text.strip()
    base, source = _source_suffix(raw)
    if source is not None and _source_suffix(base)[1] is not None:
        raise InvalidModelName(raw, "use either :local or :cloud, not both")
    return base, source
