"""On-disk cache for library pages, with a time-to-live.

Tags pages change a few times a month and the site rate-limits scrapers, so a page is reused
for ``ttl_s`` (default one hour). Manifests are not cached: they are what tells a stale
local copy from the current one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from quantdesk.core.paths import cache_dir

DEFAULT_TTL_S = 3600.0


class PageCache:
    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory) if directory is not None else cache_dir()
        self.ttl_s = ttl_s
        self._clock = clock

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def get(self, key: str) -> str | None:
        """The cached text for ``key`` while younger than the TTL; None otherwise."""
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            if entry.get("key") != key:
                return None
            if self._clock() - float(entry["stored_at"]) > self.ttl_s:
                return None
            return str(entry["body"])
        except (OSError, ValueError, KeyError, TypeError):
            # A missing, unreadable or half-written entry is a miss, never an error.
            return None

    def put(self, key: str, body: str) -> None:
        """Store ``body``; a cache that cannot be written is silently skipped."""
        entry = {"key": key, "stored_at": self._clock(), "body": body}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh)
            os.replace(tmp, self._path(key))
        except OSError:
            return

    def clear(self) -> None:
        for path in self.directory.glob("*.json"):
            path.unlink(missing_ok=True)


class NoCache(PageCache):
    """A cache that never hits (``--no-cache``, tests)."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.gettempdir()), ttl_s=0)

    def get(self, key: str) -> str | None:
        return None

    def put(self, key: str, body: str) -> None:
        return
