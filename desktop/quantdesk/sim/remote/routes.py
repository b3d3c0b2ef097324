"""The remote side of the simulator: registry, CDN, library pages and Hugging Face.

``handle_remote(method, target, headers, base_url)`` answers every non-``/api/`` path the
real remotes answer, or returns None so the daemon can send its own 404:

- ``GET /v2/<ns>/<model>/manifests/<tag>``: the catalog's manifest bytes (404 JSON when
  absent); ``<ns>`` is ``library`` or the simulated Hugging Face owner.
- ``GET|HEAD /v2/<ns>/<model>/blobs/sha256:<hex>``: config/text blobs directly; model blobs
  307 to the CDN path, as the real registry does.
- ``GET|HEAD /ollama/docker/registry/v2/blobs/sha256/<2hex>/<hex>/data`` (the CDN): Range
  honoured (206 + Content-Range; 416 past the end), ``Accept-Ranges: bytes``.
- ``GET /library/<m>/tags``: HTML per remote-catalogs.md §1.5 (``faults.page_mode``).
- ``GET /api/models/<owner>/<repo>/tree/main``: the JSON tree, paginated by ``Link``.
- ``GET|HEAD /<owner>/<repo>/resolve/main/<path>``: 302 to the CDN, or shard bytes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from quantdesk.sim.catalog import Catalog, Variant
from quantdesk.sim.remote import huggingface as hf
from quantdesk.sim.remote import safetensors_repos as st
from quantdesk.sim.remote.blobs import BlobBody, model_body, parse_range
from quantdesk.sim.remote.faults import RemoteFaults
from quantdesk.sim.remote.pages import tags_page

_MANIFEST = re.compile(r"^/v2/([^/]+)/([^/]+)/manifests/([^/]+)$")
_BLOB = re.compile(r"^/v2/([^/]+)/([^/]+)/blobs/(sha256:[0-9a-f]{64})$")
_CDN = re.compile(r"^/ollama/docker/registry/v2/blobs/sha256/[0-9a-f]{2}/([0-9a-f]{64})/data$")
_PAGE = re.compile(r"^/library/([^/]+)/tags$")
_TREE = re.compile(r"^/api/models/([^/]+)/([^/]+)/tree/main(?:/.*)?$")
_RESOLVE = re.compile(r"^/([^/]+)/([^/]+)/resolve/main/(.+)$")
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


@dataclass
class RemoteResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Iterable[bytes] = ()  # chunks; Content-Length is always in headers

    @classmethod
    def data(cls, status: int, payload: bytes, content_type: str,
             extra: Mapping[str, str] | None = None) -> RemoteResponse:
        headers = {"Content-Type": content_type, "Content-Length": str(len(payload)),
                   **(extra or {})}
        return cls(status, headers, [payload])


def _json(status: int, doc: object, extra: Mapping[str, str] | None = None) -> RemoteResponse:
    return RemoteResponse.data(status, json.dumps(doc).encode(), "application/json", extra)


def _registry_error(status: int, code: str, message: str) -> RemoteResponse:
    return _json(status, {"errors": [{"code": code, "message": message}]})


class RemoteSite:
    """Routes for one catalog; thread-safe (the catalog is immutable, faults are locked)."""

    def __init__(self, catalog: Catalog, faults: RemoteFaults | None = None,
                 cdn_base: str | None = None) -> None:
        self.catalog = catalog
        self.faults = faults or RemoteFaults()
        self.cdn_base = cdn_base  # None: the CDN is the same server
        self._by_model_blob: dict[str, Variant] = {}
        for v in catalog.variants():
            man = catalog.manifest_for(v.name)
            if man is not None:
                self._by_model_blob[man.layers[0].digest] = v

    def handle(self, method: str, target: str, headers: Mapping[str, str],
               base_url: str) -> RemoteResponse | None:
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/api/") and not _TREE.match(path):
            return None
        self.faults.enter()
        try:
            if self.faults.latency_s:
                time.sleep(self.faults.latency_s)
            return self._route(method, path, parts.query, headers, base_url)
        finally:
            self.faults.leave()

    def _route(self, method: str, path: str, query: str, headers: Mapping[str, str],
               base_url: str) -> RemoteResponse | None:
        if (code := self.faults.take_status(path)) is not None:
            return _json(code, {"error": f"simulated HTTP {code}"})
        if method not in ("GET", "HEAD"):
            return None
        range_header = next((v for k, v in headers.items() if k.lower() == "range"), None)
        if m := _MANIFEST.match(path):
            self.faults.count("manifest")
            return self._manifest(m.group(1), m.group(2), m.group(3))
        if m := _BLOB.match(path):
            self.faults.count("blob")
            return self._blob(m.group(1), m.group(3), base_url)
        if m := _CDN.match(path):
            self.faults.count("cdn")
            return self._cdn("sha256:" + m.group(1), range_header)
        if m := _PAGE.match(path):
            self.faults.count("page")
            return self._page(m.group(1))
        if m := _TREE.match(path):
            self.faults.count("hf_tree")
            return self._tree(m.group(1), m.group(2), parse_qs(query), base_url, path)
        if m := _RESOLVE.match(path):
            self.faults.count("hf_resolve")
            return self._resolve(m.group(1), m.group(2), m.group(3), range_header, base_url)
        return None

    # -- registry ---------------------------------------------------------------------------
    def _variant_for(self, ns: str, model: str, tag: str) -> Variant | None:
        if ns.lower() == "library":
            return self.catalog.resolve(f"{model}:{tag}")
        files = hf.find_repo(self.catalog, ns, model)
        f = hf.variant_for_tag(files, tag) if files else None
        if f is not None and f.shard:
            return None
        return f.variant if f else None

    def _manifest(self, ns: str, model: str, tag: str) -> RemoteResponse:
        files = hf.find_repo(self.catalog, ns, model) if ns.lower() != "library" else None
        if files:
            f = hf.variant_for_tag(files, tag)
            if f is not None and f.shard:
                return _json(400, {"error": "The specified tag is a sharded GGUF. Ollama does "
                                            "not support this yet."})
        v = self._variant_for(ns, model, tag)
        manifest = self.catalog.manifest_for(v.name) if v else None
        if manifest is None:
            return _registry_error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        return RemoteResponse.data(200, manifest.raw, MANIFEST_TYPE,
                                   {"Docker-Content-Digest": "sha256:" + manifest.digest})

    def _cdn_url(self, digest: str, base_url: str) -> str:
        hexd = digest.removeprefix("sha256:")
        return (f"{self.cdn_base or base_url}/ollama/docker/registry/v2/blobs/sha256/"
                f"{hexd[:2]}/{hexd}/data")

    def _blob(self, ns: str, digest: str, base_url: str) -> RemoteResponse:
        blob = self.catalog.blob(digest)
        if blob is None:
            return _registry_error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        if blob.content is not None:
            return RemoteResponse.data(200, blob.content, "application/octet-stream")
        return RemoteResponse(307, {"Location": self._cdn_url(digest, base_url),
                                    "Content-Length": "0"})

    def _body(self, digest: str) -> BlobBody | None:
        blob = self.catalog.blob(digest)
        if blob is None:
            return None
        if blob.content is not None:
            return BlobBody(blob.content, blob.size)
        v = self._by_model_blob.get(digest)
        if v is None:
            return None
        return model_body(v, self.faults.header_mode(v.tag))

    def _cdn(self, digest: str, range_header: str | None) -> RemoteResponse:
        body = self._body(digest)
        if body is None:
            return RemoteResponse.data(404, b"NoSuchKey", "text/plain")
        return ranged(body, range_header)

    # -- library pages --------------------------------------------------------------------------
    def _page(self, model: str) -> RemoteResponse:
        mode = self.faults.page_mode
        html = None if mode == "missing" else tags_page(self.catalog, model, mode)
        if html is None:
            return RemoteResponse.data(404, b"<html><body>Not found</body></html>", "text/html")
        return RemoteResponse.data(200, html.encode(), "text/html; charset=utf-8")

    # -- Hugging Face ---------------------------------------------------------------------------
    def _tree(self, owner: str, repo: str, query: dict[str, list[str]], base_url: str,
              path: str) -> RemoteResponse:
        if (weights := st.find_repo(self.catalog, owner, repo)) is not None:
            return _json(200, st.tree_entries(weights))
        files = hf.find_repo(self.catalog, owner, repo)
        if files is None:
            return _json(404, {"error": "Repository not found"})
        entries = hf.tree_entries(files)
        size = self.faults.hf_page_size
        if not size:
            return _json(200, entries)
        page = int((query.get("cursor") or ["0"])[0])
        chunk = entries[page * size:(page + 1) * size]
        extra = {}
        if (page + 1) * size < len(entries):
            extra["Link"] = f'<{base_url}{path}?recursive=true&cursor={page + 1}>; rel="next"'
        return _json(200, chunk, extra)

    def _resolve(self, owner: str, repo: str, file_path: str, range_header: str | None,
                 base_url: str) -> RemoteResponse:
        if (weights := st.find_repo(self.catalog, owner, repo)) is not None:
            found = weights.get(file_path)
            if found is None:
                return _json(404, {"error": "Entry not found"})
            return ranged(BlobBody(found.content, found.size), range_header)
        files = hf.find_repo(self.catalog, owner, repo) or []
        f = next((x for x in files if x.path == file_path), None)
        if f is None or f.variant is None:
            return _json(404, {"error": "Entry not found"})
        man = self.catalog.manifest_for(f.variant.name)
        if not f.shard and man is not None:
            return RemoteResponse(302, {"Location": self._cdn_url(man.layers[0].digest,
                                                                  base_url),
                                        "Content-Length": "0"})
        full = model_body(f.variant, self.faults.header_mode(f.variant.tag))
        body = BlobBody(full.prefix if f.shard == 1 else b"", f.size)
        return ranged(body, range_header)


def ranged(body: BlobBody, range_header: str | None) -> RemoteResponse:
    """200 for the whole body, 206 for a satisfiable Range, 416 past the end."""
    span = parse_range(range_header, body.size)
    common = {"Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
    if span == "unsatisfiable":
        return RemoteResponse(416, {**common, "Content-Range": f"bytes */{body.size}",
                                    "Content-Length": "0"})
    if span is None:
        return RemoteResponse(200, {**common, "Content-Length": str(body.size)},
                              body.slice(0, body.size - 1))
    assert isinstance(span, tuple)
    start, end = span
    return RemoteResponse(206, {**common, "Content-Length": str(end - start + 1),
                                "Content-Range": f"bytes {start}-{end}/{body.size}"},
                          body.slice(start, end))
