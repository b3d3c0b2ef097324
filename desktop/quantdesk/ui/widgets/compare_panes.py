"""The row of variant panes, side by side, scrolling sideways when six do not fit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QWidget

from quantdesk.core.compare.results import FINAL_STATES, ComparisonResult, RunResult
from quantdesk.ui.compare_words import answers_text
from quantdesk.ui.widgets.compare_pane import VariantPane


class PaneRow(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Variant outputs")
        self._inner = QWidget(self)
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self.setWidget(self._inner)
        self.panes: dict[str, VariantPane] = {}
        self._empty = QLabel(
            "Check two to six variants above and press Run (Ctrl+Enter). Each one answers the "
            "same prompt here, side by side.", self._inner)
        self._empty.setWordWrap(True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setObjectName("pageHint")
        self._row.addWidget(self._empty)

    def reset(self, models: list[str], reference: str | None) -> None:
        """One fresh pane per model, in the order given."""
        for pane in self.panes.values():
            self._row.removeWidget(pane)
            pane.deleteLater()
        self.panes = {}
        self._empty.setVisible(not models)
        for m in models:
            pane = VariantPane(m, reference=m == reference, parent=self._inner)
            self.panes[m] = pane
            self._row.addWidget(pane, 1)

    def pane(self, model: str) -> VariantPane | None:
        return self.panes.get(model)

    def set_reference(self, reference: str) -> None:
        for m, pane in self.panes.items():
            pane.set_reference(m == reference)

    def show_run(self, run: RunResult) -> None:
        pane = self.panes.get(run.model)
        if pane is None:
            return
        pane.show_run(run)
        # The stored answers, one block per task for a task set, replace the stream.
        final = answers_text(run)
        if run.state == "done" and final and pane.text() != final:
            pane.set_text(final)

    def show_result(self, result: ComparisonResult) -> None:
        """A whole stored comparison: final states, metrics, answers."""
        self.reset(result.models, result.reference)
        for run in result.runs:
            pane = self.panes[run.model]
            pane.set_text(answers_text(run))
            pane.show_run(run)

    def stop_unfinished(self) -> None:
        """Stop pressed: every pane that was not finished shows "stopped" at once."""
        for pane in self.panes.values():
            if pane.state not in FINAL_STATES:
                pane.set_state("cancelled")

    def fail_unfinished(self, message: str) -> None:
        for pane in self.panes.values():
            if pane.state not in FINAL_STATES:
                pane.set_state("failed", message)
