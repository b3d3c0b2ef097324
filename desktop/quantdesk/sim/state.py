"""What the simulated daemon holds: installed manifests, blobs (complete or partial), runners.

Every method takes the one lock, so request threads and tests may call them at any time.
Names are matched case-insensitively and stored in the casing they were created with.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from quantdesk.sim.catalog import Manifest, Variant, catalog
from quantdesk.sim.memory import Footprint
from quantdesk.sim.names import ModelName, parse_name


@dataclass(frozen=True, slots=True)
class InstalledModel:
    name: str  # display form, "llama3.1:8b"
    variant: Variant
    manifest: Manifest
    modified_ns: int

    @property
    def digest(self) -> str:
        return self.manifest.digest


@dataclass(frozen=True, slots=True)
class LoadedModel:
    name: str
    installed: InstalledModel
    num_ctx: int
    footprint: Footprint
    expires_ns: int
    loaded_ns: int


def _key(name: str | ModelName) -> str | None:
    parsed = parse_name(name) if isinstance(name, str) else name
    return parsed.key if parsed else None


class SimState:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._installed: dict[str, InstalledModel] = {}
        self._blobs: dict[str, int] = {}  # digest -> bytes on disk (== size when complete)
        self._downloaders: dict[str, object] = {}  # digest -> the pull currently writing it
        self._loaded: dict[str, LoadedModel] = {}

    # -- installed models -------------------------------------------------------------------
    def install(
        self, name: ModelName, variant: Variant, modified_ns: int | None = None
    ) -> InstalledModel:
        manifest = catalog().manifest_for(variant.name)
        assert manifest is not None
        model = InstalledModel(
            name.display, variant, manifest, time.time_ns() if modified_ns is None else modified_ns
        )
        with self._lock:
            existing = self._installed.get(name.key)
            if existing:  # keep the casing already on disk
                model = replace(model, name=existing.name)
            self._installed[name.key] = model
            for blob in manifest.blobs:
                self._blobs[blob.digest] = blob.size
        return model

    def get(self, name: str | ModelName) -> InstalledModel | None:
        key = _key(name)
        with self._lock:
            return self._installed.get(key) if key else None

    def installed(self) -> list[InstalledModel]:
        """Newest first, as /api/tags sorts them."""
        with self._lock:
            models = list(self._installed.values())
        return sorted(models, key=lambda m: m.modified_ns, reverse=True)

    def delete(self, name: str | ModelName) -> bool:
        """Removes the manifest and every blob no other manifest uses."""
        key = _key(name)
        with self._lock:
            model = self._installed.pop(key, None) if key else None
            if model is None:
                return False
            used = {b.digest for m in self._installed.values() for b in m.manifest.blobs}
            for blob in model.manifest.blobs:
                if blob.digest not in used:
                    self._blobs.pop(blob.digest, None)
            return True

    def copy(self, source: InstalledModel, destination: ModelName) -> InstalledModel:
        model = replace(source, name=destination.display, modified_ns=time.time_ns())
        with self._lock:
            existing = self._installed.get(destination.key)
            if existing:  # overwritten in place: the file, and so its casing, stays
                model = replace(model, name=existing.name)
            self._installed[destination.key] = model
        return model

    # -- blobs ------------------------------------------------------------------------------
    def blob_bytes(self, digest: str) -> int:
        """Bytes of a blob on disk: 0 absent, < size partial, == size complete."""
        with self._lock:
            return self._blobs.get(digest, 0)

    def advance_blob(self, digest: str, owner: object, total: int, step: int) -> tuple[int, bool]:
        """One download tick: the owner of a blob moves it ``step`` bytes on; another pull of
        the same blob just reads the progress. Returns (completed, this caller owns it)."""
        with self._lock:
            holder = self._downloaders.get(digest)
            if holder is None:
                self._downloaders[digest] = holder = owner
            done = self._blobs.get(digest, 0)
            if holder is owner and done < total:
                done = min(total, done + step)
                self._blobs[digest] = done
            if done >= total and holder is owner:
                del self._downloaders[digest]
            return done, holder is owner

    def release_blob(self, digest: str, owner: object) -> None:
        """A pull stops writing a blob (cancelled); its partial bytes stay for a resume."""
        with self._lock:
            if self._downloaders.get(digest) is owner:
                del self._downloaders[digest]

    # -- runners ----------------------------------------------------------------------------
    def sweep(self, now_ns: int | None = None) -> None:
        """Unloads runners whose keep-alive has run out."""
        now_ns = time.time_ns() if now_ns is None else now_ns
        with self._lock:
            for key in [k for k, m in self._loaded.items() if m.expires_ns <= now_ns]:
                del self._loaded[key]

    def loaded(self) -> list[LoadedModel]:
        """Longest remaining keep-alive first, as /api/ps sorts them."""
        self.sweep()
        with self._lock:
            models = list(self._loaded.values())
        return sorted(models, key=lambda m: m.expires_ns, reverse=True)

    def runner(self, name: str | ModelName) -> LoadedModel | None:
        self.sweep()
        key = _key(name)
        with self._lock:
            return self._loaded.get(key) if key else None

    def set_runner(self, name: ModelName, model: LoadedModel) -> None:
        with self._lock:
            self._loaded[name.key] = model

    def unload(self, name: str | ModelName) -> bool:
        key = _key(name)
        with self._lock:
            return self._loaded.pop(key, None) is not None if key else False

    def forget_runtime(self) -> None:
        """A daemon restart: runners and in-flight downloads go, files on disk stay."""
        with self._lock:
            self._loaded.clear()
            self._downloaders.clear()
