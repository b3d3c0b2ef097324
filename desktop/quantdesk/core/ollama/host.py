"""Where the daemon is: ``OLLAMA_HOST`` resolved the way Ollama itself resolves it.

Rules (``ollama-api.md`` §1): surrounding spaces and quotes are stripped; no scheme means
http on port 11434, while ``http://`` without a port means 80 and ``https://`` 443; a bare
``:PORT`` means this machine; IPv6 works with or without brackets; a bad or out-of-range port
falls back to the default; a base path is kept for reverse proxies; the literal ``ollama.com``
is the cloud API. Unlike Go's client we map the "every interface" addresses ``0.0.0.0`` and
``::`` to loopback, because they are bind addresses, not places to connect to.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_PORT = 11434
_SCHEME_PORTS = {"http": 80, "https": 443}
_UNSPECIFIED = {"0.0.0.0": "127.0.0.1", "::": "::1"}


@dataclass(frozen=True, slots=True)
class OllamaHost:
    scheme: str
    host: str  # without IPv6 brackets
    port: int
    path: str = ""  # "" or "/base", never with a trailing "/"

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}"

    def __str__(self) -> str:
        return self.url


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Like Go's net.SplitHostPort: None when there is no unambiguous ``host:port``."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or not hostport[end + 1 :].startswith(":"):
            return None
        return hostport[1:end], hostport[end + 2 :]
    if hostport.count(":") != 1:
        return None  # no port, or an unbracketed IPv6 address
    host, port = hostport.split(":")
    return host, port


def _parse_port(text: str, default: int) -> int:
    if not text.isascii() or not text.isdigit():
        return default
    port = int(text)
    return port if 0 <= port <= 65535 else default


def _as_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return None


def parse_host(value: str | None) -> OllamaHost:
    """Resolve an ``OLLAMA_HOST``-style value; None or empty means the default local daemon."""
    text = (value or "").strip().strip("\"'").strip()
    default_port = DEFAULT_PORT
    if "://" in text:
        scheme, rest = text.split("://", 1)
        scheme = scheme.lower()
        default_port = _SCHEME_PORTS.get(scheme, DEFAULT_PORT)
    elif text.lower() == "ollama.com":
        scheme, rest, default_port = "https", "ollama.com", 443
    else:
        scheme, rest = "http", text
    hostport, _, path = rest.partition("/")
    split = _split_host_port(hostport)
    if split is None:
        host, port = _as_ip(hostport) or hostport, default_port
    else:
        host, port = split[0], _parse_port(split[1], default_port)
    host = host or "127.0.0.1"
    host = _UNSPECIFIED.get(_as_ip(host) or host, host)
    path = "/" + path.strip("/") if path.strip("/") else ""
    return OllamaHost(scheme=scheme, host=host, port=port, path=path)


def resolve_host(value: str | None = None, env: Mapping[str, str] | None = None) -> OllamaHost:
    """The daemon to talk to: ``value`` (e.g. ``--host``) if given, else ``OLLAMA_HOST``."""
    if value:
        return parse_host(value)
    environ = os.environ if env is None else env
    return parse_host(environ.get("OLLAMA_HOST"))
