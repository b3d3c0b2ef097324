"""Host profiles in ``config.json`` (key ``host_profiles``: daemon address -> profile).

The settings file is shared with the app's settings (``core.config``), so profiles are read and
written beside them and a write keeps every other key. A malformed profile is skipped (and
said so by :func:`load_profiles`' second value), never fatal. A simulator's profile lapses
when its process is gone, so a crashed simulator cannot describe a real daemon started later
on the same port.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import psutil

from quantdesk.core.config import config_path
from quantdesk.core.hosts.profile import HostProfile, host_key

KEY = "host_profiles"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _alive(profile: HostProfile) -> bool:
    return profile.source != "simulated" or (profile.pid > 0 and psutil.pid_exists(profile.pid))


def load_profiles(path: Path | None = None) -> tuple[dict[str, HostProfile], list[str]]:
    """Profiles by host key, and what was skipped (one sentence each)."""
    raw = _read(path or config_path()).get(KEY) or {}
    out: dict[str, HostProfile] = {}
    skipped: list[str] = []
    if not isinstance(raw, dict):
        return out, [f"{KEY} in the settings file is not an object; ignored"]
    for key, entry in raw.items():
        try:
            profile = HostProfile.from_json({**entry, "host": entry.get("host") or key})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            skipped.append(f"the host profile for {key} is unreadable ({exc}); ignored")
            continue
        if _alive(profile):
            out[profile.host] = profile
    return out, skipped


def profile_for(host: str, path: Path | None = None) -> HostProfile | None:
    return load_profiles(path)[0].get(host_key(host))


def save_profile(profile: HostProfile, path: Path | None = None) -> Path:
    path = path or config_path()
    data = _read(path)
    profiles: dict[str, Any] = data[KEY] if isinstance(data.get(KEY), dict) else {}
    profiles[profile.host] = profile.to_json()
    data[KEY] = profiles
    data.setdefault("version", 1)
    _write(path, data)
    return path


def remove_profile(host: str, path: Path | None = None, *, pid: int | None = None) -> bool:
    """Forget the profile of ``host`` (only if it belongs to process ``pid``, when given)."""
    path = path or config_path()
    data = _read(path)
    profiles = data.get(KEY)
    key = host_key(host)
    if not isinstance(profiles, dict) or key not in profiles:
        return False
    if pid is not None and (profiles[key] or {}).get("pid") != pid:
        return False
    del profiles[key]
    _write(path, data)
    return True
