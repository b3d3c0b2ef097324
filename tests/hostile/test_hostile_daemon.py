"""A hostile daemon on loopback: every answer a broken or malicious server can give ends in a
clear message (exit 1, one sentence, no traceback) within its deadline, with resident memory
bounded, and the history and settings untouched (the ``hostile_run`` fixture checks those).

Each case runs ``quantdesk`` in a fresh forked child; the numbers are listed at the end of the
session.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from hostile_server import (
    chunk,
    drip,
    endless,
    head,
    reset,
    send,
    send_json,
    send_lines,
    start_chunked,
)

MiB = 1 << 20
MEMORY_BOUND = 100 * MiB  # the body cap is 32 MiB; a copy of it may be held
FAST_S = 8.0  # any case that is not a deadline case ends well within this

MODEL = {"name": "qwen2.5:0.5b", "model": "qwen2.5:0.5b", "size": 397_000_000,
         "digest": "ab" * 32, "modified_at": "2026-01-01T00:00:00Z",
         "details": {"family": "qwen2", "parameter_size": "494M",
                     "quantization_level": "Q4_K_M"}}


def tags(models: list) -> object:
    return lambda conn, req: send_json(conn, {"models": models})


def raw_body(body: bytes, status: int = 200) -> object:
    return lambda conn, req: send(conn, status, body)


def _assert_clear_failure(got, *words: str) -> None:
    """Exit 1 and, as the last line on stderr, one sentence with ``words`` in it."""
    assert got.code == 1, got.text
    message = got.err.decode().rstrip("\n").rsplit("\n", 1)[-1]
    assert message.startswith("quantdesk: "), got.text
    for word in words:
        assert word in message, message


# -- bodies that never end or are too big ----------------------------------------------------

def test_multi_gigabyte_chunked_body(serve, hostile_run):
    def route(conn, req):
        start_chunked(conn, "application/json")
        endless(conn, b'{"models": [' + b" " * (1 * MiB))

    server = serve({"/api/tags": route})
    got = hostile_run(server.url, ["ls"])
    _assert_clear_failure(got, server.url, "32 MiB", "listing the installed models")
    assert got.elapsed_s < FAST_S and got.rss_growth < MEMORY_BOUND


def test_http_1_0_body_without_length_that_never_ends(serve, hostile_run):
    def route(conn, req):
        conn.sendall(head(200, [("Content-Type", "application/json")], version="HTTP/1.0"))
        endless(conn, b" " * MiB, chunked=False)

    server = serve({"/api/tags": route})
    got = hostile_run(server.url, ["ls"])
    _assert_clear_failure(got, "32 MiB")
    assert got.elapsed_s < FAST_S and got.rss_growth < MEMORY_BOUND


def test_http_1_0_without_length_is_read_to_the_close(serve, hostile_run):
    def route(conn, req):
        conn.sendall(head(200, [("Content-Type", "application/json")], version="HTTP/1.0")
                     + json.dumps({"models": [MODEL]}).encode())

    got = hostile_run(serve({"/api/tags": route}).url, ["ls"])
    assert got.code == 0 and b"qwen2.5:0.5b" in got.out


def test_an_endless_line_with_no_newline(serve, hostile_run):
    def route(conn, req):
        start_chunked(conn)
        chunk(conn, b'{"status":"pulling manifest"}\n')
        endless(conn, b'{"status":"' + b"a" * MiB)

    got = hostile_run(serve({"/api/pull": route}).url, ["pull", "qwen2.5:0.5b"])
    _assert_clear_failure(got, "longer than")
    assert got.elapsed_s < FAST_S and got.rss_growth < MEMORY_BOUND


def test_a_huge_error_body_is_read_only_in_part_and_quoted_briefly(serve, hostile_run):
    def route(conn, req):
        conn.sendall(head(500, [("Content-Type", "text/plain"),
                                ("Content-Length", str(2 << 30))]))
        endless(conn, b"no space left " * 10_000, chunked=False)

    got = hostile_run(serve({"/api/pull": route}).url, ["pull", "qwen2.5:0.5b"])
    _assert_clear_failure(got, "HTTP 500", "more characters")
    assert len(got.err) < 2000
    assert got.elapsed_s < FAST_S and got.rss_growth < 50 * MiB


# -- JSON that is not what it seems --------------------------------------------------------------

@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"models":' + b"[" * 100_000 + b"]" * 100_000
                                  + b"}"], ids=["unclosed", "closed"])
def test_json_nested_100k_deep(serve, hostile_run, body):
    got = hostile_run(serve({"/api/tags": raw_body(body)}).url, ["ls"])
    _assert_clear_failure(got, "nested more than 64 levels")
    assert got.elapsed_s < FAST_S


def test_json_nested_100k_deep_in_a_stream_line(serve, hostile_run):
    route = lambda conn, req: send_lines(conn, [b'{"response":' + b"[" * 100_000])  # noqa: E731
    got = hostile_run(serve({"/api/generate": route}).url, ["run", "qwen2.5:0.5b", "hi"])
    _assert_clear_failure(got, "nested more than 64 levels")


def test_invalid_utf8_reads_as_replacement_characters(serve, hostile_run):
    body = json.dumps({"models": [MODEL]}).encode().replace(b"qwen2.5", b"qw\xff\xfeen", 1)
    got = hostile_run(serve({"/api/tags": raw_body(body)}).url, ["ls"])
    assert got.code == 0, got.text
    assert "qw\ufffd\ufffden:0.5b" in got.out.decode("utf-8")


def test_numbers_as_strings_are_read(serve, hostile_run):
    model = {**MODEL, "size": "397000000"}
    got = hostile_run(serve({"/api/tags": tags([model])}).url, ["ls", "--json"])
    assert got.code == 0 and json.loads(got.out)[0]["size"] == 397_000_000


@pytest.mark.parametrize("size", [-5, 2**63, 1e999, "NaN", True])
def test_impossible_sizes_read_as_unknown(serve, hostile_run, size):
    body = json.dumps({"models": [{**MODEL, "size": 0}]}).encode()
    body = body.replace(b'"size": 0', b'"size": ' + (
        b"1e999" if size == 1e999 else b"NaN" if size == "NaN" else json.dumps(size).encode()))
    got = hostile_run(serve({"/api/tags": raw_body(body)}).url, ["ls", "--json"])
    assert got.code == 0, got.text
    assert json.loads(got.out)[0]["size"] == 0


def test_missing_null_and_mistyped_fields(serve, hostile_run):
    models = [{}, {"name": None, "size": None, "details": None, "modified_at": None},
              {"name": 7, "details": [1, 2], "capabilities": "x"}, "not an object", MODEL]
    server = serve({"/api/tags": tags(models),
                    "/api/ps": lambda c, r: send_json(c, {"models": 5}),
                    "/api/show": lambda c, r: send_json(c, {"tensors": 5, "details": "x",
                                                            "model_info": [1],
                                                            "license": " \n \t\n"})})
    assert hostile_run(server.url, ["ls"]).code == 0
    ps = hostile_run(server.url, ["ps", "--json"])
    assert ps.code == 0 and json.loads(ps.out) == []
    assert hostile_run(server.url, ["show", "qwen2.5:0.5b"]).code == 0


def test_duplicate_keys_take_the_last_value(serve, hostile_run):
    body = b'{"models": [], "models": [' + json.dumps(MODEL).encode() + b"]}"
    got = hostile_run(serve({"/api/tags": raw_body(body)}).url, ["ls", "--json"])
    assert got.code == 0 and [m["name"] for m in json.loads(got.out)] == ["qwen2.5:0.5b"]


# -- errors, redirects and broken connections ------------------------------------------------

def test_an_error_after_http_200(serve, hostile_run):
    route = lambda conn, req: send_lines(conn, [{"status": "pulling manifest"},  # noqa: E731
                                                {"error": "registry exploded"}])
    got = hostile_run(serve({"/api/pull": route}).url, ["pull", "qwen2.5:0.5b"])
    _assert_clear_failure(got, "registry exploded")


def test_a_redirect_to_another_port_is_not_followed(serve, hostile_run):
    elsewhere = serve({"/api/tags": tags([MODEL])})
    location = f"{elsewhere.url}/api/tags"
    server = serve({"/api/tags": lambda c, r: send(c, 302, b"", extra=[("Location", location)])})
    got = hostile_run(server.url, ["ls"])
    _assert_clear_failure(got, "redirect", "HTTP 302", location)
    assert elsewhere.seen == []


def test_a_redirect_to_a_file_url_is_not_followed(serve, hostile_run):
    server = serve({"/api/tags": lambda c, r: send(c, 307, b"",
                                                   extra=[("Location", "file:///etc/passwd")])})
    got = hostile_run(server.url, ["ls"])
    _assert_clear_failure(got, "redirect", "file:///etc/passwd")
    assert b"root:" not in got.out + got.err


def test_a_reset_mid_stream(serve, hostile_run):
    def route(conn, req):
        start_chunked(conn)
        for word in ("The", " sky"):
            chunk(conn, json.dumps({"response": word, "done": False}).encode() + b"\n")
        time.sleep(0.05)
        reset(conn)

    got = hostile_run(serve({"/api/generate": route}).url, ["run", "qwen2.5:0.5b", "hi"])
    _assert_clear_failure(got, "dropped")
    assert got.out.startswith(b"The sky")  # what had come is still shown


def test_a_reset_before_any_answer(serve, hostile_run):
    got = hostile_run(serve({"/api/tags": lambda c, r: reset(c)}).url, ["ls"])
    _assert_clear_failure(got)


# -- slowness: deadlines ---------------------------------------------------------------------

def _drip_body(conn: socket.socket, req) -> None:
    conn.sendall(head(200, [("Content-Type", "application/json"), ("Content-Length", "100")]))
    drip(conn, b'{"models": []' + b" " * 200)


def _drip_headers(conn: socket.socket, req) -> None:
    drip(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X" * 200)


def test_ls_against_a_daemon_dripping_a_byte_a_second_ends_at_its_deadline(serve, hostile_run):
    server = serve({"/api/tags": _drip_body})
    got = hostile_run(server.url, ["ls"])
    _assert_clear_failure(got, f"The Ollama daemon at {server.url}", "within 5 s",
                          "listing the installed models")
    assert 5.0 <= got.elapsed_s < 6.5


@pytest.mark.parametrize("route", [_drip_body, _drip_headers], ids=["body", "headers"])
def test_the_deadline_comes_from_the_settings(serve, hostile_run, tmp_path, route):
    from quantdesk.core.config import Settings, save_settings

    save_settings(Settings(request_timeout=1), tmp_path / "cfg" / "config.json")
    server = serve({"/api/tags": route})
    got = hostile_run(server.url, ["ls"], config_dir=tmp_path / "cfg")
    _assert_clear_failure(got, f"The Ollama daemon at {server.url}", "within 1 s")
    # The built-in deadline is 5 s; the CLI's own start counts too, and on a loaded machine
    # takes up to ~2 s of it, so anything clearly short of 5 s shows the setting was used.
    assert 1.0 <= got.elapsed_s < 4.0
