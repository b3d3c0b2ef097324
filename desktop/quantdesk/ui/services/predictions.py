"""Our own size prediction for each loaded model, shown next to Ollama's measured size, and the
per-machine correction those pairs teach.

The first time a model is seen loaded (name, digest, context), ``/api/show`` gives its
architecture and tensors, the fit estimate predicts the runner's size at the context the daemon
really used, and the (predicted, observed) pair goes to the history file
(``core.store.load_pairs``: a repeat within minutes is not written again). The estimate and
every file access run in a worker thread of the I/O loop; the file is opened per use, so a
window that never loads a model never creates it.

Pairs are kept for the *probed* machine only: a "what if" override from the settings does not
change where the model really loaded, and the demo's simulated machine must not teach the
real one (it carries an ``override`` description, so it is skipped).

One service per app (``services.predictions``): the Running page asks for predictions and
the Machine page shows the correction, both from the same signals.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Calibration
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient, RunningModel, ShowResponse
from quantdesk.core.store import HistoryStore
from quantdesk.core.store.load_pairs import (
    LoadObservation,
    calibration_for,
    read_calibration,
    record_observed_load,
)
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

log = logging.getLogger(__name__)

CALIBRATION_JOB = "calibration"


@dataclass(frozen=True, slots=True)
class _Answer:
    observation: LoadObservation
    calibration: Calibration | None  # None: nothing was read (no real machine, no file)


class PredictionService(QObject):
    """Signals:
    predicted(str, object): model name, predicted total bytes (RAM + VRAM, as /api/ps size)
    observed(str, object): model name, the LoadObservation (pair, prediction, newly recorded)
    calibration_changed(object): the probed machine's Calibration, after a read or a new pair
    """

    predicted = Signal(str, object)  # object: byte counts overflow a C++ int
    observed = Signal(str, object)
    calibration_changed = Signal(object)

    def __init__(self, services: Services, parent: QObject | None = None, *,
                 history_path: Path | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.history_path = history_path  # None: the usual history file
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                          on_failed=self._on_failed)
        self._done: dict[tuple[str, str, int], LoadObservation] = {}
        self.calibration: Calibration | None = None

    @property
    def machine(self) -> Machine | None:
        """The machine the loads really happen on (the probe, before any "what if")."""
        return self._services.hardware.probed_machine

    def learns(self, machine: Machine | None) -> bool:
        return machine is not None and not machine.override

    def request(self, models: list[RunningModel]) -> None:
        machine = self.machine
        if machine is None:
            return  # the probe has not answered yet; the next poll asks again
        version = self._services.connection.state.version
        record, path = self.learns(machine), self.history_path
        for m in models:
            key = (m.name, m.digest, m.context_length)
            if key in self._done:
                self._emit(m.name, self._done[key])
                continue
            job = "\n".join((m.name, m.digest, str(m.context_length)))
            if self._jobs.running(job):
                continue
            client = self._services.client()
            self._jobs.start(job, lambda c=client, m=m: _observe(c, m, machine, version,
                                                                  record, path))

    def read_calibration(self) -> None:
        """Read the probed machine's correction from the file (answers calibration_changed)."""
        machine = self.machine
        if not self.learns(machine):
            return
        path = self.history_path
        self._jobs.start(CALIBRATION_JOB,
                         lambda: asyncio.to_thread(read_calibration, machine, path))

    def _emit(self, name: str, observation: LoadObservation) -> None:
        if observation.predicted_bytes:
            self.predicted.emit(name, observation.predicted_bytes)
        self.observed.emit(name, observation)

    def _on_finished(self, job: str, answer: object) -> None:
        if job == CALIBRATION_JOB:
            if isinstance(answer, Calibration):
                self._set_calibration(answer)
            return
        if not isinstance(answer, _Answer):
            return
        name, digest, ctx = job.split("\n")
        self._done[(name, digest, int(ctx))] = answer.observation
        self._emit(name, answer.observation)
        if answer.calibration is not None:
            self._set_calibration(answer.calibration)

    def _on_failed(self, job: str, message: str) -> None:
        # A model unloaded or renamed between the poll and /api/show: the next poll retries.
        log.info("no prediction (%s): %s", job.replace("\n", " "), message)

    def _set_calibration(self, calibration: Calibration) -> None:
        self.calibration = calibration
        self.calibration_changed.emit(calibration)

    def shutdown(self) -> None:
        self._jobs.cancel_all()


async def _observe(client: OllamaClient, running: RunningModel, machine: Machine, version: str,
                   record: bool, path: Path | None) -> _Answer:
    show = await client.show_shape(running.name)
    return await asyncio.to_thread(_predict_and_record, running, show, machine, version,
                                   record, path)


def _predict_and_record(running: RunningModel, show: ShowResponse, machine: Machine,
                        version: str, record: bool, path: Path | None) -> _Answer:
    if record:
        try:
            with HistoryStore(path) as store:
                seen = record_observed_load(store.loads, running, show, machine, version)
                return _Answer(seen, calibration_for(store.loads, machine))
        except (QuantDeskError, OSError) as exc:
            # The history file is damaged or unwritable: still show the prediction.
            log.warning("load of %s not recorded: %s", running.name, exc)
    return _Answer(record_observed_load(None, running, show, machine, version), None)

