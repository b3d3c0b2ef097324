"""A simulated Ollama daemon on loopback, for tests, ``make demo`` and benchmarks.

Start one and point any Ollama client at it::

    from quantdesk.sim import SimDaemon

    with SimDaemon(installed=["llama3.1:8b"], pull_bandwidth=2e9, token_rate_scale=50) as sim:
        httpx.get(f"{sim.url}/api/tags")          # sim.url == "http://127.0.0.1:PORT"
        os.environ["OLLAMA_HOST"] = sim.host      # sim.host == "127.0.0.1:PORT"

``SimDaemon(*, host="127.0.0.1", port=0, version="0.32.15", installed=None,
pull_bandwidth=200e6, token_rate_scale=1.0, loaded=None, vram_bytes=24 GiB,
ram_bytes=32 GiB, progress_interval=0.06)``

- ``start()`` / ``stop()`` / ``restart()`` (same port; loaded models are lost, partial
  downloads kept) and context-manager use. ``port=0`` picks a free port; ``.port``, ``.host``,
  ``.url`` tell which.
- ``version`` gates version-dependent behaviour as the real daemon does: /api/tags
  ``capabilities``/``details.context_length`` (>= 0.30.0), /api/ps ``context_length``
  (>= 0.10.0), logprobs (>= 0.12.11), the OOM message (< 0.30: "model requires more system
  memory (X GiB) than is available (Y GiB)"; >= 0.30: "llama-server reported
  out-of-memory during startup: …") and the default num_ctx (VRAM tiers from 0.15.5).
- ``installed``: catalog names on the simulated disk at start (first = newest in /api/tags);
  ``loaded``: names marked loaded at start (default keep-alive 5 min).
- ``pull_bandwidth`` (bytes/s) and ``progress_interval`` (s between pull progress lines)
  pace /api/pull; ``token_rate_scale`` multiplies generation speed and divides load time.
  Reported durations are the real elapsed times.
- ``vram_bytes`` / ``ram_bytes``: the simulated machine; /api/ps ``size``/``size_vram`` and
  load failures follow from it (``quantdesk.sim.memory``).

State for tests: ``install(name)``, ``load(name, num_ctx=, keep_alive_s=)``,
``installed_names()``, ``loaded_names()``, ``blob_progress(name)`` (digest → (on disk,
size)), and ``.state`` (``quantdesk.sim.state.SimState``, thread-safe) for more.

Faults: ``sim.faults`` (``quantdesk.sim.faults.Faults``) — ``drop``, ``stall``,
``malformed``, ``http_error``, ``slow_first_byte`` on a path, each firing once or ``times``
times; plus ``sim.restart()``.

Endpoints (``server/routes.go GenerateRoutes``): ``GET/HEAD /``, ``GET/HEAD /api/version``,
``GET/HEAD /api/tags``, ``GET /api/ps``, ``POST /api/show``, ``POST /api/pull``,
``POST /api/push`` (refused: not signed in), ``DELETE /api/delete``, ``POST /api/copy``,
``POST /api/create``, ``HEAD/POST /api/blobs/:digest``, ``POST /api/generate``,
``POST /api/chat`` (``format``, ``tools``), ``POST /api/embed``, ``POST /api/embeddings`` and the
OpenAI-compatible ``/v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``,
``/v1/models``, ``/v1/models/{model}`` (``quantdesk.sim.openai_api``). Anything else is a
plain-text ``404 page not found`` (wrong method: ``405 method not allowed``). No ``Server``
header, as Go's net/http sends none.

Generation is deterministic (``quantdesk.sim.textgen``): an absent or negative seed counts as
seed 0. The catalog (real tags, sizes, architectures, stable manifests) is
``quantdesk.sim.catalog``.
"""

from quantdesk.sim.daemon import SimDaemon
from quantdesk.sim.faults import Faults
from quantdesk.sim.memory import SimMachine

__all__ = ["Faults", "SimDaemon", "SimMachine"]
