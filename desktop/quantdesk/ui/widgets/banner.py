"""The banner shown while no daemon answers: why, where, and what the user can do about it."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from quantdesk.ui.plain_text import plain_label
from quantdesk.ui.resources import icon
from quantdesk.ui.services.states import ConnectionState


class DaemonBanner(QFrame):
    """Signals:
    retry_requested(): "Retry now"
    start_ollama_requested(str): the path of the ``ollama`` binary to start
    simulator_requested(): "Explore with the simulated daemon"
    """

    retry_requested = Signal()
    start_ollama_requested = Signal(str)
    simulator_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        which: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("daemonBanner")
        self.setAccessibleName("Daemon not reachable")
        self.setStyleSheet("QFrame#daemonBanner { background: #fdecea; color: #5f2120; }"
                           "QFrame#daemonBanner QLabel { color: #5f2120; }")
        # Looked up at each failure, so an Ollama installed meanwhile is offered at once.
        self._which = which or (lambda name: shutil.which(name))
        self._ollama: str | None = None
        self._retry_at_ms = 0
        self.icon = QLabel(self)
        self.icon.setPixmap(icon("warning", "#c62828").pixmap(28, 28))
        self.title = plain_label("", self)  # quotes the configured host
        self.title.setStyleSheet("font-weight: 600;")
        self.detail = plain_label("", self)  # quotes the daemon's or the OS's error
        self.detail.setWordWrap(True)
        self.countdown = QLabel(self)
        self.retry_button = QPushButton("Retry now", self)
        self.retry_button.setAccessibleName("Retry connecting now")
        self.start_button = QPushButton(icon("play"), "Start Ollama", self)
        self.start_button.setAccessibleName("Start the Ollama daemon")
        self.sim_button = QPushButton("Explore with the simulated daemon", self)
        self.sim_button.setAccessibleName("Explore with the simulated daemon")
        self.retry_button.clicked.connect(self.retry_requested)
        self.start_button.clicked.connect(self._start_clicked)
        self.sim_button.clicked.connect(self.simulator_requested)

        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.detail)
        text.addWidget(self.countdown)
        buttons = QVBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.sim_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.icon)
        layout.addLayout(text, 1)
        layout.addLayout(buttons)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count)
        self.hide()

    def show_state(self, state: ConnectionState) -> None:
        if state.status != "unreachable":
            self._tick.stop()
            self.hide()
            return
        self._ollama = self._which("ollama")
        self.start_button.setVisible(self._ollama is not None)
        self.title.setText(f"No Ollama daemon answers at {state.display_host}")
        self.detail.setText(state.reason)
        self._retry_at_ms = state.retry_in_ms
        self._count(step=False)
        self._tick.start()
        self.show()

    def show_start_failed(self, message: str) -> None:
        self.detail.setText(message)

    def _count(self, step: bool = True) -> None:
        if step:
            self._retry_at_ms = max(0, self._retry_at_ms - 1000)
        seconds = round(self._retry_at_ms / 1000)
        self.countdown.setText(
            f"Trying again in {seconds} s — nothing is lost meanwhile." if seconds > 0
            else "Trying again…"
        )

    def _start_clicked(self) -> None:
        if self._ollama:
            self.start_ollama_requested.emit(self._ollama)
