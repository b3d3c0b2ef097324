"""Embeddings, create, push and blobs, as ``server/routes.go`` and ``server/create.go`` answer.

- ``/api/embed`` (``EmbedHandler``): ``input`` a string or a list of strings (else 400 ``invalid
  input type``); vectors of the model's ``embedding_length``, L2-normalised, then cut to
  ``dimensions`` and normalised again; inputs longer than the context are truncated unless
  ``truncate: false`` (400 ``the input length exceeds the context length``); an empty input
  loads the model and returns ``"embeddings": []``.
- ``/api/embeddings`` (``EmbeddingsHandler``, legacy): ``prompt`` → ``{"embedding": [...]}``,
  not normalised; an empty prompt loads the model and returns ``[]``.
- ``/api/create`` (``CreateHandler``/``createModel``): from an installed model (``from``) or
  from uploaded blobs (``files``); ``quantize`` only from F16/BF16/F32 sources; progress lines
  ``using existing layer sha256:…`` / ``creating new layer sha256:…`` (``manifest/layer.go``),
  ``writing manifest``, ``success``.
- ``/api/push`` (``PushHandler``/``PushModel``): ``retrieving manifest``, then the registry
  refuses a machine whose key is not signed in to ollama.com (``unauthorized: unknown ollama
  key "…"``, the text ``types/errtypes`` defines and the Ollama CLI matches).
- ``HEAD /api/blobs/:digest`` 200 or 404 ``blob "…" not found``; ``POST`` stores the body
  (201) after checking its SHA-256 (400 ``digest mismatch, expected "…", got "…"``).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from quantdesk.sim.catalog import catalog
from quantdesk.sim.generate_api import _check_options, load_runner
from quantdesk.sim.http import BARE_JSON, HttpError, SimHandler
from quantdesk.sim.models_api import installed_or_404, local_ref, model_name
from quantdesk.sim.names import ModelName
from quantdesk.sim.state import InstalledModel
from quantdesk.sim.wire import WireError, go_timestamp, parse_keep_alive

_DIGEST = re.compile(r"^sha256[:-][0-9a-f]{64}$")
SIM_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIQuantDeskSimulatedKeyNotSignedIn"


def _vector(text: str, dims: int, lineage: str) -> list[float]:
    """A deterministic vector: one seeded direction per word, summed (similar texts agree)."""
    out = [0.0] * dims
    for word in text.lower().split() or [""]:
        seed = hashlib.sha256(f"{lineage}\x1f{word}".encode()).digest()
        for i in range(dims):
            b = seed[i % 32] ^ (i * 31 & 0xFF)
            out[i] += (b - 127.5) / 127.5
    return out


def _normalise(v: list[float]) -> list[float]:
    norm = 1.0 / max(math.sqrt(sum(x * x for x in v)), 1e-12)
    return [x * norm for x in v]


def embed(h: SimHandler, body: dict[str, Any]) -> None:
    name = str(body.get("model") or "")
    data = body.get("input")
    if isinstance(data, str):
        inputs = [data] if data else []
    elif isinstance(data, list):
        if not all(isinstance(x, str) for x in data):
            raise HttpError(400, "invalid input type")
        inputs = list(data)
    elif data is None:
        inputs = []
    else:
        raise HttpError(400, "invalid input type")
    parsed = local_ref(name)
    m = h.sim.state.get(parsed) if parsed else None
    if parsed is None or m is None:
        raise HttpError(404, f"model '{name}' not found")
    v = m.variant
    options = _schedule(h, body, parsed, m)
    if not inputs:
        h.send_json(200, {"model": name, "embeddings": []})
        return
    ctx = min(int(options.get("num_ctx") or v.context_length), v.context_length)
    dims = int(body.get("dimensions") or 0)
    vectors, tokens = [], 0
    for text in inputs:
        words = text.split()
        if len(words) > ctx:
            if body.get("truncate") is False:
                raise HttpError(400, "the input length exceeds the context length")
            words = words[:ctx]
        tokens += len(words) + 2  # BOS and EOS
        vec = _normalise(_vector(" ".join(words), v.embedding_length, v.lineage))
        if 0 < dims < len(vec):
            vec = _normalise(vec[:dims])
        vectors.append(vec)
    h.send_json(200, {"model": name, "embeddings": vectors, "total_duration": 1_000_000,
                      "load_duration": 1, "prompt_eval_count": tokens})


def embeddings(h: SimHandler, body: dict[str, Any]) -> None:
    name = str(body.get("model") or "")
    parsed = local_ref(name) if name else None
    if parsed is None:
        raise HttpError(400, "model is required")
    m = h.sim.state.get(parsed)
    if m is None:
        raise HttpError(404, f'model "{name}" not found, try pulling it first')
    _schedule(h, body, parsed, m)
    prompt = str(body.get("prompt") or "")
    if not prompt:
        h.send_json(200, {"embedding": []})
        return
    h.send_json(200, {"embedding": _vector(prompt, m.variant.embedding_length,
                                           m.variant.lineage)})


def _schedule(
    h: SimHandler, body: dict[str, Any], parsed: ModelName, model: InstalledModel
) -> dict[str, Any]:
    """Load the model as both handlers do (``scheduleRunner``) before they look at the input,
    so an empty input still loads it; returns the request's checked options."""
    options = _check_options(body.get("options"))
    try:
        keep_alive = parse_keep_alive(body.get("keep_alive"))
    except WireError as exc:
        raise HttpError(400, str(exc)) from exc
    load_runner(h, parsed, model, options, keep_alive)
    return options


def _blob_digest(h: SimHandler) -> str:
    digest = h.path.split("?", 1)[0].removeprefix("/api/blobs/")
    if not _DIGEST.match(digest):
        raise HttpError(400, "invalid digest format")
    return digest.replace("sha256-", "sha256:", 1)


def blob(h: SimHandler, body: dict[str, Any]) -> None:
    digest = _blob_digest(h)
    if h.command == "HEAD":
        if h.sim.state.blob_bytes(digest) or digest in h.sim.uploads:
            h.send_empty(200)
            return
        raise HttpError(404, f'blob "{digest}" not found')
    data = h.raw_body()
    got = "sha256:" + hashlib.sha256(data).hexdigest()
    if got != digest:
        raise HttpError(400, f'digest mismatch, expected "{digest}", got "{got}"')
    h.sim.uploads[digest] = data
    h.send_empty(201)


def create(h: SimHandler, body: dict[str, Any]) -> None:
    target = local_ref(model_name(body))
    if target is None:
        raise HttpError(400, "invalid model name")
    source = body.get("from")
    files = body.get("files") or {}
    if not source and not files:
        raise HttpError(400, "neither 'from' or 'files' was specified")
    for digest in files.values():
        if digest not in h.sim.uploads and not h.sim.state.blob_bytes(digest):
            raise HttpError(400, f"blob {digest} not found")
    if not source:
        # uploaded blobs of our own: a model the catalog knows nothing of cannot be run, so
        # the simulator keeps the name pointing at the smallest catalog build
        source = min(catalog().variants(), key=lambda v: v.model_bytes).name
    base = installed_or_404(h, str(source), quote='"') if body.get("from") else None
    variant = base.variant if base else catalog().resolve(str(source))
    assert variant is not None
    lines: list[dict[str, Any]] = []
    quantize = str(body.get("quantize") or "")
    if quantize:
        if variant.quant.name not in ("F16", "BF16", "F32"):
            raise HttpError(400, "quantization is only supported for F16, BF16 and F32 models")
        wanted = quantize.upper().replace("Q4_K", "Q4_K_M") if quantize.upper() == "Q4_K" \
            else quantize.upper()
        sibling = next((s for s in catalog().variants() if s.lineage == variant.lineage
                        and s.quant.name == wanted), None)
        if sibling is None:
            raise HttpError(400, f"unsupported quantization type {quantize} - supported types "
                            "are F32, F16, Q4_K_S, Q4_K_M, Q8_0")
        lines.append({"status": f"quantizing {variant.quant.name} model to {wanted}",
                      "digest": "0000000000000000000", "total": variant.model_bytes,
                      "completed": variant.model_bytes})
        lines.append({"status": "verifying conversion"})
        variant = sibling
    manifest = catalog().manifest_for(variant.name)
    assert manifest is not None
    changed = {k for k in ("template", "system", "license", "parameters", "messages")
               if body.get(k)}
    for blob_ in manifest.layers:
        kind = blob_.media_type.rsplit(".", 1)[-1]
        new = kind in changed or (kind == "params" and "parameters" in changed)
        verb = "creating new layer" if new else "using existing layer"
        lines.append({"status": f"{verb} {blob_.digest}"})
    for extra in sorted(changed - {"template", "license", "parameters"}):
        digest = hashlib.sha256(str(body[extra]).encode()).hexdigest()
        lines.append({"status": f"creating new layer sha256:{digest}"})
    lines += [{"status": "writing manifest"}, {"status": "success"}]
    h.sim.state.install(target, variant)
    _send_lines(h, body, lines)


def push(h: SimHandler, body: dict[str, Any]) -> None:
    name = str(body.get("model") or body.get("name") or "")
    if not name:
        raise HttpError(400, "model is required")
    lines: list[dict[str, Any]] = [{"status": "retrieving manifest"}]
    parsed = local_ref(name)
    if parsed is None or h.sim.state.get(parsed) is None:
        lines += [{"status": "couldn't retrieve manifest"},
                  {"error": "open manifest: file does not exist"}]
    else:
        lines.append({"error": f'unauthorized: unknown ollama key "{SIM_PUBLIC_KEY}"'})
    _send_lines(h, body, lines)


def _send_lines(h: SimHandler, body: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    if body.get("stream", True) is False:  # waitForStream: the last line, 500 on an error
        last = lines[-1]
        if "error" in last:
            raise HttpError(500, last["error"], from_stream=True)
        h.send_json(200, last, BARE_JSON)
        return
    stream = h.stream()
    for line in lines:
        stream.send(line)
    stream.end()


__all__ = ["blob", "create", "embed", "embeddings", "go_timestamp", "push"]
