"""``POST /api/pull``: streamed download of a catalog model at the simulated bandwidth.

Follows ollama-api.md §5 and its Corrections 4, read against ``server/images.go PullModel``
and ``server/download.go``: ``pulling manifest``; per blob (config last) a ``pulling <12 hex>``
line on every tick of a 60 ms ticker (``blobDownload.Wait``) with ``digest``/``total``/
``completed`` (``completed`` omitted while 0). The ticker stops when the blob is done, so no
line says ``completed == total`` and a blob done within one tick sends no line at all; only a
blob already on disk gets its one ``completed == total`` line (``downloadBlob``'s cache hit). A
stalled transfer (``faults.stall_transfer``) keeps repeating its last line. Then ``verifying
sha256 digest`` and silence while every newly downloaded blob is hashed (``verifyBlob``, about
1.7 GiB/s, divided by the daemon's ``time_scale``), ``writing manifest``, ``success``.
A missing tag is HTTP 200 then
``{"error": "pull model manifest: file does not exist"}``; ``stream: false`` gives one body,
200 or 500. Progress is kept per blob as it goes, so a cancelled pull (client gone) resumes
from where it stopped; two pulls of one blob share a single download.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from quantdesk.sim.catalog import catalog
from quantdesk.sim.http import BARE_JSON, ConnectionGone, HttpError, SimHandler
from quantdesk.sim.models_api import model_name
from quantdesk.sim.names import ConflictingSource, ModelName, parse_name, pull_name

MISSING = "pull model manifest: file does not exist"


# verifyBlob hashes what it downloaded at about 1.7 GiB/s (ollama-api.md Corrections 4)
HASH_BANDWIDTH = 1.7 * (1 << 30)


def _blob_lines(h: SimHandler, digest: str, total: int) -> Iterator[dict[str, Any]]:
    state, sim = h.sim.state, h.sim
    status = f"pulling {digest.removeprefix('sha256:')[:12]}"
    line: dict[str, Any] = {"status": status, "digest": digest, "total": total}
    if state.blob_bytes(digest) >= total:
        yield {**line, "completed": total}
        return
    stall = h.faults.first("stall_transfer")
    stalled_until = None
    owner = object()
    last = time.monotonic()
    try:
        while True:
            time.sleep(sim.progress_interval)
            if h.server.closing.is_set():
                raise ConnectionGone("daemon stopped")
            now = time.monotonic()
            step = max(1, int(sim.pull_bandwidth * (now - last)))
            last = now
            done = state.blob_bytes(digest)
            if stall and stalled_until is None and done >= stall.after_bytes_or(total):
                stalled_until = now + stall.seconds  # the parts stop; the ticker does not
            if stalled_until is None or now >= stalled_until:
                done, _ = state.advance_blob(digest, owner, total, step)
            if done >= total:
                return  # b.done closes before the next tick: no final line
            yield {**line, "completed": done} if done else line
    finally:
        state.release_blob(digest, owner)


def _pull_lines(h: SimHandler, name: ModelName) -> Iterator[dict[str, Any]]:
    yield {"status": "pulling manifest"}
    if not name.is_library:
        url = f"{name.scheme}://{name.host}/v2/{name.namespace}/{name.model}/manifests/{name.tag}"
        yield {
            "error": f'pull model manifest: Get "{url}": dial tcp: lookup {name.host}: no such host'
        }
        return
    variant = catalog().resolve(name)
    manifest = catalog().manifest_for(name)
    if variant is None or manifest is None:
        yield {"error": MISSING}
        return
    fresh = [b.size for b in manifest.blobs if h.sim.state.blob_bytes(b.digest) < b.size]
    for blob in manifest.blobs:
        yield from _blob_lines(h, blob.digest, blob.size)
    yield {"status": "verifying sha256 digest"}
    # Blobs that were on disk before the pull are not hashed again (skipVerify).
    time.sleep(sum(fresh) / h.sim.verify_bandwidth / h.sim.time_scale)
    if h.server.closing.is_set():
        raise ConnectionGone("daemon stopped")
    # verifyBlob takes no context: a client gone during the check does not stop the daemon
    # from writing the manifest, so the model is installed before the line that may fail.
    h.sim.state.install(name, variant)
    yield {"status": "writing manifest"}
    yield {"status": "success"}


def pull(h: SimHandler, body: dict[str, Any]) -> None:
    text = model_name(body)
    try:
        # ":local" is dropped and a cloud reference becomes its stub tag before parsing.
        name = parse_name(pull_name(text))
    except ConflictingSource as exc:
        raise HttpError(400, str(exc)) from exc
    if name is None:
        raise HttpError(400, "invalid model name")
    if name.scheme == "http" and not body.get("insecure"):
        # Refused before the first progress line, so it is a plain 500 JSON error (§9).
        raise HttpError(500, "insecure protocol http", from_stream=True)
    lines = _pull_lines(h, name)
    try:
        if body.get("stream", True) is False:
            last: dict[str, Any] = {}
            for last in lines:
                if "error" in last:
                    raise HttpError(500, last["error"], from_stream=True)
            h.send_json(200, last, BARE_JSON)
            return
        stream = h.stream()
        for line in lines:
            stream.send(line)
            if "error" in line:
                break
        stream.end()
    finally:
        lines.close()  # runs the blob's finally: partial progress stays, ownership goes
