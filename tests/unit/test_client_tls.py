"""The TLS settings each daemon address gets: plain HTTP never loads the CA bundle (and trusts
nothing), https keeps full verification."""

from __future__ import annotations

import ssl

from quantdesk.core.ollama.client import OllamaClient, tls_for
from quantdesk.core.ollama.host import resolve_host


def test_a_plain_http_daemon_gets_a_context_that_trusts_no_certificate():
    ctx = tls_for(resolve_host("http://127.0.0.1:11434"))
    assert isinstance(ctx, ssl.SSLContext)
    # Still verifying: were TLS ever attempted on it, the handshake would fail.
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] == 0


def test_an_https_daemon_keeps_httpx_full_verification():
    assert tls_for(resolve_host("https://ollama.example.org")) is True


def test_the_default_daemon_address_is_plain_http():
    # OLLAMA_HOST's default is http://127.0.0.1:11434 (envconfig/config.go).
    assert isinstance(tls_for(resolve_host(None, env={})), ssl.SSLContext)


async def test_a_client_on_plain_http_still_talks_to_its_daemon(sim):
    async with OllamaClient(sim.host) as client:
        assert (await client.version())


def test_registry_clients_share_one_verifying_context():
    from quantdesk.core.registry.discovery import registry_tls

    ctx = registry_tls()
    assert ctx is registry_tls()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] > 0  # the CA bundle, loaded once
