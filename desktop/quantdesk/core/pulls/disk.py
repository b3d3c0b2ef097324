"""Free disk space before a pull, measured where the daemon really writes its blobs.

Only a daemon on a loopback address stores blobs where we can look; for a remote daemon the
check is skipped, with that reason stated (its disk is not ours to measure).

The models folder, in the order the daemon itself would use it:
1. ``OLLAMA_MODELS`` when set;
2. a Linux service install (``ollama.service`` under systemd) runs as the ``ollama`` user,
   whose models live in ``/usr/share/ollama/.ollama/models`` (the unit's own
   ``Environment=OLLAMA_MODELS=...`` wins when it sets one);
3. ``~/.ollama/models``.
A folder that does not exist yet (nothing pulled so far) is measured at its nearest existing
parent, and finally at the home folder: they share its file system.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.ollama.host import OllamaHost, parse_host

# Room left over after a pull: the daemon writes the manifest and the OS needs some slack.
HEADROOM_BYTES = 256 * 1024 * 1024
SERVICE_MODELS = Path("usr/share/ollama/.ollama/models")
SERVICE_UNITS = (Path("etc/systemd/system/ollama.service"),
                 Path("usr/lib/systemd/system/ollama.service"),
                 Path("lib/systemd/system/ollama.service"))
_UNIT_MODELS = re.compile(r"""^\s*Environment\s*=.*?["']?OLLAMA_MODELS=([^"'\s]+)""", re.M)


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


def service_unit(root: Path = Path("/")) -> Path | None:
    """The systemd unit of a Linux service install, when there is one."""
    return next((root / u for u in SERVICE_UNITS if (root / u).is_file()), None)


def _unit_models(unit: Path) -> str:
    texts = [unit]
    drop_ins = unit.with_name(unit.name + ".d")
    if drop_ins.is_dir():
        texts += sorted(drop_ins.glob("*.conf"))
    found = ""
    for path in texts:  # later drop-ins override earlier settings, as systemd reads them
        try:
            match = _UNIT_MODELS.findall(path.read_text(errors="replace"))
        except OSError:
            continue
        if match:
            found = match[-1]
    return found


def configured_models_dir(env: Mapping[str, str] | None = None, home: Path | None = None,
                          root: Path = Path("/")) -> tuple[Path, str]:
    """Where the daemon keeps its models, and why we think so (for messages)."""
    environ = os.environ if env is None else env
    configured = environ.get("OLLAMA_MODELS", "").strip()
    if configured:
        return Path(configured).expanduser(), "OLLAMA_MODELS"
    unit = service_unit(root)
    if unit is not None:
        in_unit = _unit_models(unit)
        if in_unit:
            return Path(in_unit), f"OLLAMA_MODELS in {unit}"
        if (root / SERVICE_MODELS).is_dir():
            return root / SERVICE_MODELS, "the service install's folder"
    return (home or Path.home()) / ".ollama" / "models", "the default folder"


def models_dir(env: Mapping[str, str] | None = None, home: Path | None = None,
               root: Path = Path("/")) -> Path:
    """The folder whose file system the daemon fills (existing, so it can be measured)."""
    home = home or Path.home()
    candidate, why = configured_models_dir(env, home, root)
    chosen = why != "the default folder"
    for folder in (candidate, *candidate.parents):
        if folder.is_dir():
            # "/" would measure the wrong disk when the home folder is mounted elsewhere.
            if folder == Path(folder.anchor) and not chosen:
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


def skip_reason(host: str | OllamaHost) -> str:
    """Why the disk check does not run for ``host`` ("" when it does)."""
    if is_local(host):
        return ""
    parsed = host if isinstance(host, OllamaHost) else parse_host(host)
    return (f"the disk check is skipped: the daemon at {parsed.netloc} is on another "
            "machine, whose free space cannot be measured from here")
