"""OLLAMA_HOST resolution, one row per rule of ollama-api.md §1."""

from __future__ import annotations

import pytest

from quantdesk.core.ollama.host import OllamaHost, parse_host, resolve_host

CASES = [
    # (value, scheme, host, port, path)
    (None, "http", "127.0.0.1", 11434, ""),
    ("", "http", "127.0.0.1", 11434, ""),
    ("1.2.3.4", "http", "1.2.3.4", 11434, ""),
    ("example.com", "http", "example.com", 11434, ""),
    ("example.com:56789", "http", "example.com", 56789, ""),
    ("  'example.com:1234'  ", "http", "example.com", 1234, ""),
    ('"example.com"', "http", "example.com", 11434, ""),
    ("http://example.com", "http", "example.com", 80, ""),
    ("https://example.com", "https", "example.com", 443, ""),
    ("HTTPS://example.com:8443", "https", "example.com", 8443, ""),
    ("http://example.com:1234", "http", "example.com", 1234, ""),
    (":1234", "http", "127.0.0.1", 1234, ""),
    ("http://:5678", "http", "127.0.0.1", 5678, ""),
    ("::1", "http", "::1", 11434, ""),
    ("[::1]", "http", "::1", 11434, ""),
    ("[::1]:1234", "http", "::1", 1234, ""),
    ("http://[fe80::1]:99", "http", "fe80::1", 99, ""),
    ("example.com:99999", "http", "example.com", 11434, ""),
    ("example.com:-1", "http", "example.com", 11434, ""),
    ("example.com:abc", "http", "example.com", 11434, ""),
    ("https://example.com:abc", "https", "example.com", 443, ""),
    ("https://example.com/ollama", "https", "example.com", 443, "/ollama"),
    ("https://example.com/ollama/", "https", "example.com", 443, "/ollama"),
    ("example.com:8080/a/b/", "http", "example.com", 8080, "/a/b"),
    ("example.com/", "http", "example.com", 11434, ""),
    ("ollama.com", "https", "ollama.com", 443, ""),
    ("0.0.0.0", "http", "127.0.0.1", 11434, ""),
    ("0.0.0.0:1234", "http", "127.0.0.1", 1234, ""),
    ("[::]:1234", "http", "::1", 1234, ""),
    ("::", "http", "::1", 11434, ""),
]


@pytest.mark.parametrize(("value", "scheme", "host", "port", "path"), CASES)
def test_parse_host(value, scheme, host, port, path):
    assert parse_host(value) == OllamaHost(scheme, host, port, path)


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("::1", "http://[::1]:11434"),
        ("https://example.com/ollama/", "https://example.com:443/ollama"),
        (":1234", "http://127.0.0.1:1234"),
        ("ollama.com", "https://ollama.com:443"),
    ],
)
def test_url_brackets_ipv6_and_keeps_path(value, url):
    assert parse_host(value).url == url


def test_resolve_prefers_explicit_value_over_environment():
    env = {"OLLAMA_HOST": "10.0.0.5:9999"}
    assert resolve_host("other:1", env=env).host == "other"
    assert resolve_host(None, env=env) == OllamaHost("http", "10.0.0.5", 9999)
    assert resolve_host(None, env={}) == OllamaHost("http", "127.0.0.1", 11434)


def test_resolve_reads_process_environment(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "https://box.lan")
    assert resolve_host().url == "https://box.lan:443"
