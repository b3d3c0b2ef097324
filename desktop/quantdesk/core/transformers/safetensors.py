"""A Hugging Face safetensors repository as the transformers memory estimate needs it.

``config.json`` gives the shape (layers, KV heads, head width) for the KV cache; the tensors
themselves — names, dtypes and shapes — come from each shard's safetensors header: 8 bytes of
little-endian header length, then that much JSON (``{name: {dtype, shape, data_offsets}}``),
read with two ranged requests per shard, never the weights. Files are found with the Hub's
tree API (``remote-catalogs.md`` §3.1).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import httpx

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.registry import http as rhttp
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.huggingface import list_tree

MAX_HEADER = 100 << 20  # a safetensors header larger than this is not one we read
DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
               "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


class SafetensorsError(QuantDeskError):
    """A repository or header that is not a usable safetensors model."""


@dataclass(frozen=True, slots=True)
class Tensor:
    name: str
    dtype: str  # "BF16", "F32" …
    shape: tuple[int, ...]

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True, slots=True)
class SafetensorsRepo:
    repository: str  # "hf.co/owner/repo"
    config: dict[str, Any]
    tensors: tuple[Tensor, ...]
    file_bytes: int  # the safetensors files' total size


def parse_header(data: bytes) -> list[Tensor]:
    """Tensors of a safetensors header (the JSON after the 8 length bytes)."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SafetensorsError(f"a safetensors header that is not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise SafetensorsError("a safetensors header that is not an object")
    out = []
    for name, spec in doc.items():
        if name == "__metadata__" or not isinstance(spec, dict):
            continue
        shape = spec.get("shape")
        dtype = spec.get("dtype")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise SafetensorsError(f"tensor {name!r} has no usable shape")
        if dtype not in DTYPE_BYTES:
            raise SafetensorsError(f"tensor {name!r} has an unknown dtype {dtype!r}")
        out.append(Tensor(str(name), str(dtype), tuple(shape)))
    return out


async def _range(http: httpx.AsyncClient, url: str, start: int, end: int) -> bytes:
    resp = await rhttp.get(http, url, headers={"Range": f"bytes={start}-{end}"})
    assert resp is not None
    return resp.content[: end - start + 1]


async def read_header(http: httpx.AsyncClient, url: str) -> list[Tensor]:
    head = await _range(http, url, 0, 7)
    if len(head) < 8:
        raise SafetensorsError(f"{url} is shorter than a safetensors header")
    (length,) = struct.unpack("<Q", head)
    if not 2 <= length <= MAX_HEADER:
        raise SafetensorsError(f"{url} claims a {length}-byte header; not a safetensors file")
    return parse_header(await _range(http, url, 8, 8 + length - 1))


async def _listing(http: httpx.AsyncClient, endpoints: Endpoints, owner: str,
                   repo: str) -> list[dict[str, Any]]:
    return [e for e in await list_tree(http, endpoints, owner, repo) if e.get("type") == "file"]


def _size(entry: dict[str, Any]) -> int:
    lfs: dict[str, Any] = entry["lfs"] if isinstance(entry.get("lfs"), dict) else {}
    try:
        return int(lfs.get("size", entry.get("size", 0)))
    except (TypeError, ValueError):
        return 0


async def read_repo(http: httpx.AsyncClient, endpoints: Endpoints, owner: str,
                    repo: str) -> SafetensorsRepo:
    """The config and every tensor of ``hf.co/owner/repo`` (headers only)."""
    files = await _listing(http, endpoints, owner, repo)
    weights = sorted(e["path"] for e in files if str(e.get("path", "")).endswith(".safetensors"))
    if not weights:
        raise SafetensorsError(f"hf.co/{owner}/{repo} has no .safetensors files; for a GGUF "
                               "repository use the default loader (Ollama)")
    resp = await rhttp.get(http, endpoints.hf_resolve_url(owner, repo, "config.json"),
                           ok_missing=True)
    if resp is None:
        raise SafetensorsError(f"hf.co/{owner}/{repo} has no config.json")
    try:
        config = resp.json()
    except ValueError as exc:
        raise SafetensorsError(f"the config.json of hf.co/{owner}/{repo} is not JSON") from exc
    tensors: list[Tensor] = []
    for path in weights:
        tensors += await read_header(http, endpoints.hf_resolve_url(owner, repo, path))
    total = sum(_size(e) for e in files if str(e.get("path", "")).endswith(".safetensors"))
    return SafetensorsRepo(f"hf.co/{owner}/{repo}", dict(config), tuple(tensors), total)
