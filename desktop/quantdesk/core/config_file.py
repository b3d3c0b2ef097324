"""The settings file on disk, read and written so that a bad file loses nothing.

A hand-edited ``config.json`` can be anything: not UTF-8, not JSON, nested without end, a
value of the wrong kind. Reading says which, in a sentence naming the file. The tolerant read
(``read_settings``, used by the command line) keeps every good value and reports each bad
one. Writing is atomic, and a file that does not load is copied aside before a save replaces
it, so a user's edit is never silently overwritten.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from quantdesk.core import safe_json
from quantdesk.core.atomic import AtomicWriteError, write_atomic
from quantdesk.core.config import (
    ConfigError,
    Settings,
    config_path,
    from_dict,
    load_settings,
    upgrade,
)

_MAX_BYTES = 1 << 20  # a real settings file is a few hundred bytes
_RESTART = "fix it or delete it to start from the defaults."


def read_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when there is no file; ConfigError otherwise."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the settings file {path}: {exc.strerror}.") from exc
    if len(raw) > _MAX_BYTES:
        raise ConfigError(f"the settings file {path} is over 1 MiB, far more than settings "
                          f"take; {_RESTART}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"the settings file {path} is not UTF-8 text (byte {exc.start}); "
                          f"{_RESTART}") from None
    try:
        data = safe_json.loads(text, max_depth=8)
    except safe_json.JsonRejected as exc:
        where = f"line {text.count(chr(10), 0, exc.pos) + 1}" if exc.pos is not None else exc
        raise ConfigError(f"the settings file {path} is not valid JSON ({where}); "
                          f"{_RESTART}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the settings file {path} should hold a JSON object.")
    return data


@dataclass(frozen=True, slots=True)
class SettingsRead:
    """What a tolerant read found: every value that is fine, and a sentence per problem."""

    settings: Settings
    problems: tuple[str, ...] = ()


def read_settings(path: Path | None = None) -> SettingsRead:
    """Like ``load_settings``, but a bad value costs only itself: the other values are kept,
    and each problem is reported for the caller to show."""
    path = path or config_path()
    try:
        return SettingsRead(load_settings(path))
    except ConfigError as whole:
        try:
            data = read_object(path) or {}
            upgrade(data)
        except ConfigError:
            return SettingsRead(Settings(), (f"{whole} The defaults are used.",))
    good: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields(Settings):
        if f.name not in data:
            continue
        try:
            from_dict({"version": data.get("version", 0), f.name: data[f.name]})
        except ConfigError as exc:
            problems.append(f"{path}: {exc} The default is used instead.")
        else:
            good[f.name] = data[f.name]
    return SettingsRead(Settings(**good), tuple(problems))


def keep_unreadable(path: Path) -> Path | None:
    """Copy a file that does not load aside (``<name>.invalid-<time>``) and return where;
    None when it loads. Raises ConfigError when the copy cannot be made."""
    try:
        load_settings(path)
        return None
    except ConfigError:
        pass
    backup = path.with_name(f"{path.name}.invalid-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        shutil.copy2(path, backup)
    except OSError as exc:
        raise ConfigError(
            f"the settings file {path} does not load, and keeping a copy of it failed "
            f"({exc.strerror}); nothing was saved, so nothing of it is lost."
        ) from exc
    return backup


def write_settings_text(path: Path, text: str) -> None:
    """Write the whole file at once, or leave the old one; ConfigError says why not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the settings folder {path.parent} "
                          f"({exc.strerror}); the settings were not saved.") from exc
    try:
        write_atomic(path, text)
    except AtomicWriteError as exc:
        raise ConfigError(f"the settings were not saved: {exc}.") from exc
