"""A remote quantization variant of a model, and its status against what is installed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from quantdesk.core.quant import QuantLevel


@dataclass(frozen=True, slots=True)
class Variant:
    name: str  # what `ollama pull` takes: "llama3.1:8b-instruct-q4_K_M", "hf.co/u/r:Q4_K_M"
    tag: str
    quant: QuantLevel | None
    size_bytes: int | None  # total download = /api/tags size (exact when confirmed)
    model_bytes: int | None  # the weights layer(s) alone
    digest: str | None  # "sha256:<hex>" of the manifest (HF: of the file when no manifest)
    quant_label: str = ""  # as the source spells it ("Q6_K_L", "q4_K_M"); "" when unknown
    aliases: tuple[str, ...] = ()  # other tags with the same digest ("latest", "8b")
    installed: bool = False
    update_available: bool = False
    confirmed: bool = False  # sizes/digest read from the manifest, not the page's rounding
    context_length: int | None = None
    architecture: str | None = None  # GGUF general.architecture when known
    blob_url: str | None = None  # where the GGUF weights can be read with Range requests
    pullable: bool = True
    note: str = ""  # why not pullable, or what is approximate

    @property
    def remote_only(self) -> bool:
        return not self.installed

    @property
    def bits_per_weight(self) -> float | None:
        return self.quant.file_bpw if self.quant else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tag": self.tag,
            "quant": self.quant.name if self.quant else (self.quant_label or None),
            "bits_per_weight": self.bits_per_weight,
            "size_bytes": self.size_bytes,
            "model_bytes": self.model_bytes,
            "digest": self.digest,
            "aliases": list(self.aliases),
            "installed": self.installed,
            "update_available": self.update_available,
            "remote_only": self.remote_only,
            "confirmed": self.confirmed,
            "architecture": self.architecture,
            "pullable": self.pullable,
        }


def is_base_model(variant: Variant) -> bool:
    """A pre-trained ("text") build rather than the chat-tuned one most people want."""
    return "text" in variant.tag.lower().split("-")


_DEFAULT_PREFIXES = ("registry.ollama.ai/library/", "library/")


def normalize_name(name: str) -> str:
    """Lower-case, default registry and namespace dropped, ``:latest`` added when untagged."""
    n = name.strip().lower()
    for prefix in _DEFAULT_PREFIXES:
        if n.startswith(prefix):
            n = n[len(prefix):]
    if n.startswith("huggingface.co/"):
        n = "hf.co/" + n[len("huggingface.co/"):]
    if ":" not in n.rsplit("/", 1)[-1]:
        n += ":latest"
    return n


def _hex(digest: str | None) -> str:
    return (digest or "").lower().removeprefix("sha256:")


def _same_digest(a: str | None, b: str | None) -> bool:
    """Equal digests, tolerating a 12-hex prefix on either side (the page prints those)."""
    ha, hb = _hex(a), _hex(b)
    if len(ha) < 12 or len(hb) < 12:
        return False
    return ha.startswith(hb) or hb.startswith(ha)


def local_digests(models: Iterable[Any]) -> dict[str, str]:
    """``{name: digest}`` from ``/api/tags`` entries (dicts or objects with name/digest)."""
    out: dict[str, str] = {}
    for m in models:
        if isinstance(m, Mapping):
            name, digest = m.get("name") or m.get("model"), m.get("digest")
        else:
            name = getattr(m, "name", None) or getattr(m, "model", None)
            digest = getattr(m, "digest", None)
        if name and digest:
            out[normalize_name(str(name))] = str(digest)
    return out


def with_local_status(
    variants: Iterable[Variant], installed: Mapping[str, str], repository: str
) -> list[Variant]:
    """Mark each variant installed (same digest locally under any name of this repository)
    and update_available (one of its names installed with a different digest)."""
    local = {normalize_name(k): v for k, v in installed.items()}
    repo = normalize_name(repository).rsplit(":", 1)[0]
    ours = {k: v for k, v in local.items() if k.rsplit(":", 1)[0] == repo}
    out = []
    for v in variants:
        names = [normalize_name(f"{repo}:{t}") for t in (v.tag, *v.aliases)]
        has_same = any(_same_digest(d, v.digest) for d in ours.values())
        stale = any(
            n in ours and not _same_digest(ours[n], v.digest) for n in names
        ) and v.digest is not None
        out.append(dataclasses.replace(v, installed=has_same, update_available=stale))
    return out
