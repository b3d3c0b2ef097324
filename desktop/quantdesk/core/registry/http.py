"""One GET against a remote catalogue, bounded, with our errors instead of httpx's.

A registry, the library site or Hugging Face (or anything --registry points at) is not
trusted: each GET runs under a total deadline (a read timeout alone lets a one-byte-a-second
drip run for ever) and reads at most a size fit for what is asked (a manifest is a few KB, a
tags page well under a MB), and every failure of the transport, a redirect loop or a redirect
to a ``file:`` address included, becomes a ``RegistryError`` with a sentence.
"""

from __future__ import annotations

import asyncio

import httpx

from quantdesk.core.inert import brief
from quantdesk.core.ollama.bounds import read_capped
from quantdesk.core.registry.errors import RegistryResponseError, RegistryUnreachable

USER_AGENT = "quantdesk (ollama-compatible registry reader)"
MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"

MiB = 1 << 20
MAX_MANIFEST_BYTES = 1 * MiB  # real ones: ~1 KB (config + a handful of layers)
MAX_PAGE_BYTES = 4 * MiB  # the largest library tags pages are a few hundred KB
MAX_LISTING_BYTES = 2 * MiB  # one page of a Hugging Face tree listing: 1000 entries, ~400 KB
DEADLINE_S = 30.0
# Headers describing the body as sent; the body handed on is already decoded and complete.
_TRANSFER_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def default_timeout() -> httpx.Timeout:
    return httpx.Timeout(10.0, connect=3.0)


def _transport_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TooManyRedirects):
        return "it redirects in a loop"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "it redirects to an address that is not http or https"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return type(exc).__name__
    return brief(str(exc) or type(exc).__name__, 200)


async def get(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    ok_missing: bool = False,
    max_bytes: int = MAX_MANIFEST_BYTES,
    deadline_s: float = DEADLINE_S,
) -> httpx.Response | None:
    """GET ``url``; None for a 404 when ``ok_missing``; raises RegistryUnreachable or
    RegistryResponseError for anything else that is not a 2xx with a body within
    ``max_bytes``, read within ``deadline_s``."""
    try:
        async with asyncio.timeout(deadline_s):
            async with http.stream(
                "GET", url, headers={"User-Agent": USER_AGENT, **(headers or {})}
            ) as resp:
                if resp.status_code == 404 and ok_missing:
                    return None
                limit = max_bytes if resp.is_success else 4096
                body, more = await read_capped(resp, limit)
    except TimeoutError:
        raise RegistryUnreachable(url, f"no complete answer within {deadline_s:g} s") from None
    except httpx.HTTPError as exc:
        raise RegistryUnreachable(url, _transport_reason(exc)) from exc
    if not resp.is_success:
        snippet = brief(" ".join(body.decode("utf-8", "replace").split()), 120)
        raise RegistryResponseError(url, f"HTTP {resp.status_code} {snippet}".strip(),
                                    resp.status_code)
    if more:
        raise RegistryResponseError(
            url, f"more than {max_bytes // MiB} MiB, far more than this kind of answer takes")
    kept = [(k, v) for k, v in resp.headers.multi_items() if k.lower() not in _TRANSFER_HEADERS]
    return httpx.Response(resp.status_code, headers=kept, content=bytes(body),
                          request=resp.request)
