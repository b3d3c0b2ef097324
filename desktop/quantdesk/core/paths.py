"""Where QuantDesk keeps its per-user files: settings, history and cached library pages.

Each folder has its own ``QUANTDESK_*_DIR`` override (tests and packaged smoke runs point them
at temporary folders), then the XDG variable, then the platform's convention. The cache
folder reads ``XDG_CACHE_HOME`` only off macOS and Windows, as it always has.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _per_user(override: str, xdg: str, windows_var: str, windows_default: str,
              posix_default: str) -> Path:
    """The override itself, else ``quantdesk`` under the XDG folder, else the platform's
    folder (``QuantDesk`` under ``windows_var`` on Windows, Application Support on macOS)."""
    if value := os.environ.get(override):
        return Path(value)
    if value := os.environ.get(xdg):
        return Path(value) / "quantdesk"
    if sys.platform == "win32":
        base = os.environ.get(windows_var)
        return Path(base) / "QuantDesk" if base else Path.home() / windows_default
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "QuantDesk"
    return Path.home() / posix_default


def config_dir() -> Path:
    """``$QUANTDESK_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/quantdesk``, else the platform's
    per-user config folder."""
    return _per_user("QUANTDESK_CONFIG_DIR", "XDG_CONFIG_HOME",
                     "APPDATA", "AppData/Roaming/QuantDesk", ".config/quantdesk")


def data_dir() -> Path:
    """``$QUANTDESK_DATA_DIR``, else ``$XDG_DATA_HOME/quantdesk``, else the platform's
    per-user data folder."""
    return _per_user("QUANTDESK_DATA_DIR", "XDG_DATA_HOME",
                     "LOCALAPPDATA", "AppData/Local/QuantDesk", ".local/share/quantdesk")


def cache_dir() -> Path:
    """The library-page cache: ``$QUANTDESK_CACHE_DIR`` itself, else ``quantdesk/registry``
    under the per-user cache folder (XDG on Linux, Caches on macOS, LOCALAPPDATA on Windows)."""
    if override := os.environ.get("QUANTDESK_CACHE_DIR"):
        return Path(override)
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "quantdesk" / "registry"
