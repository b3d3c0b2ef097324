"""(predicted, observed) pairs from real loads: the one way the CLI, the app and the comparison
runner build and record them, and read back the correction they teach.

A pair is our fit estimate of what ``/api/ps`` will say (``FitResult.ps_size``) at the context
the runner really started with, next to what ``/api/ps`` did say. The prediction uses the same
path as the comparison planner (``compare.planning``: architecture and tensors from
``/api/show``), so a pair means the same thing whoever recorded it.

Pairs are grouped by :func:`machine_key` (GPU vendor, name, total memory, unified; RAM total;
CPU model — hashed), so a what-if machine or a demo machine never teaches the real one. The
same load seen again within :data:`REPEAT_WINDOW_S` (the app polls ``/api/ps`` every two
seconds) is not recorded again. Everything here that touches the file blocks: async callers
use ``asyncio.to_thread``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quantdesk.core.compare.fingerprint import machine_key
from quantdesk.core.compare.planning import VariantShape, predict, shape_or_none
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.fit import Calibration, FitResult, calibrate
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import RunningModel, ShowResponse
from quantdesk.core.store import HistoryStore
from quantdesk.core.store.database import default_path
from quantdesk.core.store.loads import LoadStore, ObservedLoad

# Long enough that a day of polling one loaded model writes a few rows, not tens of thousands;
# short enough that a reload after lunch counts as a new observation.
REPEAT_WINDOW_S = 15 * 60

__all__ = [
    "REPEAT_WINDOW_S",
    "LoadObservation",
    "VariantShape",
    "calibration_for",
    "machine_key",
    "observed_load",
    "predict_loaded",
    "read_calibration",
    "record_observed_load",
    "shape_or_none",
]


@dataclass(frozen=True, slots=True)
class LoadObservation:
    """One look at a loaded model: the pair, our full prediction, and whether it was new."""

    load: ObservedLoad
    prediction: FitResult | None
    recorded: bool  # False: the same load was recorded moments ago (or nothing was stored)

    @property
    def predicted_bytes(self) -> int | None:
        return self.load.predicted_size

    @property
    def observed_bytes(self) -> int:
        return self.load.observed_size

    @property
    def error(self) -> float | None:
        """(predicted − observed) / observed: −0.03 means we predicted 3 % too little."""
        pred, obs = self.load.predicted_size, self.load.observed_size
        if not pred or obs <= 0:
            return None
        return (pred - obs) / obs


def predict_loaded(running: RunningModel, shape: VariantShape | None, machine: Machine | None,
                   daemon_version: str, *, known: FitResult | None = None) -> FitResult | None:
    """Our prediction for ``running`` at the context it really got.

    ``known`` (a prediction made before the load) is reused when its context is that one (or
    the daemon does not say); otherwise the estimate is made again from ``shape``. None when
    there is no machine or shape, or the estimate cannot be made for this architecture."""
    ctx = running.context_length
    if known is not None and (not ctx or known.num_ctx == ctx):
        return known
    if shape is None or machine is None:
        return None
    try:
        return predict(shape, machine, ctx or (known.num_ctx if known else 0), daemon_version)
    except (QuantDeskError, ValueError, KeyError, ZeroDivisionError):
        return None  # an architecture the estimate lacks: the observation still counts


def observed_load(running: RunningModel, prediction: FitResult | None, machine: Machine | None,
                  daemon_version: str, *, model: str = "", digest: str = "") -> ObservedLoad:
    """The row for one loaded model; ``model``/``digest`` default to what /api/ps says."""
    num_ctx = running.context_length or (prediction.num_ctx if prediction else 0)
    return ObservedLoad(
        model=model or running.name,
        digest=digest or running.digest,
        num_ctx=num_ctx,
        predicted_size=prediction.ps_size if prediction else None,
        predicted_vram=prediction.ps_size_vram if prediction else None,
        observed_size=running.size,
        observed_vram=running.size_vram,
        daemon_version=daemon_version,
        machine_key=machine_key(machine),
    )


def record_observed_load(
    loads: LoadStore | None,
    running: RunningModel,
    shape: VariantShape | ShowResponse | None,
    machine: Machine | None,
    daemon_version: str,
    *,
    known: FitResult | None = None,
    model: str = "",
    digest: str = "",
    within_s: float = REPEAT_WINDOW_S,
) -> LoadObservation:
    """Predict, build the pair and record it (unless it repeats one from the last
    ``within_s`` seconds; ``loads=None`` records nothing). ``shape`` may be the model's
    ``/api/show`` answer. Blocking."""
    if isinstance(shape, ShowResponse):
        shape = shape_or_none(model or running.name, shape)
    prediction = predict_loaded(running, shape, machine, daemon_version, known=known)
    load = observed_load(running, prediction, machine, daemon_version, model=model,
                         digest=digest)
    if loads is None:
        return LoadObservation(load, prediction, recorded=False)
    stored = loads.record_unless_recent(load, within_s)
    return LoadObservation(stored or load, prediction, recorded=stored is not None)


def calibration_for(loads: LoadStore, machine: Machine | None) -> Calibration:
    """This machine's correction from its recorded pairs."""
    return loads.calibration(machine_key(machine))


def read_calibration(machine: Machine | None, path: Path | None = None) -> Calibration:
    """The correction for ``machine`` from the history file at ``path`` (default: the usual
    one); no correction when there is no file yet — reading never creates one. Blocking;
    raises ``StoreError`` when the file cannot be read."""
    file = Path(path) if path is not None else default_path()
    if machine is None or not file.exists():
        return calibrate([])
    with HistoryStore(file) as store:
        return calibration_for(store.loads, machine)
