"""Where the window remembers its geometry and last page: an INI file beside the settings
(so ``QUANTDESK_CONFIG_DIR`` redirects it in tests), never the platform registry."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from quantdesk.core.paths import config_dir


def window_settings() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
