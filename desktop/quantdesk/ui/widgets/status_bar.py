"""The status bar: which daemon, its version, whether it answers, and the GPU memory gauge."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from quantdesk.core.machine import Machine
from quantdesk.core.ollama import RunningModel
from quantdesk.ui.formatting import card_size, human_bytes
from quantdesk.ui.resources import icon
from quantdesk.ui.services.states import ConnectionState

_DOT_COLORS = {"connected": "#2e7d32", "connecting": "#f9a825", "unreachable": "#c62828"}


class DaemonStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel(self)
        self.dot.setAccessibleName("Connection indicator")
        self.daemon = QLabel("Connecting…", self)
        self.daemon.setAccessibleName("Daemon status")
        self.gauge = QProgressBar(self)
        self.gauge.setObjectName("vramGauge")
        self.gauge.setAccessibleName("GPU memory used by loaded models")
        self.gauge.setRange(0, 1000)
        self.gauge.setValue(0)
        # The figures go in the label: text drawn over the bar's chunk was half unreadable.
        self.gauge.setTextVisible(False)
        self.gauge_label = QLabel("GPU memory: —", self)
        self.addWidget(self.dot)
        self.addWidget(self.daemon, 1)
        self.addPermanentWidget(self.gauge_label)
        self.addPermanentWidget(self.gauge)
        self._machine: Machine | None = None
        self._models: list[RunningModel] = []

    def show_state(self, state: ConnectionState) -> None:
        color = _DOT_COLORS[state.status]
        name = "connected" if state.connected else "disconnected"
        self.dot.setPixmap(icon(name, color).pixmap(14, 14))
        host = state.display_host
        if state.connected:
            text = f"Connected to {host} · Ollama {state.version}"
        elif state.status == "connecting":
            text = f"Connecting to {host}…"
        else:
            text = f"Not connected to {host}"
        self.daemon.setText(text)
        self.daemon.setToolTip(state.reason or text)
        self.dot.setToolTip(text)

    def set_machine(self, machine: Machine) -> None:
        self._machine = machine
        self._update_gauge()

    def set_models(self, models: list[RunningModel]) -> None:
        self._models = list(models)
        self._update_gauge()

    @property
    def vram_used(self) -> int:
        return sum(m.size_vram for m in self._models)

    def _update_gauge(self) -> None:
        total = self._machine.total_vram_bytes if self._machine is not None else 0
        used = self.vram_used
        if total <= 0:
            self.gauge.setValue(0)
            self.gauge_label.setText("GPU memory: no GPU")
            tip = "No usable GPU: loaded models run from RAM."
        else:
            self.gauge.setValue(min(1000, round(1000 * used / total)))
            self.gauge_label.setText(f"GPU memory: {human_bytes(used)} / {card_size(total)}")
            tip = (f"Loaded models use {human_bytes(used)} of {card_size(total)} GPU memory "
                   f"({100 * used / total:.0f}%).")
        self.gauge.setToolTip(tip)
        self.gauge.setAccessibleDescription(tip)
