"""The simulated library: real model families, their quantization tags and stable manifests.

``catalog()`` returns the process-wide :class:`Catalog` read from ``data/catalog.json``
(regenerate it with ``python -m quantdesk.sim.build_catalog``). Each :class:`Variant` is one
library tag (``llama3.1:8b-instruct-q4_K_M``) with its architecture (GGUF ``model_info`` keys),
quantization level, download size and a :class:`Manifest` whose bytes, and therefore whose
digest, never change between runs. Aliases (``latest``, ``8b``) resolve to the same variant and
so to the same manifest digest, as on the real registry.

Blobs: template, license, params and config blobs carry real content and their digests are
the SHA-256 of that content (``Blob.content``). The model blob is gigabytes in reality; here it
has a size but no content, and its digest is the SHA-256 of a fixed description string, so it
is stable but cannot be verified by hashing bytes. A registry built on this module must serve
such blobs as synthetic bytes and not promise a matching hash.

The registry side (manifests/blobs/tags pages) builds on :meth:`Catalog.manifest_for`,
:meth:`Catalog.blob`, :meth:`Catalog.tags_of` and :meth:`Catalog.models`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from quantdesk.core.quant import QuantLevel, parse_quant
from quantdesk.sim.names import ModelName, parse_name

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model"
TEMPLATE_MEDIA_TYPE = "application/vnd.ollama.image.template"
LICENSE_MEDIA_TYPE = "application/vnd.ollama.image.license"
PARAMS_MEDIA_TYPE = "application/vnd.ollama.image.params"


@dataclass(frozen=True, slots=True)
class Blob:
    media_type: str
    digest: str  # "sha256:<64 hex>"
    size: int
    content: bytes | None = None  # None for the (synthetic) model weights

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size}


@dataclass(frozen=True, slots=True)
class Manifest:
    config: Blob
    layers: tuple[Blob, ...]
    raw: bytes  # the exact bytes a registry serves and the daemon stores

    @property
    def digest(self) -> str:
        """64 hex, no prefix: what /api/tags reports."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def total_size(self) -> int:
        """What /api/tags reports as ``size``: every layer plus the config blob."""
        return self.config.size + sum(b.size for b in self.layers)

    @property
    def blobs(self) -> tuple[Blob, ...]:
        """In pull order: layers first, the config blob last."""
        return (*self.layers, self.config)


@dataclass(frozen=True, slots=True)
class Variant:
    model: str  # library model name, "llama3.1"
    tag: str  # canonical tag, "8b-instruct-q4_K_M"
    build: str  # size label, "8b"
    kind: str  # "instruct" or "text"
    quant: QuantLevel
    model_info: dict[str, Any] = field(hash=False)
    tied_embeddings: bool
    parameter_size: str
    capabilities: tuple[str, ...]
    template: str
    license: str
    params: dict[str, Any] = field(hash=False)
    model_bytes: int
    size_source: str
    vocab_size: int = 32000
    header_bytes: int = 0  # GGUF header (KVs, tokenizer, tensor infos) at the blob's start

    @property
    def name(self) -> str:
        return f"{self.model}:{self.tag}"

    @property
    def lineage(self) -> str:
        """Variants sharing a lineage differ only in quantization (same weights before it)."""
        return f"{self.model}:{self.build}-{self.kind}"

    @property
    def architecture(self) -> str:
        return str(self.model_info["general.architecture"])

    def arch(self, key: str, default: Any = None) -> Any:
        """``<architecture>.<key>`` from model_info (``arch("block_count")``)."""
        return self.model_info.get(f"{self.architecture}.{key}", default)

    @property
    def parameter_count(self) -> int:
        return int(self.model_info["general.parameter_count"])

    @property
    def block_count(self) -> int:
        return int(self.arch("block_count"))

    @property
    def context_length(self) -> int:
        return int(self.arch("context_length"))

    @property
    def embedding_length(self) -> int:
        return int(self.arch("embedding_length"))

    @property
    def family(self) -> str:
        return self.architecture

    @property
    def estimated_size(self) -> bool:
        return self.size_source.startswith("estimated")


def plan_of(v: Variant) -> tuple[Any, ...]:
    """The variant's tensors (``sim.tensor_layout``), in file order."""
    from quantdesk.sim.tensor_layout import plan_tensors

    return plan_tensors(v.model_info, v.quant.name, vocab_size=v.vocab_size,
                        tied_embeddings=v.tied_embeddings)


def weights_bytes(v: Variant) -> int:
    """The data section: every tensor on the alignment, the last one unpadded."""
    tensors = plan_of(v)
    return sum(t.padded for t in tensors[:-1]) + tensors[-1].nbytes


def header_size(vocab: int) -> int:
    from quantdesk.sim.gguf_headers import header_size as size

    return size(vocab)


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _text_blob(media_type: str, text: str) -> Blob:
    data = text.encode()
    return Blob(media_type, _sha(data), len(data), data)


def _build_manifest(v: Variant, model_bytes: int, config_pad: int = 0) -> Manifest:
    # The description names what the weights are, not the tag, so aliases share the digest.
    weights_id = f"quantdesk-sim weights {v.lineage} {v.quant.name} {model_bytes}".encode()
    model = Blob(MODEL_MEDIA_TYPE, _sha(weights_id), model_bytes)
    layers = (
        model,
        _text_blob(TEMPLATE_MEDIA_TYPE, v.template),
        _text_blob(LICENSE_MEDIA_TYPE, v.license),
        _text_blob(PARAMS_MEDIA_TYPE, json.dumps(v.params, separators=(",", ":"))),
    )
    config_doc = {
        "model_format": "gguf",
        "model_family": v.family,
        "model_families": [v.family],
        "model_type": v.parameter_size,
        "file_type": v.quant.name,
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [b.digest for b in layers]},
    }
    # config_pad: trailing spaces (still valid JSON) that keep a registry's exact total while
    # the model blob ends on GGUF's 32-byte alignment.
    config = _text_blob(CONFIG_MEDIA_TYPE,
                        json.dumps(config_doc, separators=(",", ":")) + " " * config_pad)
    doc = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config.descriptor(),
        "layers": [b.descriptor() for b in layers],
    }
    return Manifest(config, layers, json.dumps(doc, separators=(",", ":")).encode())


class Catalog:
    """Every simulated library model; immutable after loading, safe to share across threads."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._variants: dict[tuple[str, str], Variant] = {}
        self._aliases: dict[tuple[str, str], str] = {}
        self._manifests: dict[tuple[str, str], Manifest] = {}
        self._blobs: dict[str, Blob] = {}
        for model, entry in data["models"].items():
            for tag, t in entry["tags"].items():
                build = entry["builds"][t["build"]]
                level = parse_quant(t["quant"])
                if level is None:
                    raise ValueError(f"catalog: unknown quantization {t['quant']!r}")
                caps = tuple(build["capabilities"]) if t["kind"] == "instruct" else ("completion",)
                template = build["template"] if t["kind"] == "instruct" else "{{ .Prompt }}"
                info = dict(build["model_info"], **{"general.file_type": level.file_type})
                vocab = int(build.get("vocab_size") or 32000)
                v = Variant(
                    model=model,
                    tag=tag,
                    build=t["build"],
                    kind=t["kind"],
                    quant=level,
                    model_info=info,
                    tied_embeddings=build["tied_embeddings"],
                    parameter_size=build["parameter_size"],
                    capabilities=caps,
                    template=template,
                    license=build["license"],
                    params=build["params"],
                    model_bytes=0,
                    size_source=t["size_source"],
                    vocab_size=vocab,
                )
                probe = _build_manifest(v, 0)
                data = weights_bytes(v)
                config_pad = 0
                if "model_bytes" in t:
                    model_bytes = int(t["model_bytes"])
                elif "total_bytes" in t:  # the registry's exact total; the weights are the rest
                    model_bytes = int(t["total_bytes"]) - probe.total_size
                    config_pad = (model_bytes - data) % 32
                    model_bytes -= config_pad
                else:
                    model_bytes = data + header_size(vocab)
                v = replace(v, model_bytes=model_bytes, header_bytes=model_bytes - data)
                key = (model.lower(), tag.lower())
                self._variants[key] = v
                manifest = _build_manifest(v, model_bytes, config_pad)
                self._manifests[key] = manifest
                for blob in manifest.blobs:
                    self._blobs[blob.digest] = blob
            for alias, target in entry["aliases"].items():
                self._aliases[(model.lower(), alias.lower())] = target.lower()

    def models(self) -> list[str]:
        """Library model names (``llama3.1``, ``qwen2.5`` …)."""
        return sorted({m for m, _ in self._variants})

    def variants(self) -> list[Variant]:
        return list(self._variants.values())

    def tags_of(self, model: str) -> list[str]:
        """Every tag of a library model, aliases included, sorted."""
        m = model.lower()
        tags = [v.tag for (mm, _), v in self._variants.items() if mm == m]
        tags += [alias for (mm, alias) in self._aliases if mm == m]
        return sorted(tags)

    def aliases_of(self, variant: Variant) -> list[str]:
        target = (variant.model.lower(), variant.tag.lower())
        return sorted(a for (m, a), t in self._aliases.items() if (m, t) == target)

    def _key(self, name: str | ModelName) -> tuple[str, str] | None:
        parsed = parse_name(name) if isinstance(name, str) else name
        if parsed is None or not parsed.is_library:
            return None
        key = (parsed.model.lower(), parsed.tag.lower())
        if key in self._aliases:
            key = (key[0], self._aliases[key])
        return key if key in self._variants else None

    def resolve(self, name: str | ModelName) -> Variant | None:
        """The variant a library name points at (``llama3.1`` → its ``latest``), else None."""
        key = self._key(name)
        return self._variants[key] if key else None

    def manifest_for(self, name: str | ModelName) -> Manifest | None:
        key = self._key(name)
        return self._manifests[key] if key else None

    def blob(self, digest: str) -> Blob | None:
        """A blob by ``sha256:<hex>`` digest (the ``sha256-`` file spelling is accepted too)."""
        return self._blobs.get(digest.replace("sha256-", "sha256:", 1))


@cache
def catalog() -> Catalog:
    """The shared catalog, parsed once per process."""
    text = resources.files("quantdesk.sim").joinpath("data/catalog.json").read_text("utf-8")
    return Catalog(json.loads(text))
