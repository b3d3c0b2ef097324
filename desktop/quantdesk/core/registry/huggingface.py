"""Hugging Face GGUF repositories as variants: ``hf.co/<owner>/<repo>:<QUANT>``.

Files are listed with the tree API (remote-catalogs.md §3.1, paginated by ``Link: rel=next``),
quantization labels come from file names the way Hugging Face's own parser reads them (§3.2:
upper-case, last match of the file-type names), split files are grouped and summed (and marked
not pullable: Ollama refuses sharded GGUF, §3.3), and ``mmproj`` projectors are added to the
vision total rather than listed as variants.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from quantdesk.core import safe_json
from quantdesk.core.inert import brief
from quantdesk.core.ollama.jsonfields import as_size
from quantdesk.core.quant import QuantLevel, all_levels, parse_quant
from quantdesk.core.registry import http as rhttp
from quantdesk.core.registry.endpoints import DEFAULT_HUGGING_FACE, Endpoints
from quantdesk.core.registry.errors import (
    RegistryError,
    RegistryResponseError,
    RemoteModelNotFound,
)
from quantdesk.core.registry.limits import DEFAULT_CONCURRENCY, map_limited
from quantdesk.core.registry.manifests import parse_manifest
from quantdesk.core.registry.variants import Variant

_RETIRED = ("Q4_1_SOME_F16", "Q4_2", "Q4_3", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "Q2_0", "MXFP4")
_UNSLOTH = tuple(f"Q{n}_K_XL" for n in (2, 3, 4, 5, 6, 8))
_NAMES = sorted({lvl.name for lvl in all_levels()} | set(_RETIRED) | set(_UNSLOTH),
                key=len, reverse=True)
_QUANT_IN_NAME = re.compile(r"(UD-)?(" + "|".join(map(re.escape, _NAMES)) + r")(_[A-Z]+)?")
_SHARD = re.compile(r"^(?P<prefix>.+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.gguf$", re.IGNORECASE)
_MAX_PAGES = 50
_MAX_ENTRIES = 200_000  # every entry of every page, GGUF or not
MAX_GGUF_FILES = 2_000  # the largest real GGUF repositories hold a few hundred


@dataclass(frozen=True, slots=True)
class GgufFile:
    path: str
    size: int
    sha256: str | None


def quant_label(path: str) -> str | None:
    """The quantization label Hugging Face reads from a file name (``Q4_K_M``, ``UD-Q2_K_XL``)."""
    matches = list(_QUANT_IN_NAME.finditer(path.upper()))
    return matches[-1].group(0) if matches else None


def level_for_label(label: str) -> QuantLevel | None:
    """The nearest known level: ``Q6_K_L`` -> Q6_K, ``Q4_0_4_4`` -> Q4_0,
    ``UD-Q4_K_XL`` -> Q4_K_M."""
    parts = label.removeprefix("UD-").split("_")
    while parts:
        if lvl := parse_quant("_".join(parts)):
            return lvl
        parts.pop()
    return None


def _entry_file(entry: dict[str, Any]) -> GgufFile | None:
    path = entry.get("path")
    if entry.get("type") != "file" or not isinstance(path, str) \
            or not path.lower().endswith(".gguf"):
        return None
    lfs: dict[str, Any] = entry["lfs"] if isinstance(entry.get("lfs"), dict) else {}
    size = as_size(lfs.get("size", entry.get("size")))
    if size is None:  # negative, 1e999, text: no file has that size
        return None
    digest = lfs.get("oid") or lfs.get("sha256")
    return GgufFile(path, size, digest if isinstance(digest, str) else None)


def _same_origin(a: str, b: str) -> bool:
    ua, ub = httpx.URL(a), httpx.URL(b)
    return (ua.scheme, ua.host, ua.port) == (ub.scheme, ub.host, ub.port)


async def list_tree(
    http: httpx.AsyncClient, endpoints: Endpoints, owner: str, repo: str
) -> list[dict[str, Any]]:
    """Every entry of the repository's main branch (files and folders), following pagination.

    Bounded whatever the server says: at most ``_MAX_PAGES`` pages of at most
    ``rhttp.MAX_LISTING_BYTES``, ``_MAX_ENTRIES`` entries in all, and ``MAX_GGUF_FILES``
    GGUF files; pagination never leaves the first page's server.
    """
    first = url = endpoints.hf_tree_url(owner, repo)
    out: list[dict[str, Any]] = []
    ggufs = 0
    for _ in range(_MAX_PAGES):
        resp = await rhttp.get(http, url, ok_missing=True, max_bytes=rhttp.MAX_LISTING_BYTES)
        if resp is None:
            raise RemoteModelNotFound(f"hf.co/{owner}/{repo}", "Hugging Face")
        try:
            entries = safe_json.loads(resp.content, max_depth=16)
        except safe_json.JsonRejected as exc:
            raise RegistryResponseError(url, f"a file listing that is {exc}") from None
        if not isinstance(entries, list):
            raise RegistryResponseError(url, "a file listing that is not a list")
        out.extend(e for e in entries if isinstance(e, dict))
        ggufs += sum(1 for e in entries if isinstance(e, dict) and _entry_file(e))
        if len(out) > _MAX_ENTRIES or ggufs > MAX_GGUF_FILES:
            what = f"{ggufs:,} GGUF files" if ggufs > MAX_GGUF_FILES else f"{len(out):,} files"
            raise RegistryResponseError(
                first, f"a listing of at least {what}; QuantDesk reads repositories of up to "
                f"{MAX_GGUF_FILES:,} GGUF files and {_MAX_ENTRIES:,} files in all")
        nxt = resp.links.get("next", {}).get("url")
        if not nxt:
            break
        url = urljoin(url, nxt)
        if not _same_origin(url, first):
            raise RegistryResponseError(first, f"a next page on another server "
                                        f"({brief(url, 80)}), which QuantDesk does not follow")
    return out


async def list_gguf_files(
    http: httpx.AsyncClient, endpoints: Endpoints, owner: str, repo: str
) -> list[GgufFile]:
    """Every .gguf file of the repository's main branch, following pagination."""
    entries = await list_tree(http, endpoints, owner, repo)
    return [f for e in entries if (f := _entry_file(e))]


def variants_from_files(owner: str, repo: str, files: list[GgufFile],
                        endpoints: Endpoints) -> list[Variant]:
    """One variant per quant file (shards grouped), largest precision first."""
    projector = next((f for f in files if "mmproj" in f.path.lower()), None)
    groups: dict[str, list[GgufFile]] = {}
    for f in files:
        if "mmproj" in f.path.lower():
            continue
        m = _SHARD.match(f.path)
        groups.setdefault(m.group("prefix") if m else f.path, []).append(f)
    out: dict[str, Variant] = {}
    taken: set[str] = set()  # tags in ``out``, lower-cased (one set, not one per file)
    for key, group in groups.items():
        label = quant_label(key.rsplit("/", 1)[-1]) or quant_label(key)
        tag = label or key.rsplit("/", 1)[-1]
        if tag.lower() in taken:
            tag = key.rsplit("/", 1)[-1]  # two files with one label: the file name is a tag too
        taken.add(tag.lower())
        group.sort(key=lambda f: f.path)
        weights = sum(f.size for f in group)
        sharded = len(group) > 1
        out[tag] = Variant(
            name=f"hf.co/{owner}/{repo}:{tag}",
            tag=tag,
            quant=level_for_label(label) if label else None,
            quant_label=label or "",
            size_bytes=weights + (projector.size if projector else 0),
            model_bytes=weights,
            digest=f"sha256:{group[0].sha256}" if group[0].sha256 and not sharded else None,
            blob_url=endpoints.hf_resolve_url(owner, repo, group[0].path),
            pullable=not sharded,
            note="split into shards; Ollama cannot pull sharded GGUF yet" if sharded else "",
        )
    return sorted(out.values(), key=lambda v: -(v.model_bytes or 0))


def _hf_registry(endpoints: Endpoints) -> str:
    # Ollama pulls from hf.co; huggingface.co is the same service under its long name.
    return "https://hf.co" if endpoints.hugging_face == DEFAULT_HUGGING_FACE else \
        endpoints.hugging_face


async def _confirm(http: httpx.AsyncClient, endpoints: Endpoints, owner: str, repo: str,
                   v: Variant) -> Variant:
    """The manifest digest Ollama will store for this tag, when Hugging Face serves one."""
    if not v.pullable:
        return v
    url = f"{_hf_registry(endpoints)}/v2/{owner}/{repo}/manifests/{v.tag}"
    try:
        resp = await rhttp.get(http, url, headers={"Accept": rhttp.MANIFEST_ACCEPT},
                               ok_missing=True)
    except RegistryError:
        return v
    if resp is None:
        return v
    try:
        man = parse_manifest(resp.content, url)
    except RegistryError:
        return v
    return dataclasses.replace(v, digest=man.digest, size_bytes=man.total_bytes, confirmed=True)


async def discover_hf(
    http: httpx.AsyncClient,
    endpoints: Endpoints,
    owner: str,
    repo: str,
    tag: str | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[Variant]:
    files = await list_gguf_files(http, endpoints, owner, repo)
    variants = variants_from_files(owner, repo, files, endpoints)
    if not variants:
        raise RegistryError(f"hf.co/{owner}/{repo} has no GGUF files; Ollama can pull only "
                            "GGUF repositories from Hugging Face")
    if tag and tag.lower() != "latest":
        wanted = tag.lower().removesuffix(".gguf")
        variants = [v for v in variants if v.tag.lower() == wanted
                    or (v.blob_url or "").lower().endswith("/" + wanted + ".gguf")]
        if not variants:
            raise RemoteModelNotFound(f"hf.co/{owner}/{repo}:{tag}", "Hugging Face")
    return await map_limited(lambda v: _confirm(http, endpoints, owner, repo, v), variants,
                             concurrency)
