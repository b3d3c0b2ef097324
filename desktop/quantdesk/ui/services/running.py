"""Loaded models: polls ``/api/ps`` while the window is shown, and unloads, loads and switches.

Polling uses one single-shot timer re-armed after each answer, so a slow daemon never gets a
second request stacked on the first, and a hidden window costs no wake-ups at all.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from quantdesk.core.ollama import ConnectionDropped, DaemonUnreachable, OllamaClient, RunningModel
from quantdesk.ui.services.bridge import Bridge
from quantdesk.ui.services.connection import ConnectionService
from quantdesk.ui.services.jobs import Jobs

ACTIVE_INTERVAL_MS = 2000  # window focused: the user is looking at it
BACKGROUND_INTERVAL_MS = 10_000  # visible but another app is focused
MAX_RECENT = 8


class RunningService(QObject):
    """Signals:
    models_changed(list): the RunningModel list after each successful poll
    snapshot(float, list): when the poll was sent (time.monotonic) and its RunningModel list
    action_started(str, str): model, "unload" | "load" | "switch"
    action_finished(str, str): model, action
    action_failed(str, str, str): model, action, a message a user can act on
    switch_ready(str): the model a switch ended with, loaded
    recent_changed(list): recently loaded model names, newest first
    """

    models_changed = Signal(list)
    snapshot = Signal(float, list)
    action_started = Signal(str, str)
    action_finished = Signal(str, str)
    action_failed = Signal(str, str, str)
    switch_ready = Signal(str)
    recent_changed = Signal(list)

    def __init__(
        self,
        connection: ConnectionService,
        bridge: Bridge,
        *,
        keep_alive: str = "5m",
        num_ctx: int = 0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._conn = connection
        self._jobs = Jobs(connection.io, bridge, on_finished=self._on_finished,
                          on_failed=self._on_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        self._mode = "stopped"  # "active" | "background" | "stopped"
        self._models: list[RunningModel] = []
        self._recent: list[str] = []
        self.keep_alive = keep_alive
        self.num_ctx = num_ctx
        self.polls = 0  # answered polls; tests and the benchmark read it
        # A refresh asked for while a poll is out: the answer in flight may predate the work
        # that asked, so one more poll follows it at once.
        self._again = False
        connection.connected.connect(lambda _v: self.refresh())
        connection.host_changed.connect(self._on_host_changed)

    @property
    def models(self) -> list[RunningModel]:
        return list(self._models)

    @property
    def recent(self) -> list[str]:
        return list(self._recent)

    def set_recent(self, names: Sequence[str]) -> None:
        self._recent = list(dict.fromkeys(names))[:MAX_RECENT]

    def set_mode(self, mode: str) -> None:
        """"active", "background" or "stopped" — the main window follows its own visibility."""
        if mode == self._mode:
            return
        was_stopped = self._mode == "stopped"
        self._mode = mode
        if mode == "stopped":
            self._timer.stop()
        elif was_stopped:
            self.refresh()
        elif self._timer.isActive():
            self._timer.start(self._interval())

    def _interval(self) -> int:
        return ACTIVE_INTERVAL_MS if self._mode == "active" else BACKGROUND_INTERVAL_MS

    def refresh(self) -> None:
        """Poll now; the next poll is scheduled when this one answers."""
        self._timer.stop()
        if not self._conn.is_connected:
            return
        if self._jobs.running("ps"):
            self._again = True
            return
        self._again = False
        client = self._conn.client()
        self._jobs.start("ps", lambda: _poll(client))

    def unload(self, model: str) -> None:
        self._run(model, "unload", lambda c: c.unload(model))

    def unload_all(self) -> None:
        names = [m.name for m in self._models]
        for name in names:
            self.unload(name)

    def load(self, model: str) -> None:
        self._run(model, "load", lambda c: self._load(c, model))

    def switch_to(self, model: str) -> None:
        """Unload every other model, then load this one; ends in switch_ready or action_failed."""
        async def switch(client: OllamaClient) -> None:
            # Ask the daemon, not the last poll: something may have loaded since.
            for running in await client.ps():
                if running.name != model:
                    await client.unload(running.name)
            await self._load(client, model)

        self._run(model, "switch", switch)

    async def _load(self, client: OllamaClient, model: str) -> None:
        options: dict[str, Any] | None = {"num_ctx": self.num_ctx} if self.num_ctx else None
        await client.load(model, keep_alive=self.keep_alive, options=options)

    def _run(self, model: str, action: str, work: Any) -> None:
        client = self._conn.client()
        self.action_started.emit(model, action)
        self._jobs.start(f"{action}\n{model}", lambda: work(client))

    def _on_finished(self, job: str, result: object) -> None:
        if job == "ps":
            if isinstance(result, _Gone):
                self._conn.report_unreachable(result.reason)
                return
            self.polls += 1
            asked_at, models = result  # type: ignore[misc]
            self._models = list(models)
            self.snapshot.emit(asked_at, self.models)
            self.models_changed.emit(self.models)
            if self._again:
                self.refresh()
            elif self._mode != "stopped":
                self._timer.start(self._interval())
            return
        action, model = job.split("\n", 1)
        if action in ("load", "switch"):
            self._remember(model)
        self.action_finished.emit(model, action)
        if action == "switch":
            self.switch_ready.emit(model)
        self.refresh()

    def _on_failed(self, job: str, message: str) -> None:
        if job == "ps":
            # The daemon answered, but badly: keep polling at the usual pace.
            if self._again:
                self.refresh()
            elif self._mode != "stopped":
                self._timer.start(self._interval())
            return
        action, model = job.split("\n", 1)
        self.action_failed.emit(model, action, message)
        self.refresh()

    def _remember(self, model: str) -> None:
        self._recent = [model, *(n for n in self._recent if n != model)][:MAX_RECENT]
        self.recent_changed.emit(self.recent)

    def _on_host_changed(self, _host: str) -> None:
        self._jobs.cancel_all()
        self._models = []
        self.models_changed.emit([])

    def shutdown(self) -> None:
        self._timer.stop()
        self._jobs.cancel_all()


class _Gone:
    def __init__(self, reason: str) -> None:
        self.reason = reason


async def _poll(client: OllamaClient) -> tuple[float, list[RunningModel]] | _Gone:
    # The time the request leaves: an operation that ended before it is settled by its answer.
    asked_at = time.monotonic()
    try:
        return asked_at, list(await client.ps())
    except (DaemonUnreachable, ConnectionDropped) as exc:
        return _Gone(str(exc))
