"""The table behind the Running page: one row per loaded model, from ``/api/ps``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from quantdesk.core.ollama import RunningModel
from quantdesk.ui.formatting import countdown, gap_text, human_bytes, prediction_gap
from quantdesk.ui.plain_text import tip_or_none

COLUMNS = ("Model", "Memory", "In GPU memory", "Processor", "Context", "Unloads in", "Predicted")
COL_COUNTDOWN = COLUMNS.index("Unloads in")
COL_PREDICTED = COLUMNS.index("Predicted")

_Index = QModelIndex | QPersistentModelIndex


class RunningTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[RunningModel] = []
        self._predicted: dict[str, int] = {}  # model name -> our predicted total bytes
        self._now = datetime.now(UTC)

    @property
    def rows(self) -> list[RunningModel]:
        return list(self._rows)

    def set_models(self, models: list[RunningModel]) -> None:
        self.beginResetModel()
        self._rows = list(models)
        self._now = datetime.now(UTC)
        self.endResetModel()

    def set_prediction(self, name: str, total_bytes: int) -> None:
        self._predicted[name] = total_bytes
        for row, m in enumerate(self._rows):
            if m.name == name:
                idx = self.index(row, COL_PREDICTED)
                self.dataChanged.emit(idx, idx)

    def tick(self) -> None:
        """Advance the countdown column only (one dataChanged for the column)."""
        self._now = datetime.now(UTC)
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_COUNTDOWN),
                                  self.index(len(self._rows) - 1, COL_COUNTDOWN))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        m = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(m, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip_or_none(self._tooltip(m, col))  # names and details are the daemon's
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 2, 4, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return m.name
        return None

    def _text(self, m: RunningModel, col: int) -> str:
        if col == 0:
            return m.name
        if col == 1:
            return human_bytes(m.size)
        if col == 2:
            return f"{human_bytes(m.size_vram)} ({m.gpu_fraction:.0%})"
        if col == 3:
            return m.processor
        if col == 4:
            return f"{m.context_length:,}" if m.context_length else "—"
        if col == COL_COUNTDOWN:
            return countdown(m.expires_in(self._now), forever=m.is_forever(self._now))
        predicted = self._predicted.get(m.name)
        if not predicted:
            return "—"
        gap = prediction_gap(predicted, m.size)
        return human_bytes(predicted) + (f" ({gap_text(gap)})" if gap is not None else "")

    def _tooltip(self, m: RunningModel, col: int) -> str | None:
        if col == COL_PREDICTED:
            predicted = self._predicted.get(m.name)
            if not predicted:
                return "No prediction for this model yet."
            gap = prediction_gap(predicted, m.size) or 0.0
            return (f"QuantDesk predicted {human_bytes(predicted)}; Ollama measures "
                    f"{human_bytes(m.size)} ({gap_text(gap)} against the prediction).")
        if col == 1:
            return "Ollama's measured size: weights, KV cache and compute buffers, RAM + VRAM."
        if col == 0:
            d = m.details
            return f"{d.family} · {d.parameter_size} · {d.quantization_level}".strip(" ·")
        return None
