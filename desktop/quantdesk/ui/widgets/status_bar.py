"""The status bar: which daemon, its version, whether it answers, what is loaded and the GPU
memory gauge. What is loaded comes from ``services.loaded`` alone (``set_lines``)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from quantdesk.core.loaded_lines import StatusLines
from quantdesk.ui.plain_text import plain_label, set_tip
from quantdesk.ui.resources import icon
from quantdesk.ui.services.states import ConnectionState
from quantdesk.ui.widgets.elided_label import ElidedLabel

_DOT_COLORS = {"connected": "#2e7d32", "connecting": "#f9a825", "unreachable": "#c62828"}


class DaemonStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel(self)
        self.dot.setAccessibleName("Connection indicator")
        self.daemon = ElidedLabel("Connecting…", self)  # the daemon's version is quoted
        self.daemon.setAccessibleName("Daemon status")
        self.loaded = ElidedLabel("", self)  # model names
        self.loaded.setAccessibleName("What is loaded")
        self.gauge = QProgressBar(self)
        self.gauge.setObjectName("vramGauge")
        self.gauge.setAccessibleName("GPU memory used by loaded models")
        self.gauge.setRange(0, 1000)
        self.gauge.setValue(0)
        # The figures go in the label: text drawn over the bar's chunk was half unreadable.
        self.gauge.setTextVisible(False)
        self.gauge_label = plain_label("GPU memory: —", self)
        self.addWidget(self.dot)
        # Both give way to the gauge on a narrow window (elided, whole in the tooltip): a
        # long model name must not widen the window past the screen.
        self.addWidget(self.daemon)
        self.addWidget(self.loaded, 1)
        self.addPermanentWidget(self.gauge_label)
        self.addPermanentWidget(self.gauge)
        self._lines: StatusLines | None = None

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
        set_tip(self.daemon, state.reason or text)
        set_tip(self.dot, text)

    def set_lines(self, lines: StatusLines) -> None:
        """The headline and the gauge of one ``LoadedState`` (bar and label from one Gauge)."""
        self._lines = lines
        self.loaded.setText(f"· {lines.headline}")
        set_tip(self.loaded, lines.error or lines.headline)
        g = lines.gauge
        self.gauge.setValue(min(1000, round(1000 * g.fraction)))
        self.gauge_label.setText(g.text)
        set_tip(self.gauge, g.tooltip)
        set_tip(self.gauge_label, g.tooltip)
        self.gauge.setAccessibleDescription(g.tooltip)

    @property
    def vram_used(self) -> int:
        return self._lines.gauge.used_bytes if self._lines is not None else 0
