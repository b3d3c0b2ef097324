"""One GET against a remote catalogue with our errors instead of httpx's."""

from __future__ import annotations

import httpx

from quantdesk.core.registry.errors import RegistryResponseError, RegistryUnreachable

USER_AGENT = "quantdesk (ollama-compatible registry reader)"
MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"


def default_timeout() -> httpx.Timeout:
    return httpx.Timeout(10.0, connect=3.0)


async def get(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    ok_missing: bool = False,
) -> httpx.Response | None:
    """GET ``url``; None for a 404 when ``ok_missing``; raises RegistryUnreachable or
    RegistryResponseError for anything else that is not a 2xx."""
    try:
        resp = await http.get(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise RegistryUnreachable(url, type(exc).__name__) from exc
    except httpx.TimeoutException as exc:
        raise RegistryUnreachable(url, "timed out") from exc
    except httpx.TransportError as exc:
        raise RegistryUnreachable(url, str(exc) or type(exc).__name__) from exc
    if resp.status_code == 404 and ok_missing:
        return None
    if not resp.is_success:
        snippet = " ".join(resp.text.split())[:120]
        raise RegistryResponseError(url, f"HTTP {resp.status_code} {snippet}".strip(),
                                    resp.status_code)
    return resp
