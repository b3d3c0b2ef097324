"""Registry manifests: exact sizes and the digest ``/api/tags`` will report (ollama-api.md §12).

The daemon stores the manifest bytes verbatim, so sha256(body) is the local digest of a pulled
tag and the sum of layer sizes plus the config is the size ``/api/tags`` reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx

from quantdesk.core import safe_json
from quantdesk.core.inert import brief
from quantdesk.core.ollama.jsonfields import as_size
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


def _size(entry: dict[str, Any], url: str) -> int:
    """A layer's size: missing counts as 0 (as the daemon reads it); anything but a whole
    number from 0 to 2^63 is a manifest no registry would send."""
    value = entry.get("size")
    if value is None:
        return 0
    size = as_size(value)
    if size is None:
        raise RegistryResponseError(url, f"a manifest with an impossible layer size "
                                    f"({brief(repr(value), 40)})")
    return size


def parse_manifest(body: bytes, url: str = "manifest") -> Manifest:
    try:
        doc = safe_json.loads_object(body, max_depth=16)
    except safe_json.JsonRejected as exc:
        raise RegistryResponseError(url, f"a manifest that is {exc}") from None
    raw_layers, raw_config = doc.get("layers"), doc.get("config")
    layers = [la for la in raw_layers if isinstance(la, dict)] \
        if isinstance(raw_layers, list) else []
    config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
    total = sum(_size(la, url) for la in layers) + _size(config, url)
    model = [la for la in layers if la.get("mediaType") == MODEL]
    return Manifest(
        digest="sha256:" + hashlib.sha256(body).hexdigest(),
        total_bytes=total,
        model_bytes=sum(_size(la, url) for la in model),
        projector_bytes=sum(_size(la, url) for la in layers if la.get("mediaType") == PROJECTOR),
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
        return safe_json.loads_object(resp.content, max_depth=16)
    except safe_json.JsonRejected:
        return {}
