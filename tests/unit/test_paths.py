"""The per-user folders: each override wins, then XDG, then the platform's convention."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from quantdesk.core import paths

_VARS = ("QUANTDESK_CONFIG_DIR", "QUANTDESK_DATA_DIR", "QUANTDESK_CACHE_DIR", "XDG_CONFIG_HOME",
         "XDG_DATA_HOME", "XDG_CACHE_HOME", "APPDATA", "LOCALAPPDATA")

# HOME moves Path.home() on POSIX only.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX host")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_overrides_name_the_folder_itself(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xc"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xk"))
    monkeypatch.setenv("QUANTDESK_CONFIG_DIR", str(home / "c"))
    monkeypatch.setenv("QUANTDESK_DATA_DIR", str(home / "d"))
    monkeypatch.setenv("QUANTDESK_CACHE_DIR", str(home / "k"))
    assert (paths.config_dir(), paths.data_dir(), paths.cache_dir()) == (
        home / "c", home / "d", home / "k")


def test_linux_uses_xdg_then_dot_folders(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert paths.config_dir() == home / ".config" / "quantdesk"
    assert paths.data_dir() == home / ".local" / "share" / "quantdesk"
    assert paths.cache_dir() == home / ".cache" / "quantdesk" / "registry"
    monkeypatch.setenv("XDG_CONFIG_HOME", "/x/config")
    monkeypatch.setenv("XDG_DATA_HOME", "/x/data")
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    assert paths.config_dir() == Path("/x/config/quantdesk")
    assert paths.data_dir() == Path("/x/data/quantdesk")
    assert paths.cache_dir() == Path("/x/cache/quantdesk/registry")


def test_macos_folders_and_xdg_cache_ignored(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    support = home / "Library" / "Application Support" / "QuantDesk"
    assert paths.config_dir() == support
    assert paths.data_dir() == support
    assert paths.cache_dir() == home / "Library" / "Caches" / "quantdesk" / "registry"


# The cache folder's Windows branch reads os.name, which pathlib itself follows, so it is not
# checked from a POSIX host.
def test_windows_roaming_and_local_folders(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert paths.config_dir() == home / "AppData" / "Roaming" / "QuantDesk"
    assert paths.data_dir() == home / "AppData" / "Local" / "QuantDesk"
    monkeypatch.setenv("APPDATA", "/r")
    monkeypatch.setenv("LOCALAPPDATA", "/l")
    assert paths.config_dir() == Path("/r/QuantDesk")
    assert paths.data_dir() == Path("/l/QuantDesk")
