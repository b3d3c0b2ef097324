"""Names of the installed models, for the switcher palette, the tray and the Running page.

Refreshed when the daemon (re)connects and after a load or switch; the Library page keeps its
own full table.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from quantdesk.core.ollama import LocalModel
from quantdesk.ui.services.bridge import Bridge
from quantdesk.ui.services.connection import ConnectionService
from quantdesk.ui.services.jobs import Jobs


class InstalledModels(QObject):
    """Signals:
    changed(list): the LocalModel list, after each refresh
    failed(str): why the list could not be read
    """

    changed = Signal(list)
    failed = Signal(str)

    def __init__(self, connection: ConnectionService, bridge: Bridge,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conn = connection
        self._jobs = Jobs(connection.io, bridge, on_finished=self._on_finished,
                          on_failed=lambda _job, msg: self.failed.emit(msg))
        self._models: list[LocalModel] = []
        connection.connected.connect(lambda _v: self.refresh())
        connection.host_changed.connect(lambda _h: self._clear())

    @property
    def models(self) -> list[LocalModel]:
        return list(self._models)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self._models]

    def refresh(self) -> None:
        client = self._conn.client()
        self._jobs.start("tags", client.tags)

    def _on_finished(self, _job: str, models: object) -> None:
        self._models = sorted(models, key=lambda m: m.name)  # type: ignore[call-overload]
        self.changed.emit(self.models)

    def _clear(self) -> None:
        self._models = []
        self.changed.emit([])

    def shutdown(self) -> None:
        self._jobs.cancel_all()
