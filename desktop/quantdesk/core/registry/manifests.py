"""Registry manifests: exact sizes and the digest ``/api/tags`` will report (ollama-api.md §12).

The daemon stores the manifest bytes verbatim, so sha256(body) is the local digest of a pulled
tag and the sum of layer sizes plus the config is the size ``/api/tags`` reports.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import httpx

from quantdesk.core.registry import http as rhttp
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.errors import RegistryResponseError

MODEL = "application/vnd.ollama.image.model"
PROJECTOR = "application/vnd.ollama.image.projector"


@dataclass(frozen=True, slots=True)
class Manifest:
    digest: str  # "sha256:<64 hex>" of the manifest bytes
    total_bytes: int  # config + every layer
    model_bytes: int  # the GGUF weights layer(s)
    projector_bytes: int
    model_digest: str | None  # blob digest of the first model layer
    config_digest: str | None
    media_types: tuple[str, ...]

    @property
    def is_gguf(self) -> bool:
        return self.model_digest is not None


def parse_manifest(body: bytes, url: str = "manifest") -> Manifest:
    try:
        doc = json.loads(body)
        layers: list[dict[str, Any]] = list(doc.get("layers") or [])
        config = doc.get("config") or {}
        sizes = [int(layer.get("size") or 0) for layer in layers]
        total = sum(sizes) + int(config.get("size") or 0)
    except (ValueError, TypeError, AttributeError) as exc:
        raise RegistryResponseError(url, "a manifest that is not valid JSON") from exc
    model = [la for la in layers if la.get("mediaType") == MODEL]
    return Manifest(
        digest="sha256:" + hashlib.sha256(body).hexdigest(),
        total_bytes=total,
        model_bytes=sum(int(la.get("size") or 0) for la in model),
        projector_bytes=sum(int(la.get("size") or 0) for la in layers
                            if la.get("mediaType") == PROJECTOR),
        model_digest=str(model[0]["digest"]) if model and model[0].get("digest") else None,
        config_digest=str(config["digest"]) if config.get("digest") else None,
        media_types=tuple(str(la.get("mediaType", "")) for la in layers),
    )


async def fetch_manifest(
    http: httpx.AsyncClient, endpoints: Endpoints, namespace: str, model: str, tag: str
) -> Manifest | None:
    """The manifest of ``namespace/model:tag``; None when the registry says 404."""
    url = endpoints.manifest_url(namespace, model, tag)
    resp = await rhttp.get(http, url, headers={"Accept": rhttp.MANIFEST_ACCEPT}, ok_missing=True)
    if resp is None:
        return None
    return parse_manifest(resp.content, url)


async def fetch_config(
    http: httpx.AsyncClient, endpoints: Endpoints, namespace: str, model: str, digest: str
) -> dict[str, Any]:
    """The config blob (``file_type``, ``model_type``, ``model_family``); {} when unreadable."""
    url = endpoints.blob_url(namespace, model, digest)
    resp = await rhttp.get(http, url, ok_missing=True)
    if resp is None:
        return {}
    try:
        doc = resp.json()
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}
