"""Our own size prediction for each loaded model, shown next to Ollama's measured size.

For a model not seen before, ``/api/show`` gives its architecture and tensors; the fit estimate
(pure, fast) then predicts the runner's size at the context the daemon really used.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from quantdesk.core.fit import Architecture, ArchitectureError, FitOptions, estimate_fit
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient, RunningModel, ShowResponse
from quantdesk.ui.services.jobs import Jobs
from quantdesk.ui.services.registry import Services

log = logging.getLogger(__name__)


class PredictionService(QObject):
    """Signals:
    predicted(str, int): model name, predicted total bytes (RAM + VRAM, as /api/ps size)
    """

    predicted = Signal(str, object)  # object: byte counts overflow a C++ int

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._jobs = Jobs(services.io, self)
        self._jobs.finished.connect(self._on_finished)
        self._done: dict[tuple[str, str, int], int] = {}  # (name, digest, ctx) -> bytes

    def request(self, models: list[RunningModel]) -> None:
        machine = self._services.hardware.machine
        version = self._services.connection.state.version
        for m in models:
            key = (m.name, m.digest, m.context_length)
            if key in self._done:
                self.predicted.emit(m.name, self._done[key])
                continue
            job = "\n".join((m.name, m.digest, str(m.context_length)))
            if self._jobs.running(job):
                continue
            client = self._services.client()
            self._jobs.start(job, lambda c=client, m=m: _predict(c, m, machine, version))

    def _on_finished(self, job: str, total: object) -> None:
        name, digest, ctx = job.split("\n")
        if isinstance(total, int) and total > 0:
            self._done[(name, digest, int(ctx))] = total
            self.predicted.emit(name, total)


async def _predict(
    client: OllamaClient, running: RunningModel, machine: Machine | None, version: str
) -> int:
    show = await client.show(running.name)
    return predict_total(show, running, machine, version)


def predict_total(
    show: ShowResponse, running: RunningModel, machine: Machine | None, version: str
) -> int:
    """Predicted /api/ps ``size`` for this model at the context it was loaded with; 0 when
    the estimate cannot be made (no machine yet, an architecture the estimate lacks)."""
    if machine is None:
        return 0
    try:
        arch = Architecture.from_model_info(show.model_info,
                                            parameter_count=show.parameter_count or None)
        tensors = [(t.name, t.type, t.shape) for t in show.tensors] or None
        result = estimate_fit(
            arch, machine,
            FitOptions(num_ctx=running.context_length or None,
                       ollama_version=version or None),
            tensors=tensors,
            quant=show.details.quantization_level or None,
            model=running.name,
        )
    except (ArchitectureError, ValueError, KeyError) as exc:
        log.info("no prediction for %s: %s", running.name, exc)
        return 0
    return int(result.ps_size)
