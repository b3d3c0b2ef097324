"""``POST /api/pull``: streamed download of a catalog model at the simulated bandwidth.

Follows ollama-api.md §5: ``pulling manifest``; per blob (config last) a ``pulling <12 hex>``
line about every progress interval with ``digest``/``total``/``completed`` (``completed``
omitted while 0, one ``completed == total`` line for a blob already on disk);
``verifying sha256 digest``; ``writing manifest``; ``success``. A missing tag is HTTP 200 then
``{"error": "pull model manifest: file does not exist"}``; ``stream: false`` gives one body,
200 or 500. Progress is kept per blob as it goes, so a cancelled pull (client gone) resumes
from where it stopped; two pulls of one blob share a single download.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from quantdesk.sim.catalog import catalog
from quantdesk.sim.http import ConnectionGone, HttpError, SimHandler
from quantdesk.sim.models_api import model_name
from quantdesk.sim.names import ConflictingSource, ModelName, parse_name, pull_name

MISSING = "pull model manifest: file does not exist"


def _blob_lines(h: SimHandler, digest: str, total: int) -> Iterator[dict[str, Any]]:
    state, sim = h.sim.state, h.sim
    status = f"pulling {digest.removeprefix('sha256:')[:12]}"
    line: dict[str, Any] = {"status": status, "digest": digest, "total": total}
    have = state.blob_bytes(digest)
    if have >= total:
        yield {**line, "completed": total}
        return
    yield {**line, "completed": have} if have else line
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
            done, _ = state.advance_blob(digest, owner, total, step)
            yield {**line, "completed": done} if done else line
            if done >= total:
                return
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
    for blob in manifest.blobs:
        yield from _blob_lines(h, blob.digest, blob.size)
    yield {"status": "verifying sha256 digest"}
    yield {"status": "writing manifest"}
    h.sim.state.install(name, variant)
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
        raise HttpError(500, "insecure protocol http")
    lines = _pull_lines(h, name)
    try:
        if body.get("stream", True) is False:
            last: dict[str, Any] = {}
            for last in lines:
                if "error" in last:
                    raise HttpError(500, last["error"])
            h.send_json(200, last)
            return
        stream = h.stream()
        for line in lines:
            stream.send(line)
            if "error" in line:
                break
        stream.end()
    finally:
        lines.close()  # runs the blob's finally: partial progress stays, ownership goes
