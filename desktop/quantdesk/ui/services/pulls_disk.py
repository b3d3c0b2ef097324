"""Free disk space before a pull, when the daemon writes to this machine's disk.

Only a daemon on a loopback address stores blobs where we can look; for a remote daemon the
check is skipped (its disk is not ours to measure). The models folder is ``OLLAMA_MODELS``,
else ``~/.ollama/models``; when that folder does not exist yet (nothing pulled so far) the
nearest existing parent, and finally the home folder, stands in: they share its file system.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama.host import OllamaHost, parse_host

# Room left over after a pull: the daemon writes the manifest and the OS needs some slack.
HEADROOM_BYTES = 256 * 1024 * 1024


class DiskSpaceShort(QuantDeskError):
    def __init__(self, model: str, needed: int, free: int, where: Path) -> None:
        super().__init__(
            f"Not enough disk space to pull {model}: it needs {_gb(needed)} and only "
            f"{_gb(free)} is free in {where}. Delete models you no longer use, or free space "
            "on that disk, then retry."
        )
        self.needed = needed
        self.free = free
        self.where = where


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB"


def is_local(host: str | OllamaHost) -> bool:
    """True when the daemon listens on this machine (a loopback address or ``localhost``)."""
    parsed = host if isinstance(host, OllamaHost) else parse_host(host)
    name = parsed.host.lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def models_dir(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The folder whose file system the daemon fills (existing, so it can be measured)."""
    environ = os.environ if env is None else env
    home = home or Path.home()
    configured = environ.get("OLLAMA_MODELS", "").strip()
    candidate = Path(configured).expanduser() if configured else home / ".ollama" / "models"
    for folder in (candidate, *candidate.parents):
        if folder.is_dir():
            # "/" would measure the wrong disk when the home folder is mounted elsewhere.
            if folder == Path(folder.anchor) and not configured:
                break
            return folder
    return home


@dataclass(frozen=True, slots=True)
class DiskCheck:
    where: Path
    free: int


def free_space(
    folder: Path, usage: Callable[[Path], tuple[int, int, int]] = shutil.disk_usage
) -> DiskCheck:
    return DiskCheck(folder, int(usage(folder)[2]))


def require_space(model: str, needed: int, check: DiskCheck) -> None:
    """Raise DiskSpaceShort when ``needed`` bytes (plus headroom) do not fit."""
    if needed > 0 and needed + HEADROOM_BYTES > check.free:
        raise DiskSpaceShort(model, needed, check.free, check.where)
