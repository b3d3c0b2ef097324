"""The ladder of a model: every quantization variant with exact sizes and digests.

Library models: the tags page (cached) lists the tags, then each tag's registry manifest
confirms its exact sizes and digest, concurrently. When the page cannot be read (down,
changed beyond recognition, missing) the registry is probed for the tags the library's naming
convention predicts; a 404 there just means "no such tag". Hugging Face repositories are
listed with the tree API instead (``huggingface.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx

from quantdesk.core.ollama.names import parse_model_name
from quantdesk.core.quant import by_file_type, parse_quant
from quantdesk.core.registry import http as rhttp
from quantdesk.core.registry.cache import NoCache, PageCache
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.errors import (
    RegistryError,
    RemoteModelNotFound,
)
from quantdesk.core.registry.huggingface import discover_hf
from quantdesk.core.registry.library_page import PageRow, PageUnreadable, parse_tags_page
from quantdesk.core.registry.limits import DEFAULT_CONCURRENCY, map_limited
from quantdesk.core.registry.manifests import Manifest, fetch_config, fetch_manifest
from quantdesk.core.registry.tags import (
    names_quant,
    predicted_tags,
    quant_of_tag,
    sizes_from_model_type,
)
from quantdesk.core.registry.variants import Variant, with_local_status

Source = Literal["page", "cache", "probe", "huggingface", "snapshot"]


@dataclass(slots=True)
class Discovery:
    repository: str  # "llama3.1", "user/model", "hf.co/owner/repo"
    namespace: str
    model: str
    variants: list[Variant]
    source: Source
    notes: list[str] = field(default_factory=list)  # what was approximate or skipped, for people


@dataclass(frozen=True, slots=True)
class _Found:
    tag: str
    manifest: Manifest
    row: PageRow | None = None


@functools.cache
def registry_tls() -> ssl.SSLContext:
    """The verifying TLS context every registry client shares: httpx's default one, built
    once. A context per client loads the CA bundle each time (about 0.1 s), and the memory
    OpenSSL takes for it is not all given back, so an app that looks up many ladders grew
    by about a megabyte a lookup."""
    return httpx.create_ssl_context()


def new_http_client() -> httpx.AsyncClient:
    """A client suited to registries: follows the blob 307s, short connect timeout."""
    return httpx.AsyncClient(follow_redirects=True, timeout=rhttp.default_timeout(),
                             verify=registry_tls())


def _tag_given(name: str) -> str | None:
    last = name.strip().rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def _narrow(rows: list[PageRow], tag: str | None) -> list[PageRow]:
    """Rows of the size (``8b``) or the one tag (``8b-instruct-q8_0``) asked for."""
    if not tag or tag.lower() == "latest":
        return rows
    t = tag.lower()
    if names_quant(t):
        exact = [r for r in rows if r.tag.lower() == t]
        digest = exact[0].digest12 if exact else None
        return exact + [r for r in rows if r not in exact and digest and r.digest12 == digest]
    return [r for r in rows if r.tag.lower() == t or r.tag.lower().startswith(t + "-")]


async def _read_page(http: httpx.AsyncClient, url: str, model: str, cache: PageCache,
                     notes: list[str]) -> tuple[list[PageRow] | None, bool]:
    """Rows of the tags page and whether they came from the cache; None when unreadable."""
    if (cached := cache.get(url)) is not None:
        try:
            return parse_tags_page(cached, model), True
        except PageUnreadable:
            pass
    try:
        resp = await rhttp.get(http, url, ok_missing=True, max_bytes=rhttp.MAX_PAGE_BYTES)
    except RegistryError as exc:
        notes.append(f"tags page unavailable ({exc}); probed the registry instead")
        return None, False
    if resp is None:
        notes.append(f"no tags page at {url}; probed the registry instead")
        return None, False
    try:
        rows = parse_tags_page(resp.text, model)
    except PageUnreadable as exc:
        notes.append(str(exc))
        return None, False
    cache.put(url, resp.text)
    return rows, False


class _Prober:
    """Manifest GETs shared by both paths; remembers whether the registry answered at all."""

    def __init__(self, http: httpx.AsyncClient, endpoints: Endpoints, ns: str, model: str,
                 limit: int) -> None:
        self.http, self.endpoints, self.ns, self.model, self.limit = (
            http, endpoints, ns, model, limit)

    async def one(self, tag: str) -> Manifest | None:
        return await fetch_manifest(self.http, self.endpoints, self.ns, self.model, tag)

    async def many(self, tags: list[str]) -> dict[str, Manifest]:
        found = await map_limited(self.one, tags, self.limit)
        return {t: m for t, m in zip(tags, found, strict=True) if m is not None}


async def _probe(prober: _Prober, tag: str | None, notes: list[str]) -> list[_Found]:
    """Tags the naming convention predicts, confirmed one manifest each."""
    if tag and names_quant(tag):
        man = await prober.one(tag)
        return [_Found(tag, man)] if man else []
    sizes: list[str] = []
    if tag and tag.lower() != "latest":
        sizes = [tag.lower()]
    else:
        latest = await prober.one("latest")
        if latest is None:
            return []
        config = {}
        if latest.config_digest:
            config = await fetch_config(prober.http, prober.endpoints, prober.ns, prober.model,
                                        latest.config_digest)
        sizes = sizes_from_model_type(str(config.get("model_type", "")))
    aliases = await prober.many(["latest", *sizes])
    real_sizes: list[str | None] = [s for s in sizes if s in aliases]
    candidates = [t for s in (real_sizes or [None]) for t in predicted_tags(s)]
    found = await prober.many(candidates)
    notes.append(f"probed {len(candidates)} predicted tags; {len(found)} exist")
    return [_Found(t, m) for t, m in {**aliases, **found}.items()]


def _variants(repository: str, found: list[_Found], endpoints: Endpoints, ns: str,
              model: str) -> list[Variant]:
    """One variant per distinct manifest; tags without a quant name become its aliases."""
    by_digest: dict[str, list[_Found]] = {}
    for f in found:
        by_digest.setdefault(f.manifest.digest, []).append(f)
    out = []
    for group in by_digest.values():
        named = [f for f in group if names_quant(f.tag)] or group
        main = named[0]
        aliases = tuple(f.tag for f in group if f is not main)
        m = main.manifest
        out.append(Variant(
            name=f"{repository}:{main.tag}", tag=main.tag, quant=quant_of_tag(main.tag),
            quant_label=next((t for t in reversed(main.tag.split("-")) if parse_quant(t)), ""),
            size_bytes=m.total_bytes, model_bytes=m.model_bytes, digest=m.digest,
            aliases=aliases, confirmed=True,
            context_length=main.row.context if main.row else None,
            blob_url=endpoints.blob_url(ns, model, m.model_digest) if m.model_digest else None,
            pullable=m.is_gguf, note="" if m.is_gguf else "not a GGUF model (MLX/safetensors)",
        ))
    return out


async def _fill_quants(http: httpx.AsyncClient, endpoints: Endpoints, ns: str, model: str,
                       variants: list[Variant], found: list[_Found], limit: int) -> list[Variant]:
    """Quant and family from the config blob where the tag does not name a quant."""
    configs = {f.tag: f.manifest.config_digest for f in found}

    async def fill(v: Variant) -> Variant:
        digest = configs.get(v.tag)
        if v.quant is not None or not digest:
            return v
        cfg = await fetch_config(http, endpoints, ns, model, digest)
        lvl = parse_quant(str(cfg.get("file_type", "")))
        if lvl is None and isinstance(cfg.get("file_type"), int):
            lvl = by_file_type(cfg["file_type"])
        return dataclasses.replace(v, quant=lvl, quant_label=lvl.name if lvl else "",
                                   architecture=cfg.get("model_family") or v.architecture)

    return await map_limited(fill, variants, limit)


async def discover(
    name: str,
    *,
    http: httpx.AsyncClient,
    endpoints: Endpoints | None = None,
    cache: PageCache | None = None,
    installed: Mapping[str, str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Discovery:
    """Every variant of ``name`` (``llama3.1``, ``llama3.1:8b``, ``hf.co/o/r[:Q]``), largest
    first, with installed/update status from ``installed`` ({local name: digest})."""
    endpoints = endpoints or Endpoints()
    cache = cache if cache is not None else NoCache()
    ref = parse_model_name(name)
    tag = _tag_given(name)
    if ref.is_hugging_face:
        repository = f"hf.co/{ref.namespace}/{ref.model}"
        variants = await discover_hf(http, endpoints, ref.namespace, ref.model, tag,
                                     concurrency=concurrency)
        result = Discovery(repository, ref.namespace, ref.model, variants, "huggingface")
    else:
        result = await _discover_library(http, endpoints, cache, ref.namespace, ref.model,
                                         tag, concurrency)
    if installed is not None:
        result.variants = with_local_status(result.variants, installed, result.repository)
    return result


async def _discover_library(http: httpx.AsyncClient, endpoints: Endpoints, cache: PageCache,
                            ns: str, model: str, tag: str | None, limit: int) -> Discovery:
    repository = model if ns == "library" else f"{ns}/{model}"
    notes: list[str] = []
    prober = _Prober(http, endpoints, ns, model, limit)
    rows, from_cache = await _read_page(http, endpoints.tags_page_url(ns, model), model,
                                        cache, notes)
    found: list[_Found] = []
    source: Source = "cache" if from_cache else "page"
    if rows is not None:
        skipped = [r.tag for r in rows if r.is_cloud or r.is_mlx]
        if skipped:
            notes.append(f"skipped {len(skipped)} cloud/MLX tags (not GGUF downloads)")
        wanted = _narrow([r for r in rows if r.tag not in skipped], tag)
        manifests = await prober.many([r.tag for r in wanted])
        missing = [r.tag for r in wanted if r.tag not in manifests]
        if missing:
            notes.append(f"listed on the page but not in the registry: {', '.join(missing)}")
        found = [_Found(r.tag, manifests[r.tag], r) for r in wanted if r.tag in manifests]
    if not found:
        found = await _probe(prober, tag, notes)
        source = "probe"
    if not found:
        shown = f"{repository}:{tag}" if tag else repository
        raise RemoteModelNotFound(shown, "the Ollama library")
    variants = _variants(repository, found, endpoints, ns, model)
    variants = await _fill_quants(http, endpoints, ns, model, variants, found, limit)
    variants.sort(key=lambda v: (-(v.model_bytes or 0), v.tag))
    return Discovery(repository, ns, model, variants, source, notes)
