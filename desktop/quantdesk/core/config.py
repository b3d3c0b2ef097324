"""Settings shared by the CLI and the desktop app, stored as one JSON file per user.

The schema is the :class:`Settings` dataclass: every field has a type, a default and a one-line
doc (``field(metadata={"doc": ...})``), so the settings dialog and ``--help`` texts read from one
place. The file carries a ``version`` key; :func:`upgrade` turns an older file into the current
shape (one small step per version), so a rename never loses a user's value.

Where the file lives: ``$QUANTDESK_CONFIG_DIR`` (tests point it at a temporary folder), else
``$XDG_CONFIG_HOME/quantdesk``, else the platform's per-user config folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.paths import config_dir

CONFIG_VERSION = 1
CONFIG_FILE = "config.json"
DEFAULT_HOST = "127.0.0.1:11434"
KV_CACHE_TYPES: tuple[str, ...] = ("f16", "q8_0", "q4_0")
FLASH_ATTENTION: tuple[str, ...] = ("auto", "on", "off")


class ConfigError(QuantDeskError):
    """The settings file cannot be read or holds a value of the wrong kind."""


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = field(default="", metadata=_doc(
        "Ollama daemon address; empty uses OLLAMA_HOST, else 127.0.0.1:11434"))
    registry: str = field(default="", metadata=_doc(
        "Registry / library base URL for remote variants; empty uses the public one"))
    default_context: int = field(default=0, metadata=_doc(
        "Context length to plan for in tokens; 0 uses the daemon's default for this machine"))
    kv_cache_type: str = field(default="f16", metadata=_doc(
        "KV cache type the daemon runs with (OLLAMA_KV_CACHE_TYPE): f16, q8_0 or q4_0"))
    keep_alive: str = field(default="5m", metadata=_doc(
        "How long a model stays loaded after use: a duration like 5m or 1h, -1 for forever"))
    hardware_override: str = field(default="", metadata=_doc(
        "Pretend the machine has other memory, e.g. 'gpu=24GB,ram=64GB'; empty uses the probes"))
    request_timeout: int = field(default=0, metadata=_doc(
        "Seconds a quick daemon request (list, status, show, version) may take in all; "
        "0 uses the built-in 5 s (10 s for show)"))
    flash_attention: str = field(default="auto", metadata=_doc(
        "Flash attention the daemon runs with (OLLAMA_FLASH_ATTENTION): auto (unset), on or "
        "off; a q8_0 or q4_0 KV cache needs it on"))

    def validated(self) -> Settings:
        """The same settings, or :class:`ConfigError` naming the first bad value."""
        if self.default_context < 0:
            raise ConfigError("default_context must be 0 (automatic) or a positive token count.")
        if not 0 <= self.request_timeout <= 3600:
            raise ConfigError("request_timeout must be 0 (built-in) or 1 to 3600 seconds.")
        if self.kv_cache_type not in KV_CACHE_TYPES:
            raise ConfigError(
                f"kv_cache_type must be one of {', '.join(KV_CACHE_TYPES)}, "
                f"not {self.kv_cache_type!r}."
            )
        if self.flash_attention not in FLASH_ATTENTION:
            raise ConfigError(
                f"flash_attention must be one of {', '.join(FLASH_ATTENTION)}, "
                f"not {self.flash_attention!r}."
            )
        from quantdesk.core.ollama.keepalive import parse_keep_alive

        try:
            parse_keep_alive(self.keep_alive)
        except ValueError as exc:
            raise ConfigError(f"keep_alive: {exc}.") from exc
        parse_hardware_override(self.hardware_override)
        return self


@dataclass(frozen=True, slots=True)
class HardwareOverride:
    """The "what if" machine of ``Settings.hardware_override``, in the terms of
    ``core.hardware.machine_override``."""

    gpu_mem: tuple[int, ...] = ()
    ram: int | None = None
    unified: bool = False
    cpu_only: bool = False


def parse_hardware_override(text: str) -> HardwareOverride | None:
    """``"gpu=24GB,gpu=8GB,ram=64GB"``, ``"unified,ram=32GiB"``, ``"cpu-only"``; "" -> None."""
    from quantdesk.core.hardware import SizeError, parse_memory_size

    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    gpus: list[int] = []
    ram: int | None = None
    flags: set[str] = set()
    for part in parts:
        key, sep, value = part.partition("=")
        key = key.strip().lower().replace("_", "-")
        try:
            if sep and key in ("gpu", "vram"):
                gpus.append(parse_memory_size(value))
            elif sep and key == "ram":
                ram = parse_memory_size(value)
            elif not sep and key in ("unified", "cpu-only"):
                flags.add(key)
            else:
                raise ConfigError(
                    f"hardware override {part!r} is not understood; write it like "
                    "'gpu=24GB,ram=64GB', 'unified,ram=32GB' or 'cpu-only'."
                )
        except SizeError as exc:
            raise ConfigError(f"hardware override: {exc}.") from exc
    if "cpu-only" in flags and (gpus or "unified" in flags):
        raise ConfigError("hardware override: cpu-only cannot be combined with gpu= or unified.")
    return HardwareOverride(tuple(gpus), ram, "unified" in flags, "cpu-only" in flags)


def field_docs() -> dict[str, str]:
    """Setting name -> its one-line description, in schema order."""
    return {f.name: f.metadata.get("doc", "") for f in fields(Settings)}


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


# Each step takes the dict of version N and returns the dict of version N+1. Version 0 is a
# file written before the version key existed (it had the same fields).
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda data: data,
}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings dict of any older version to :data:`CONFIG_VERSION`."""
    version = data.get("version", 0)
    if not isinstance(version, int) or version < 0:
        raise ConfigError(f"the settings file has an unreadable version {version!r}.")
    if version > CONFIG_VERSION:
        raise ConfigError(
            f"the settings file was written by a newer QuantDesk (version {version}); "
            "update QuantDesk or delete the file."
        )
    out = dict(data)
    while version < CONFIG_VERSION:
        out = UPGRADES[version](out)
        version += 1
    out["version"] = CONFIG_VERSION
    return out


def from_dict(data: dict[str, Any]) -> Settings:
    """Settings from a (possibly older) dict; unknown keys are ignored, missing ones default."""
    data = upgrade(data)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in data:
            continue
        value = data[f.name]
        expected = int if f.type in ("int", int) else str
        # bool is an int in Python; a true/false here is a hand-edit mistake, not a number.
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(
                f"setting {f.name!r} should be {'a number' if expected is int else 'text'}, "
                f"not {value!r}."
            )
        values[f.name] = value
    return Settings(**values).validated()


def to_dict(settings: Settings) -> dict[str, Any]:
    return {"version": CONFIG_VERSION, **asdict(settings)}


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    from quantdesk.core.config_file import read_object

    path = path or config_path()
    data = read_object(path)
    if data is None:
        return Settings()
    try:
        return from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _kept_keys(path: Path) -> dict[str, Any]:
    """Keys of the file that are not settings (``host_profiles``): a save keeps them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    names = {f.name for f in fields(Settings)} | {"version"}
    return {k: v for k, v in data.items() if k not in names} if isinstance(data, dict) else {}


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically (temp file + rename) so a crash or a full disk never leaves half a
    file; a file that did not load is first copied aside (``config.json.invalid-<time>``)."""
    from quantdesk.core.config_file import keep_unreadable, write_settings_text

    path = path or config_path()
    settings.validated()
    kept = _kept_keys(path) if path.exists() else {}
    if path.exists():
        keep_unreadable(path)
    write_settings_text(path, json.dumps({**to_dict(settings), **kept}, indent=2) + "\n")
    return path


def _stored(path: Path | None) -> Settings:
    try:
        return load_settings(path)
    except ConfigError:
        # A broken file must not stop a command that was told nothing about it; the settings
        # dialog and `load_settings` report the problem where it can be fixed.
        return Settings()


def resolve_host(cli_value: str | None, *, path: Path | None = None) -> str:
    """The daemon address to use: --host, else OLLAMA_HOST, else the settings, else default."""
    if cli_value and cli_value.strip():
        return cli_value.strip()
    env = os.environ.get("OLLAMA_HOST", "").strip()
    if env:
        return env
    return _stored(path).host.strip() or DEFAULT_HOST


def resolve_registry(cli_value: str | None, *, path: Path | None = None) -> str | None:
    """--registry, else the settings' registry, else None (the public registry)."""
    if cli_value and cli_value.strip():
        return cli_value.strip()
    return _stored(path).registry.strip() or None


def with_changes(settings: Settings, **changes: Any) -> Settings:
    """A copy with some fields changed, validated."""
    return replace(settings, **changes).validated()
