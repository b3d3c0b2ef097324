"""One variant's pane on the Compare page: its state, its output as it streams, its metrics.

Model output is untrusted: it goes into a QPlainTextEdit, which has no rich-text mode at all,
so markup, images and scripts in it show as the characters they are and nothing is fetched.
Every label that shows text from the daemon is fixed to plain text for the same reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.compare.results import RunResult
from quantdesk.core.ollama import PullProgress
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.plain_text import set_tip
from quantdesk.ui.widgets import compare_format as fmt
from quantdesk.ui.widgets.elided_label import ElidedLabel

# (key, label) in the order the metrics arrive: load, speed, memory, then quality.
METRICS: tuple[tuple[str, str], ...] = (
    ("load", "Load"), ("ttft", "First token"), ("prompt", "Prompt"), ("eval", "Generation"),
    ("memory", "Ollama size"), ("predicted", "Predicted"), ("divergence", "Diverges"),
    ("agreement", "Agreement"), ("kl", "Approx. KL"), ("accuracy", "Accuracy"),
)


REFERENCE_WORDS = "★ reference"
REFERENCE_STAR = "★"
TWO_COLUMN_WIDTH = 420  # below this a pane lists its metrics in one column
HEAD_SPACING = 4


def _plain_label(parent: QWidget, text: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class VariantPane(QFrame):
    def __init__(self, model: str, *, reference: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.state = "waiting"
        self.reference = reference
        self.setObjectName("comparePane")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Output of {model}")
        self.setMinimumWidth(190)

        self.title = _plain_label(self, model)
        # One line, elided in the middle when narrow, so every pane's text starts level.
        self.title.setMinimumWidth(40)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        set_tip(self.title, model)
        self.ref_label = _plain_label(self, REFERENCE_WORDS)
        self.ref_label.setObjectName("compareReference")
        self.ref_label.setToolTip("Reference: the other variants are scored against this one")
        self.state_label = _plain_label(self)
        self.state_label.setAccessibleName(f"State of {model}")
        self.progress = QProgressBar(self)
        self.progress.setMaximumHeight(12)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(f"Pull progress of {model}")
        self.progress.hide()

        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setUndoRedoEnabled(False)
        self.output.setAccessibleName(f"Answer of {model}")
        self.output.setPlaceholderText("The answer streams here.")
        self.output.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

        self.error_label = _plain_label(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {fmt.state_colour('failed')};")
        self.error_label.hide()

        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(1)
        self.values: dict[str, ElidedLabel] = {}
        self._cells: list[tuple[QLabel, ElidedLabel]] = []
        for key, text in METRICS:
            name = _plain_label(self, text)
            name.setObjectName("compareMetricName")
            # A narrow pane cuts a value with "…"; hovering shows it whole.
            value = ElidedLabel("—", self)
            value.setAccessibleName(f"{text} of {model}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            self._cells.append((name, value))
        self.metric_columns = 0
        self._arrange(2)

        head = QHBoxLayout()
        head.setSpacing(HEAD_SPACING)
        head.addWidget(self.title, 1)
        head.addWidget(self.ref_label)
        head.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.progress)
        layout.addWidget(self.output, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(self._grid)
        self.set_reference(reference)
        self.set_state("waiting")

    # -- layout ------------------------------------------------------------------------------

    def _arrange(self, columns: int) -> None:
        """Metrics in ``columns`` label/value pairs per row: two when the pane is wide, one
        when four or more panes share the row (nothing gets cut off)."""
        if columns == self.metric_columns:
            return
        self.metric_columns = columns
        for name, value in self._cells:
            self._grid.removeWidget(name)
            self._grid.removeWidget(value)
        for col in range(4):
            self._grid.setColumnStretch(col, 0)
        for i, (name, value) in enumerate(self._cells):
            row, pair = divmod(i, columns)
            self._grid.addWidget(name, row, pair * 2)
            self._grid.addWidget(value, row, pair * 2 + 1)
        for pair in range(columns):
            self._grid.setColumnStretch(pair * 2 + 1, 1)

    def _fit_head(self) -> None:
        """The title on one line: the reference badge shrinks to a star, then the model name
        is elided in the middle (its quantization, at the end, stays readable)."""
        margins = self.layout().contentsMargins()
        room = (self.width() - margins.left() - margins.right() - 2 * self.frameWidth()
                - 2 * HEAD_SPACING)
        room -= self.state_label.sizeHint().width()
        metrics = self.title.fontMetrics()
        wanted = metrics.horizontalAdvance(self.model)
        if self.reference:
            words = REFERENCE_WORDS
            if wanted + self.ref_label.fontMetrics().horizontalAdvance(words) > room:
                words = REFERENCE_STAR
            self.ref_label.setText(words)
            room -= self.ref_label.fontMetrics().horizontalAdvance(words)
        self.title.setText(metrics.elidedText(self.model, Qt.TextElideMode.ElideMiddle,
                                              max(room, 40)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange(2 if self.width() >= TWO_COLUMN_WIDTH else 1)
        self._fit_head()

    # -- updates -----------------------------------------------------------------------------

    def set_reference(self, reference: bool) -> None:
        self.reference = reference
        self.ref_label.setVisible(reference)
        self._fit_head()

    def set_state(self, state: str, error: str = "") -> None:
        self.state = state
        colour = fmt.state_colour(state)
        self.state_label.setText(fmt.state_word(state))
        self.state_label.setStyleSheet(
            f"color: {colour}; font-weight: 600; border: 1px solid {colour};"
            " border-radius: 4px; padding: 0 4px;")
        self._fit_head()
        if state != "pulling":
            self.progress.hide()
        if error:
            self.error_label.setText(error)
        self.error_label.setVisible(bool(error) and state == "failed")

    def append_text(self, text: str) -> None:
        """Add streamed text at the end, as plain characters."""
        bar = self.output.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_end:  # follow the stream unless the user scrolled up to read
            bar.setValue(bar.maximum())

    def set_text(self, text: str) -> None:
        self.output.setPlainText(text)

    def text(self) -> str:
        return self.output.toPlainText()

    def set_pull(self, p: PullProgress) -> None:
        self.set_state("pulling")
        total = max(p.total, 1)
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * min(1.0, p.completed / total)))
        set_tip(self.progress,  # the status words are the daemon's
                f"{p.status}: {human_bytes(p.completed)} of {human_bytes(p.total)}")
        self.progress.show()

    def show_run(self, run: RunResult) -> None:
        """State and every metric known so far."""
        self.set_state(run.state, run.error)
        v = self.values
        v["load"].setText(fmt.seconds(run.load_s))
        v["ttft"].setText(fmt.seconds(run.ttft_s))
        v["prompt"].setText(fmt.rate(run.prompt_tps))
        v["eval"].setText(fmt.rate(run.eval_tps))
        v["memory"].setText(fmt.memory(run))
        v["predicted"].setText(human_bytes(run.predicted_bytes))
        v["divergence"].setText(fmt.divergence(run, self.reference))
        v["agreement"].setText("—" if self.reference else fmt.share(run.agreement))
        v["kl"].setText("—" if self.reference else fmt.kl(run.approx_kl))
        # Short in the pane (four panes share 1024 px); the interval is the tooltip.
        v["accuracy"].setText(fmt.accuracy_short(run))
        v["accuracy"].setToolTip("; ".join(
            t for t in (fmt.accuracy(run), fmt.accuracy_interval(run)) if t and t != "—"))
        if run.size is not None:
            v["memory"].setToolTip(
                f"Ollama size {human_bytes(run.size)}, of it in GPU memory "
                f"{human_bytes(run.size_vram)}")
        else:  # a re-run starts over: the value's own words, whole, when cut
            v["memory"].setToolTip("")
