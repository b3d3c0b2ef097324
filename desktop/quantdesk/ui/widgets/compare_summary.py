"""The summary table under the panes: the variants ranked, best first, by the one rule
of ``core.compare.ranking`` (the CLI and the exports rank the same way)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from quantdesk.core.compare.ranking import rank_key, ranked
from quantdesk.core.compare.results import RunResult
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.plain_text import tip_or_none
from quantdesk.ui.widgets import compare_format as fmt

COLUMNS: tuple[str, ...] = (
    "#", "Variant", "State", "Agreement", "Accuracy", "Gen. tok/s", "Ollama size",
    "Predicted", "Diverges", "Approx. KL", "Bits/weight", "Load", "First token",
)
STATE_COLUMN = COLUMNS.index("State")
# Shown by each variant's pane already; the ranked table starts without them (the header's
# context menu brings them back) so it fits beside the charts without scrolling sideways.
DETAIL_COLUMNS: frozenset[int] = frozenset(
    COLUMNS.index(c) for c in ("Predicted", "Diverges", "Bits/weight", "Load", "First token"))
REFERENCE_MARK = "★ "


__all__ = ["COLUMNS", "SummaryModel", "rank_key", "ranked"]


class SummaryModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._runs: list[RunResult] = []
        self._reference = ""
        self._tags_only = False

    def set_runs(self, runs: list[RunResult], reference: str) -> None:
        self.beginResetModel()
        self._reference = reference
        self._runs = ranked(list(runs), reference)
        # Variants of one model: the tag says which ("8b-instruct-q8_0"), the repository
        # repeated on every row only crowds a narrow table; the tooltip has the whole name.
        repos = {r.model.rpartition(":")[0] for r in self._runs}
        self._tags_only = len(self._runs) > 1 and len(repos) == 1 and "" not in repos
        self.endResetModel()

    def runs(self) -> list[RunResult]:
        return list(self._runs)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self._runs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        is_ref = run.model == self._reference
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(index.row(), index.column(), run, is_ref)
        if role == Qt.ItemDataRole.UserRole:
            return run.model
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return QColor(fmt.state_colour(run.state))
        if role == Qt.ItemDataRole.FontRole and is_ref and index.column() == 1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip_or_none(self._tip(index.column(), run, is_ref))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() not in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _tip(column: int, run: RunResult, is_ref: bool) -> str | None:
        if run.error:
            return run.error
        if column == 1:
            return run.model + (" — the reference the others are scored against"
                                if is_ref else "")
        if column == 4:
            return fmt.accuracy_interval(run)
        return None

    def _cell(self, row: int, column: int, run: RunResult, is_ref: bool) -> str:
        match column:
            case 0:
                return str(row + 1) if run.state == "done" else ""
            case 1:
                name = run.model.rpartition(":")[2] if self._tags_only else run.model
                return (REFERENCE_MARK if is_ref else "") + name
            case 2:
                return fmt.state_word(run.state)
            case 3:
                return "—" if is_ref else fmt.share(run.agreement)
            case 4:
                return fmt.accuracy_short(run)
            case 5:
                return "—" if run.eval_tps is None else f"{run.eval_tps:,.1f}"
            case 6:
                return human_bytes(run.size)
            case 7:
                return human_bytes(run.predicted_bytes)
            case 8:
                return fmt.divergence(run, is_ref)
            case 9:
                return "—" if is_ref or run.approx_kl is None else f"{run.approx_kl:.4f}"
            case 10:
                return "—" if run.bpw is None else f"{run.bpw:.2f}"
            case 11:
                return fmt.seconds(run.load_s)
            case _:
                return fmt.seconds(run.ttft_s)
