"""One pull in the Downloads queue: bar, figures, per-layer status and its buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core import units
from quantdesk.ui import theme
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.plain_text import plain_label, set_tip
from quantdesk.ui.services.states import LayerState, PullState
from quantdesk.ui.widgets.actions import labelled_button
from quantdesk.ui.wording import for_people

PHASE_WORDS = {
    "queued": "Waiting in the queue",
    "pulling": "Downloading",
    "done": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled — retry resumes where it stopped",
}
BAR_STEPS = 1000


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return units.duration_text(round(seconds), units.WORDS) + " left"


def figures_text(state: PullState) -> str:
    """"1.2 GB of 4.9 GB · 35.2 MB/s · 1 min 45 s left" (parts only when known)."""
    total = max(state.total, state.expected_bytes)
    parts = [f"{human_bytes(state.completed)} of {human_bytes(total)}" if total else ""]
    if state.phase == "pulling" and state.speed > 0:
        parts.append(f"{human_bytes(state.speed)}/s")
        parts.append(eta_text(state.eta_s))
    return " · ".join(p for p in parts if p)


def layer_text(layer: LayerState) -> str:
    """One file of the pull for the tooltip: its digest (what `ollama pull` prints) and how
    far it is."""
    if layer.done:
        return f"{layer.short} ✓"
    pct = 100 * layer.completed / layer.total if layer.total else 0
    return f"{layer.short} {pct:.0f}%"


def layers_text(layers: tuple[LayerState, ...], *, finished: bool = False) -> str:
    """"Files: 2 of 5 done, the next at 39%": a model is a few files (weights, template,
    licence, parameters); their digests are for the tooltip, not the row."""
    if not layers:
        return ""
    done = sum(1 for la in layers if la.done)
    if finished or done == len(layers):  # a finished pull's last report may lag behind
        return f"Files: all {len(layers)} done" if len(layers) > 1 else "File done"
    current = next(la for la in layers if not la.done)
    pct = 100 * current.completed / current.total if current.total else 0
    return f"Files: {done} of {len(layers)} done, the next at {pct:.0f}%"


class DownloadRow(QFrame):
    """Signals:
    cancel_clicked(str), retry_clicked(str), remove_clicked(str): the model of this row
    """

    cancel_clicked = Signal(str)
    retry_clicked = Signal(str)
    remove_clicked = Signal(str)

    def __init__(self, state: PullState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = state.name
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Download of {state.name}")
        self.title = plain_label(state.name, self)  # a daemon's name: bold by font
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.phase = plain_label("", self)  # the daemon's status words
        self.bar = QProgressBar(self)
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setAccessibleName(f"Progress of {state.name}")
        self.figures = plain_label("", self)
        self.layers = plain_label("", self)  # the daemon's digests
        self.layers.setWordWrap(True)
        self.layers.setObjectName("downloadLayers")
        self.error = plain_label("", self)  # quotes the daemon
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.color('error').name()};")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setAccessibleName(f"Error of {state.name}")
        self.cancel_button = labelled_button(self, "Cancel", None,
                                             f"Cancel the download of {state.name}")
        self.retry_button = labelled_button(self, "Retry", None,
                                            f"Retry (resume) the download of {state.name}")
        self.remove_button = labelled_button(self, "Clear", None,
                                             f"Clear {state.name} from the list")
        self.cancel_button.clicked.connect(lambda: self.cancel_clicked.emit(self.name))
        self.retry_button.clicked.connect(lambda: self.retry_clicked.emit(self.name))
        self.remove_button.clicked.connect(lambda: self.remove_clicked.emit(self.name))

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.phase, 1)
        for b in (self.cancel_button, self.retry_button, self.remove_button):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.figures)
        layout.addWidget(self.layers)
        layout.addWidget(self.error)
        self.set_state(state)

    def set_state(self, state: PullState) -> None:
        self.state = state
        words = PHASE_WORDS[state.phase]
        # "pulling <digest>" repeats the layer line below; other statuses (verifying,
        # writing the manifest) say something new.
        if state.phase == "pulling" and state.status and not state.status.startswith("pulling"):
            words = f"{words}: {state.status}"
        self.phase.setText(words)
        self.bar.setValue(round(state.fraction * BAR_STEPS))
        # Unknown size (nothing reported yet): a busy bar says "working" honestly.
        busy = state.phase == "pulling" and state.total == 0 and state.expected_bytes == 0
        self.bar.setRange(0, 0 if busy else BAR_STEPS)
        # A pull that failed before a byte arrived has no progress to show: its reason is
        # the row's content.
        self.bar.setVisible(not (state.phase == "failed" and state.completed == 0))
        self.figures.setText(figures_text(state))
        self.figures.setVisible(bool(self.figures.text()))
        set_tip(self.figures, state.note)  # e.g. why the disk check did not run
        finished = state.phase == "done"
        self.layers.setText(layers_text(state.layers, finished=finished))
        set_tip(self.layers, "\n".join(f"{la.short} ✓" if finished else layer_text(la)
                                        for la in state.layers))
        self.layers.setVisible(bool(state.layers))
        self.error.setText(for_people(state.message))
        self.error.setVisible(bool(state.message))
        self.cancel_button.setVisible(state.active)
        self.retry_button.setVisible(state.phase in ("failed", "cancelled"))
        self.remove_button.setVisible(not state.active)
