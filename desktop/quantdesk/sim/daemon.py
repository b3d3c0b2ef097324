"""``SimDaemon``: the simulated Ollama daemon on a loopback port (see the package docstring)."""

from __future__ import annotations

import threading
import time
from typing import Any

from quantdesk.sim import embed_api, generate_api, models_api, openai_api, pull_api
from quantdesk.sim.catalog import Catalog, catalog
from quantdesk.sim.faults import Faults
from quantdesk.sim.http import Endpoint, SimServer
from quantdesk.sim.memory import GIB, SimMachine, default_num_ctx, footprint
from quantdesk.sim.names import parse_name
from quantdesk.sim.remote.routes import RemoteSite
from quantdesk.sim.state import LoadedModel, SimState
from quantdesk.sim.wire import DEFAULT_KEEP_ALIVE, parse_version


class SimDaemon:
    """A loopback HTTP/1.1 server speaking the Ollama API over the simulated catalog."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        version: str = "0.32.15",
        installed: list[str] | None = None,
        pull_bandwidth: float = 200e6,
        token_rate_scale: float = 1.0,
        loaded: list[str] | None = None,
        vram_bytes: int = 24 * GIB,
        ram_bytes: int = 32 * GIB,
        progress_interval: float = 0.06,
        reply_words: int | None = None,
        time_scale: float = 1.0,
        verify_bandwidth: float = 1.7 * (1 << 30),
    ) -> None:
        if pull_bandwidth <= 0 or token_rate_scale <= 0 or progress_interval <= 0:
            raise ValueError("bandwidth, token rate scale and progress interval must be > 0")
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        if reply_words is not None and reply_words < 0:
            raise ValueError("reply_words must be >= 0 (or None for the natural length)")
        self.bind_host = host
        self.port = port
        self.version = version
        self.version_tuple = parse_version(version)
        self.pull_bandwidth = pull_bandwidth
        self.token_rate_scale = token_rate_scale
        # Fast-forward: loads and generation run ``time_scale`` times faster on the real clock
        # while the reported durations stay those of the simulated machine (screenshots
        # finish in seconds and still show the card's true speeds). token_rate_scale, by
        # contrast, makes the simulated machine itself faster.
        self.time_scale = time_scale
        self.progress_interval = progress_interval
        # bytes/s the daemon hashes a pulled blob at before "writing manifest" (verifyBlob)
        self.verify_bandwidth = verify_bandwidth
        # None: replies stop at their natural length; an int: every reply that is not a
        # generated task runs that long unless num_predict or the context stops it first.
        self.reply_words = reply_words
        self.machine = SimMachine(vram_bytes=vram_bytes, ram_bytes=ram_bytes)
        self.catalog: Catalog = catalog()
        self.state = SimState()
        self.faults = Faults()
        # The remote side (registry, CDN, tags pages, Hugging Face) on the same port and
        # catalog, so digests agree; latency and failures via ``self.remote.faults``.
        self.remote = RemoteSite(self.catalog)
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.routes: dict[str, dict[str, Endpoint]] = {
            "/": {"GET": models_api.root, "HEAD": models_api.root},
            "/api/version": {"GET": models_api.version, "HEAD": models_api.version},
            "/api/tags": {"GET": models_api.tags, "HEAD": models_api.tags},
            "/api/ps": {"GET": models_api.ps},
            "/api/show": {"POST": models_api.show},
            "/api/pull": {"POST": pull_api.pull},
            "/api/delete": {"DELETE": models_api.delete},
            "/api/copy": {"POST": models_api.copy},
            "/api/generate": {"POST": generate_api.generate_endpoint},
            "/api/chat": {"POST": generate_api.chat_endpoint},
            "/api/embed": {"POST": embed_api.embed},
            "/api/embeddings": {"POST": embed_api.embeddings},
            "/api/create": {"POST": embed_api.create},
            "/api/push": {"POST": embed_api.push},
            "/v1/chat/completions": {"POST": openai_api.chat_completions},
            "/v1/completions": {"POST": openai_api.completions},
            "/v1/embeddings": {"POST": openai_api.embeddings},
            "/v1/models": {"GET": openai_api.models},
        }
        # gin's ":param" routes (server/routes.go GenerateRoutes)
        self.prefix_routes: dict[str, dict[str, Endpoint]] = {
            "/api/blobs/": {"HEAD": embed_api.blob, "POST": embed_api.blob},
            "/v1/models/": {"GET": openai_api.model},
        }
        self.uploads: dict[str, bytes] = {}  # digest -> bytes POSTed to /api/blobs
        # set to a list to record every request (method, path, JSON body, auth/accept headers)
        self.request_log: list[dict[str, Any]] | None = None
        now = time.time_ns()
        for i, name in enumerate(installed or []):
            # Earlier names are newer, so /api/tags lists them in the order given.
            self.install(name, modified_ns=now - i * 1_000_000_000)
        for name in loaded or []:
            self.load(name)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> SimDaemon:
        with self._lock:
            if self._server is not None:
                return self
            server = SimServer((self.bind_host, self.port), self)
            self.port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"sim-daemon-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and cuts open connections (mid-stream clients see a broken stream)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.close_all()
        if thread is not None:
            thread.join(timeout=5)

    def restart(self) -> None:
        """Like a daemon restart: same port; loaded models are lost, partial downloads kept."""
        self.stop()
        self.state.forget_runtime()
        self.start()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> SimDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------
    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: a value for OLLAMA_HOST."""
        return f"{self.bind_host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    # -- state for tests and demos ----------------------------------------------------------
    def install(self, name: str, *, modified_ns: int | None = None) -> None:
        """Puts a catalog model on the simulated disk as if it had been pulled."""
        parsed = parse_name(name)
        variant = self.catalog.resolve(parsed) if parsed else None
        if parsed is None or variant is None:
            raise ValueError(f"{name!r} is not in the simulator's catalog")
        self.state.install(parsed, variant, modified_ns)

    def load(
        self, name: str, *, num_ctx: int | None = None, keep_alive_s: float | None = None
    ) -> None:
        """Marks an installed model as loaded without a request (no pacing, no OOM check)."""
        parsed = parse_name(name)
        model = self.state.get(parsed) if parsed else None
        if parsed is None or model is None:
            raise ValueError(f"{name!r} is not installed in the simulator")
        v = model.variant
        ctx = num_ctx or default_num_ctx(v, self.machine, self.version_tuple)
        keep = DEFAULT_KEEP_ALIVE.total_seconds() if keep_alive_s is None else keep_alive_s
        now = time.time_ns()
        self.state.set_runner(
            parsed,
            LoadedModel(
                model.name, model, ctx, footprint(v, ctx, self.machine, self.version_tuple),
                now + int(keep * 1e9), now,
            ),
        )

    def partial_download(self, name: str, fraction: float) -> None:
        """Puts ``fraction`` of a catalog model's weights on the simulated disk, as a cancelled
        pull leaves them; the next pull of it resumes from there."""
        if not 0.0 <= fraction < 1.0:
            raise ValueError("fraction must be in [0, 1)")
        manifest = self.catalog.manifest_for(name)
        if manifest is None:
            raise ValueError(f"{name!r} is not in the simulator's catalog")
        weights = max(manifest.layers, key=lambda b: b.size)
        owner = object()
        want = int(weights.size * fraction)
        have = self.state.blob_bytes(weights.digest)
        if want > have:
            self.state.advance_blob(weights.digest, owner, weights.size, want - have)
        self.state.release_blob(weights.digest, owner)

    def installed_names(self) -> list[str]:
        """Installed model names, newest first."""
        return [m.name for m in self.state.installed()]

    def loaded_names(self) -> list[str]:
        return [m.name for m in self.state.loaded()]

    def blob_progress(self, name: str) -> dict[str, tuple[int, int]]:
        """digest → (bytes on disk, size) for every blob of a catalog model."""
        manifest = self.catalog.manifest_for(name)
        if manifest is None:
            raise ValueError(f"{name!r} is not in the simulator's catalog")
        return {b.digest: (self.state.blob_bytes(b.digest), b.size) for b in manifest.blobs}

    def __repr__(self) -> str:
        return f"SimDaemon(url={self.url!r}, version={self.version!r}, running={self.running})"

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "version": self.version,
            "installed": self.installed_names(),
            "loaded": self.loaded_names(),
        }
