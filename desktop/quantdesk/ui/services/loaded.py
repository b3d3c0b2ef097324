"""The app's one model of what is loaded, for Qt: a ``LoadedState`` kept on the GUI thread.

It is fed by the ``/api/ps`` poll (with the time each poll was sent) and by every operation
that changes what is loaded or says so: loads, unloads and switches (``services.running``),
comparisons (``services.compare``) and pulls (``services.pulls``). The status bar, the Running
page, the Library, the tray and the palette render from ``state`` / ``lines()`` and redraw on
``changed``, so no line can outlive its state or disagree with another.

Operations end on their work's own signal; the next poll then settles them. That poll is
asked for at once, so a finished load does not say "Loading…" for a whole poll interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.loaded_lines import ModelLine, StatusLines, model_line, status_lines
from quantdesk.core.loaded_state import LoadedState, Operation, OperationKind
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import RunningModel

if TYPE_CHECKING:
    from quantdesk.core.compare.results import ComparisonResult, RunResult
    from quantdesk.core.pulls.state import PullState
    from quantdesk.ui.services.compare import CompareService
    from quantdesk.ui.services.connection import ConnectionService, ConnectionState
    from quantdesk.ui.services.hardware import HardwareService
    from quantdesk.ui.services.pulls import PullsService
    from quantdesk.ui.services.running import RunningService

COMPARE_OP = "compare"
_RUNNING_KINDS: dict[str, OperationKind] = {"load": "load", "unload": "unload",
                                            "switch": "switch"}
_ACTIVE_RUN_STATES = ("pulling", "loading", "running")


class LoadedModels(QObject):
    """Signals:
    changed(object): the new LoadedState (emitted only when it differs)
    """

    changed = Signal(object)

    def __init__(self, running: RunningService, hardware: HardwareService,
                 connection: ConnectionService, *,
                 clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._running = running
        self._state = LoadedState()
        self._compare_runs = 0
        if hardware.machine is not None:
            self._on_machine(hardware.machine)
        running.snapshot.connect(self._on_snapshot)
        running.action_started.connect(self._on_action_started)
        running.action_finished.connect(
            lambda model, action: self._end(f"{action}\n{model}", refresh=False))
        running.action_failed.connect(
            lambda model, action, msg: self._fail(f"{action}\n{model}", msg))
        hardware.probed.connect(self._on_machine)
        connection.state_changed.connect(self._on_connection)
        connection.host_changed.connect(self._on_host_changed)

    # -- reading ----------------------------------------------------------------------------

    @property
    def state(self) -> LoadedState:
        return self._state

    def lines(self) -> StatusLines:
        return status_lines(self._state)

    def line(self, name: str) -> ModelLine:
        return model_line(self._state, name)

    def dismiss(self, model: str | None = None) -> None:
        self._set(self._state.dismiss(model))

    # -- more sources -----------------------------------------------------------------------

    def follow_compare(self, compare: CompareService) -> None:
        compare.started.connect(self._on_compare_started)
        compare.run_changed.connect(self._on_compare_run)
        compare.finished.connect(lambda _r: self._end(COMPARE_OP))
        # A failed comparison or pull is told on its own page; here it only ends.
        compare.failed.connect(lambda _msg: self._cancel(COMPARE_OP))
        compare.cancelled.connect(lambda: self._cancel(COMPARE_OP))

    def follow_pulls(self, pulls: PullsService) -> None:
        pulls.changed.connect(self._on_pull)
        pulls.finished.connect(lambda name: self._end(f"pull\n{name}"))
        pulls.failed.connect(lambda name, _msg: self._cancel(f"pull\n{name}"))
        pulls.cancelled.connect(lambda name: self._cancel(f"pull\n{name}"))
        pulls.removed.connect(lambda name: self._cancel(f"pull\n{name}"))

    # -- handlers ---------------------------------------------------------------------------

    def _set(self, state: LoadedState) -> None:
        if state != self._state:
            self._state = state
            self.changed.emit(state)

    def _on_snapshot(self, asked_at: float, models: list[RunningModel]) -> None:
        self._set(self._state.with_snapshot(models, asked_at))

    def _on_machine(self, machine: Machine) -> None:
        self._set(self._state.with_gpu_total(machine.total_vram_bytes))

    def _on_connection(self, state: ConnectionState) -> None:
        if state.status == "unreachable":
            self._set(self._state.with_unreachable(self._clock()))

    def _on_host_changed(self, _host: str) -> None:
        # Another daemon: nothing known about it yet, no operation of the old one applies.
        self._set(LoadedState(gpu_total_bytes=self._state.gpu_total_bytes))

    def _on_action_started(self, model: str, action: str) -> None:
        kind = _RUNNING_KINDS.get(action)
        if kind is None:
            return
        num_ctx = self._running.num_ctx if kind in ("load", "switch") else 0
        self._set(self._state.start(Operation(f"{action}\n{model}", kind, model,
                                              self._clock(), num_ctx=num_ctx)))

    def _on_compare_started(self, result: ComparisonResult) -> None:
        self._compare_runs = len(result.runs)
        self._set(self._state.start(Operation(COMPARE_OP, "compare", "", self._clock())))

    def _on_compare_run(self, model: str, run: RunResult) -> None:
        if run.state not in _ACTIVE_RUN_STATES:
            return
        detail = (f"{run.position + 1} of {self._compare_runs}"
                  if self._compare_runs > 1 and run.position >= 0 else "")
        self._set(self._state.update(COMPARE_OP, model=model, detail=detail))

    def _on_pull(self, name: str, pull: PullState) -> None:
        op_id = f"pull\n{name}"
        if not pull.active:
            return  # its end arrives as finished / failed / cancelled
        detail = f"{pull.fraction:.0%}" if pull.phase == "pulling" else "waiting"
        if all(o.id != op_id for o in self._state.operations):
            self._set(self._state.start(Operation(op_id, "pull", name, self._clock(),
                                                  detail=detail)))
        else:
            self._set(self._state.update(op_id, detail=detail))

    def _end(self, op_id: str, *, refresh: bool = True) -> None:
        self._set(self._state.finish(op_id, self._clock()))
        if refresh:
            self._running.refresh()

    def _fail(self, op_id: str, message: str) -> None:
        """A load, unload or switch failed (the Running service polls again itself)."""
        self._set(self._state.fail(op_id, message, self._clock()))

    def _cancel(self, op_id: str) -> None:
        self._set(self._state.cancel(op_id))
        self._running.refresh()
