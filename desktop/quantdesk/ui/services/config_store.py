"""The settings as the GUI sees them: one object holding the current :class:`Settings`,
saving through ``core.config`` and telling every page when they change."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from quantdesk.core.config import Settings, save_settings
from quantdesk.core.config_file import read_settings


class ConfigStore(QObject):
    """Signals:
    changed(object): the new Settings, after a successful save
    """

    changed = Signal(object)

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        path: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._path = path
        self.load_problem = ""
        if settings is None:
            # The app still opens with every good value; the settings dialog shows what is
            # wrong, and saving keeps a copy of the file that did not load.
            found = read_settings(path)
            settings = found.settings
            self.load_problem = " ".join(found.problems)
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings

    def save(self, settings: Settings) -> None:
        """Validate, write and announce; raises ConfigError for a bad value (nothing saved)."""
        save_settings(settings.validated(), self._path)
        self._settings = settings
        self.load_problem = ""
        self.changed.emit(settings)
