"""Where a loaded model's memory goes: our prediction's breakdown beside Ollama's measured
figures, the difference in words, the placement, the fit's reason and this machine's correction.

Everything shown arrives by signal (``/api/ps`` polls and the prediction service's
observations); the panel only formats, so it never waits on anything.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from quantdesk.core.fit import Calibration, FitResult
from quantdesk.core.ollama import RunningModel
from quantdesk.core.store.load_pairs import LoadObservation
from quantdesk.ui.formatting import gap_text, human_bytes, prediction_gap

EMPTY_HINT = "Select a loaded model to see where its memory goes"
WAITING = "…"
# (key, row label); the breakdown rows have no measured figure: /api/ps gives only totals.
BREAKDOWN = (("weights", "Weights"), ("kv", "KV cache"), ("graph", "Compute graph"),
             ("overhead", "Overheads"))
TOTALS = (("total", "Total"), ("vram", "In GPU memory"), ("processor", "CPU/GPU"),
          ("context", "Context"))
ROWS = BREAKDOWN + TOTALS


def difference_text(predicted: int, measured: int) -> str:
    """"Ollama uses 0.2 GB more than predicted (+4%)": the measured size against ours."""
    diff = measured - predicted
    share = prediction_gap(predicted, measured)
    if diff == 0 or share is None:
        return "Ollama uses exactly the predicted size."
    word = "more" if diff > 0 else "less"
    return f"Ollama uses {human_bytes(abs(diff))} {word} than predicted ({gap_text(share)})."


def placement_text(fit: FitResult) -> str:
    place = fit.placement
    text = f"Placement: {place.gpu_layers} of {place.total_layers} layers on the GPU"
    if place.cpu_bytes and place.gpu_layers < place.total_layers:
        text += f", {human_bytes(place.cpu_bytes)} in system memory"
    return text + "."


def predicted_cells(fit: FitResult) -> dict[str, str]:
    est = fit.estimate
    return {
        "weights": human_bytes(est.weights_bytes),
        "kv": human_bytes(est.kv_cache_bytes),
        "graph": human_bytes(est.graph_bytes),
        "overhead": human_bytes(est.overhead_bytes),
        "total": human_bytes(fit.ps_size),
        "vram": human_bytes(fit.ps_size_vram),
        "processor": fit.processor,
        "context": f"{fit.num_ctx:,}",
    }


def measured_cells(m: RunningModel) -> dict[str, str]:
    return {
        "total": human_bytes(m.size),
        "vram": human_bytes(m.size_vram),
        "processor": m.processor,
        "context": f"{m.context_length:,}" if m.context_length else "—",
    }


def matches(observation: LoadObservation, m: RunningModel) -> bool:
    """An observation made for this very load (a reload at another context is another one)."""
    load = observation.load
    return (load.digest in ("", m.digest)
            and (not m.context_length or load.num_ctx == m.context_length))


class RunningDetail(QFrame):
    """The panel under the Running table. Feed it with :meth:`set_model` (the selected row),
    :meth:`set_observation` (the prediction service's ``observed``) and
    :meth:`set_calibration` (its ``calibration_changed``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runningDetail")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Where the selected model's memory goes")
        self._model: RunningModel | None = None
        self._observations: dict[str, LoadObservation] = {}
        self._has_calibration = False

        self.hint = self._label(EMPTY_HINT, "Memory details hint")
        self.hint.setObjectName("pageHint")
        self.title = self._label("", "Selected model")
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(2)
        for col, text in ((1, "Predicted"), (2, "Ollama measures")):
            head = self._label(text, "")
            head.setObjectName("pageHint")
            head.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(head, 0, col)
        self.predicted: dict[str, QLabel] = {}
        self.measured: dict[str, QLabel] = {}
        for i, (key, text) in enumerate(ROWS):
            row = i + 1 if i < len(BREAKDOWN) else i + 2  # leave a row for the rule above Total
            grid.addWidget(self._label(text, ""), row, 0)
            for col, cells, side in ((1, self.predicted, "Predicted"),
                                     (2, self.measured, "Measured")):
                value = self._label("—", f"{side} {text.lower()}")
                value.setAlignment(Qt.AlignmentFlag.AlignRight)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                cells[key] = value
                grid.addWidget(value, row, col)
        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        grid.addWidget(rule, len(BREAKDOWN) + 1, 0, 1, 3)
        for cells in (self.predicted, self.measured):  # the figures the panel exists to compare
            cells["total"].setFont(bold)
        self.grid = QWidget(self)
        self.grid.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)

        self.difference = self._label("", "Difference between Ollama and the prediction")
        self.difference.setFont(bold)
        self.placement = self._label("", "Predicted placement")
        self.reason = self._label("", "Why it fits this way")
        self.calibration_label = self._label("", "Correction learnt from loads on this machine")
        self.calibration_label.setObjectName("pageHint")
        self.calibration_label.hide()
        notes = QVBoxLayout()
        notes.setSpacing(6)
        for label in (self.difference, self.placement, self.reason, self.calibration_label):
            label.setWordWrap(True)
            notes.addWidget(label)
        notes.addStretch(1)

        body = QHBoxLayout()
        body.setSpacing(24)
        body.addWidget(self.grid)
        body.addLayout(notes, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.hint)
        layout.addWidget(self.title)
        layout.addLayout(body)
        self._body = (self.title, self.grid, self.difference, self.placement, self.reason)
        self._refresh()

    def _label(self, text: str, accessible: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)  # model names are not markup
        if accessible:
            label.setAccessibleName(accessible)
        return label

    # -- inputs ------------------------------------------------------------------------------

    def set_model(self, model: RunningModel | None) -> None:
        self._model = model
        self._refresh()

    def set_observation(self, name: str, observation: LoadObservation) -> None:
        self._observations[name] = observation
        if self._model is not None and self._model.name == name:
            self._refresh()

    def set_calibration(self, calibration: Calibration) -> None:
        self.calibration_label.setText(f"Predicted sizes on this machine: "
                                       f"{calibration.describe()}.")
        # Shown once a load has been seen; before that it would only say "no correction".
        self._has_calibration = calibration.samples > 0
        self.calibration_label.setVisible(self._has_calibration and self._model is not None)

    @property
    def model_name(self) -> str | None:
        return self._model.name if self._model is not None else None

    def prediction(self) -> FitResult | None:
        m = self._model
        obs = self._observations.get(m.name) if m is not None else None
        return obs.prediction if obs is not None and m is not None and matches(obs, m) else None

    # -- drawing -----------------------------------------------------------------------------

    def _refresh(self) -> None:
        m = self._model
        self.hint.setVisible(m is None)
        for widget in self._body:
            widget.setVisible(m is not None)
        self.calibration_label.setVisible(m is not None and self._has_calibration)
        if m is None:
            return
        self.title.setText(f"{m.name} — where its memory goes")
        for key, text in measured_cells(m).items():
            self.measured[key].setText(text)
        obs = self._observations.get(m.name)
        fit = self.prediction()
        if fit is None:
            # No observation yet: the estimate is on its way; one without a prediction: none.
            pending = obs is None or not matches(obs, m)
            for label in self.predicted.values():
                label.setText(WAITING if pending else "—")
            self.difference.setText("Working out our prediction…" if pending else
                                    "QuantDesk cannot predict this model's size.")
            self.placement.setText("")
            self.reason.setText("")
            return
        for key, text in predicted_cells(fit).items():
            self.predicted[key].setText(text)
        self.difference.setText(difference_text(fit.ps_size, m.size))
        self.placement.setText(placement_text(fit))
        self.reason.setText(f"Fit: {fit.reason}.")
