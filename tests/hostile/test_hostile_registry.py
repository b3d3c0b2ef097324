"""A hostile registry, library site and Hugging Face on loopback (``--registry``): each case
ends in a clear message or a bounded answer, within its time, with memory bounded.

The daemon is unreachable in these cases (``variants`` and ``fit`` go on without it).
"""

from __future__ import annotations

import json
import struct

import pytest
from hostile_server import endless, head, not_found, send, send_json

MiB = 1 << 20
NO_DAEMON = "127.0.0.1:1"
CONFIG = "sha256:" + "c" * 64
WEIGHTS = "sha256:" + "d" * 64


def manifest(size: object = 4_900_000_000) -> bytes:
    return json.dumps({"schemaVersion": 2, "config": {"digest": CONFIG, "size": 500},
                       "layers": [{"mediaType": "application/vnd.ollama.image.model",
                                   "digest": WEIGHTS, "size": size}]}).encode()


class Registry(dict):
    """Routes by path prefix: the registry's paths carry names and digests."""

    def __init__(self, **by_prefix: object) -> None:
        super().__init__()
        self.by_prefix = by_prefix

    def get(self, key: str, default: object = None) -> object:
        path = key.split(" ", 1)[-1]
        for prefix, route in self.by_prefix.items():
            if path.startswith(prefix):
                return route
        return not_found


def _config(conn, req):
    return send_json(conn, {"model_type": "8B", "file_type": "Q4_K_M", "model_family": "llama"})


def _gguf_head(n_tensors: int, n_kv: int, kvs: bytes = b"") -> bytes:
    return struct.pack("<4sIQQ", b"GGUF", 3, n_tensors, n_kv) + kvs


def _fails_clearly(got, *words: str) -> str:
    assert got.code == 1, got.text
    last = got.err.decode().rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("quantdesk: "), got.text
    for word in words:
        assert word in got.text, got.text
    return last


def test_a_manifest_claiming_a_10_tb_layer_is_shown_as_10_tb(serve, hostile_run):
    server = serve(Registry(**{"/v2/library/m/manifests/": lambda c, r: send(
        c, 200, manifest(10 * 10**12)), "/v2/library/m/blobs/" + CONFIG: _config}))
    got = hostile_run(NO_DAEMON, ["variants", "m:8b-instruct-q4_K_M", "--json",
                                  "--registry", server.url])
    assert got.code == 0, got.text
    [variant] = json.loads(got.out)["variants"]  # the plan document of issue 10
    assert variant["size_bytes"] == 10 * 10**12 + 500
    assert got.elapsed_s < 8


@pytest.mark.parametrize("size", [b"1e999", b"-5", b'"lots"', b"1" + b"0" * 5000])
def test_a_manifest_with_an_impossible_layer_size(serve, hostile_run, size):
    body = manifest(0).replace(b'"size": 0', b'"size": ' + size)
    server = serve(Registry(**{"/v2/library/m/manifests/": lambda c, r: send(c, 200, body)}))
    got = hostile_run(NO_DAEMON, ["fit", "m:8b-instruct-q4_K_M", "--registry", server.url])
    _fails_clearly(got, "manifest")


def test_a_50_mb_tags_page_is_not_read_whole(serve, hostile_run):
    row = b'<div class="group px-4 py-3"><a href="/library/m:x">m:x</a></div>\n'

    def page(conn, req):
        conn.sendall(head(200, [("Content-Type", "text/html"),
                                ("Content-Length", str(50 * MiB))]))
        endless(conn, row * 8000, chunked=False)

    server = serve(Registry(**{"/library/m/tags": page}))
    got = hostile_run(NO_DAEMON, ["variants", "m", "--registry", server.url])
    # The page is given up after 4 MiB; the registry then has no such model either.
    _fails_clearly(got, "was not found")
    assert got.elapsed_s < 8 and got.rss_growth < 40 * MiB


def test_a_tags_page_of_100k_nested_divs(serve, hostile_run):
    server = serve(Registry(**{"/library/m/tags": lambda c, r: send(
        c, 200, b"<div>" * 100_000 + b"</p>" * 100_000, "text/html")}))
    got = hostile_run(NO_DAEMON, ["variants", "m", "--registry", server.url])
    _fails_clearly(got, "was not found")
    assert got.elapsed_s < 8


def test_a_redirect_loop(serve, hostile_run):
    loop = lambda c, r: send(c, 302, b"", extra=[("Location", r.path)])  # noqa: E731
    server = serve(Registry(**{"/": loop}))
    got = hostile_run(NO_DAEMON, ["fit", "m:8b-instruct-q4_K_M", "--registry", server.url])
    _fails_clearly(got, "redirects in a loop")


def test_a_redirect_to_a_file_url(serve, hostile_run):
    to_file = lambda c, r: send(c, 302, b"", extra=[("Location", "file:///etc/passwd")])  # noqa: E731
    server = serve(Registry(**{"/": to_file}))
    got = hostile_run(NO_DAEMON, ["fit", "m:8b-instruct-q4_K_M", "--registry", server.url])
    _fails_clearly(got, "not http or https")
    assert b"root:" not in got.out + got.err


def _listing(n: int, size: object = 1000) -> bytes:
    entries = [{"type": "file", "path": f"model-{i}.Q4_K_M.gguf", "size": size,
                "lfs": {"oid": "e" * 64, "size": size}} for i in range(n)]
    return json.dumps(entries).encode()


def test_a_hugging_face_listing_of_100k_files_in_one_page(serve, hostile_run):
    body = _listing(100_000)
    server = serve(Registry(**{"/api/models/o/r/tree/": lambda c, r: send(c, 200, body)}))
    got = hostile_run(NO_DAEMON, ["variants", "hf.co/o/r", "--registry", server.url])
    _fails_clearly(got, "more than 2 MiB")
    assert got.elapsed_s < 8 and got.rss_growth < 40 * MiB


def test_a_hugging_face_listing_of_100k_files_in_pages(serve, hostile_run):
    page = _listing(1000)

    def pages(conn, req):
        n = int(req.query.rpartition("=")[2] or 0) if "cursor" in req.query else 0
        link = f'<{req.path}?recursive=true&cursor={n + 1}>; rel="next"'
        return send(conn, 200, page, extra=[("Link", link)])

    server = serve(Registry(**{"/api/models/o/r/tree/": pages}))
    got = hostile_run(NO_DAEMON, ["variants", "hf.co/o/r", "--registry", server.url])
    _fails_clearly(got, "at least 3,000 GGUF files", "up to 2,000 GGUF files")
    # Three pages were enough to know; the other 97 were never asked for.
    assert len(server.seen) == 3
    assert got.elapsed_s < 8 and got.rss_growth < 60 * MiB


def test_a_hugging_face_listing_whose_next_page_is_elsewhere(serve, hostile_run):
    def first(conn, req):
        return send(conn, 200, _listing(3), extra=[
            ("Link", '<http://198.51.100.7/api/models/o/r/tree/main?cursor=x>; rel="next"')])

    server = serve(Registry(**{"/api/models/o/r/tree/": first}))
    got = hostile_run(NO_DAEMON, ["variants", "hf.co/o/r", "--registry", server.url])
    _fails_clearly(got, "another server")


def test_hugging_face_sizes_of_1e999_are_not_sizes(serve, hostile_run):
    body = _listing(3, 0).replace(b'"size": 0', b'"size": 1e999')
    server = serve(Registry(**{"/api/models/o/r/tree/": lambda c, r: send(c, 200, body)}))
    got = hostile_run(NO_DAEMON, ["variants", "hf.co/o/r", "--registry", server.url])
    _fails_clearly(got, "no GGUF files")


def _blob_fit(serve, hostile_run, header: bytes):
    server = serve(Registry(**{
        "/v2/library/m/manifests/": lambda c, r: send(c, 200, manifest()),
        "/v2/library/m/blobs/" + CONFIG: _config,
        # Range is ignored: the whole "blob" comes back with 200, header then zeros for ever.
        "/v2/library/m/blobs/" + WEIGHTS: lambda c, r: (
            c.sendall(head(200, [("Content-Type", "application/octet-stream")],
                           version="HTTP/1.0") + header),
            endless(c, b"\0" * MiB, chunked=False))}))
    return hostile_run(NO_DAEMON, ["fit", "m:8b-instruct-q4_K_M", "--registry", server.url])


def test_a_gguf_header_claiming_2_pow_63_tensors(serve, hostile_run):
    got = _blob_fit(serve, hostile_run, _gguf_head(2**63, 0))
    _fails_clearly(got, "9,223,372,036,854,775,808 tensors")
    assert got.elapsed_s < 8 and got.rss_growth < 50 * MiB


def test_a_gguf_header_claiming_a_2_pow_63_byte_string(serve, hostile_run):
    kv = struct.pack("<Q", 20) + b"general.architecture" + struct.pack("<IQ", 8, 2**63)
    got = _blob_fit(serve, hostile_run, _gguf_head(0, 1, kv))
    _fails_clearly(got, "9,223,372,036,854,775,808 bytes")
    assert got.elapsed_s < 8 and got.rss_growth < 50 * MiB


def test_a_header_read_from_a_server_ignoring_range_stops_at_the_header(serve, hostile_run):
    arch = b"llama"
    kv = (struct.pack("<Q", 20) + b"general.architecture" + struct.pack("<IQ", 8, len(arch))
          + arch)
    header = _gguf_head(0, 1, kv)

    def blob(conn, req):
        assert req.headers.get("range", "").startswith("bytes=0-")
        conn.sendall(head(200, [("Content-Type", "application/octet-stream")],
                          version="HTTP/1.0") + header)
        endless(conn, b"\0" * MiB, chunked=False)

    server = serve(Registry(**{"/blob": blob}))
    got = hostile_run(NO_DAEMON, kind="gguf", url=f"{server.url}/blob")
    assert got.code == 0, got.value
    assert got.value["tensors"] == 0
    # The first range asked for 1 MiB; the server's overshoot is at most one network read.
    assert got.value["bytes_read"] < 1 * MiB + 256 * 1024
    assert got.elapsed_s < 5 and got.rss_growth < 50 * MiB
