"""The Library's item models: one row per installed model, sorted and filtered by a proxy.

Everything a cell shows is computed once per row when the list arrives (display text, sort
key, the lower-case text the filter searches), so painting and filtering 1,000 rows costs only
lookups. A new list is a model reset; loaded state and fit verdicts change single columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush

from quantdesk.core.loaded_lines import memory_text, model_line
from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.ollama import LocalModel, RunningModel
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.plain_text import tip, tip_or_none
from quantdesk.ui.widgets.fit_badge import FitView

COLUMNS = ("Name", "Family", "Parameters", "Quantization", "Size", "Modified", "Loaded", "Fit")
NAME, FAMILY, PARAMS, QUANT, SIZE, MODIFIED, LOADED, FIT = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole
FIT_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's FitView, for the badge delegate
_PARAMS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}

Index = QModelIndex | QPersistentModelIndex
# Qt 6.10 replaced invalidateRowsFilter (now deprecated, a warning) with begin/endFilterChange.
_HAS_FILTER_CHANGE = hasattr(QSortFilterProxyModel, "beginFilterChange")


def parameter_count(text: str) -> float:
    """``"8.0B"`` -> 8e9, ``"567.55M"`` -> 5.6755e8; 0 when unreadable."""
    m = _PARAMS.match(text or "")
    return float(m.group(1)) * _SCALE[m.group(2).upper()] if m else 0.0


def modified_text(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return "—"
    now = now or datetime.now(when.tzinfo)
    days = (now - when).days
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    return when.strftime("%Y-%m-%d")


@dataclass(slots=True)
class LibraryRow:
    model: LocalModel
    texts: list[str]
    keys: list[Any]
    haystack: str
    loaded: RunningModel | None = None
    fit: FitView | None = None
    tooltips: dict[int, str] = field(default_factory=dict)


def make_row(m: LocalModel, now: datetime | None = None) -> LibraryRow:
    d = m.details
    quant = d.quantization_level or "—"
    texts = [m.name, d.family or "—", d.parameter_size or "—", quant,
             "cloud" if m.is_remote else human_bytes(m.size),
             modified_text(m.modified_at, now), "", "…"]
    keys: list[Any] = [
        m.name.lower(), d.family.lower(), parameter_count(d.parameter_size),
        d.quant.rank if d.quant else -1.0, m.size,
        m.modified_at.timestamp() if m.modified_at else 0.0, 0, -1,
    ]
    haystack = " ".join((m.name, d.family, d.parameter_size, quant, *d.families)).lower()
    return LibraryRow(m, texts, keys, haystack)


class LibraryTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[LibraryRow] = []
        self._by_name: dict[str, int] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- data in ----------------------------------------------------------------------------

    def set_models(self, models: list[LocalModel], loaded: LoadedState | None = None) -> None:
        now = datetime.now().astimezone()
        old_fit = {r.model.name: r.fit for r in self._rows if r.model.digest}
        self.beginResetModel()
        self._rows = [make_row(m, now) for m in models]
        for r in self._rows:
            if (fit := old_fit.get(r.model.name)) is not None:
                self._apply_fit(r, fit)
        if self._sort is not None:
            column, order = self._sort
            self._rows.sort(key=lambda r: r.keys[NAME])
            self._rows.sort(key=lambda r: r.keys[column],
                            reverse=order == Qt.SortOrder.DescendingOrder)
        self._by_name = {r.model.name: i for i, r in enumerate(self._rows)}
        self.endResetModel()
        if loaded is not None:
            self.set_loaded(loaded)

    def set_loaded(self, state: LoadedState) -> None:
        """The Loaded column: each row's line of the one ``LoadedState`` (loaded with its
        memory, loading, unloading, failed, or nothing)."""
        for i, row in enumerate(self._rows):
            line = model_line(state, row.model.name)
            # The header says "Loaded": the cell gives what it holds ("5.4 GB · 100% GPU").
            text = (memory_text(line.running) if line.state == "loaded" and line.running
                    else line.text)
            if text == row.texts[LOADED] and line.running == row.loaded:
                continue
            row.loaded = line.running
            row.texts[LOADED] = text
            row.tooltips[LOADED] = line.text
            row.keys[LOADED] = 1 if line.running else 0
            idx = self.index(i, LOADED)
            self.dataChanged.emit(idx, idx)

    def set_fit(self, name: str, fit: FitView | None) -> None:
        i = self._by_name.get(name)
        if i is None:
            return
        self._apply_fit(self._rows[i], fit)
        idx = self.index(i, FIT)
        self.dataChanged.emit(idx, idx)

    @staticmethod
    def _apply_fit(row: LibraryRow, fit: FitView | None) -> None:
        row.fit = fit
        row.texts[FIT] = fit.short if fit else "…"
        row.keys[FIT] = fit.order if fit else -1
        row.tooltips[FIT] = fit.tooltip if fit else ""

    # -- data out ---------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """One Python sort over precomputed keys. Sorting here, not in the proxy, keeps a
        filter keystroke free of the proxy's per-comparison calls back into Python."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        names = [self._rows[i.row()].model.name for i in before]
        reverse = order == Qt.SortOrder.DescendingOrder
        # Ties keep name order whatever the direction, so equal sizes do not shuffle.
        self._rows.sort(key=lambda r: r.keys[NAME])
        self._rows.sort(key=lambda r: r.keys[column], reverse=reverse)
        self._by_name = {r.model.name: i for i, r in enumerate(self._rows)}
        after = [self.index(self._by_name[n], i.column()) for n, i in zip(names, before,
                                                                          strict=True)]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def rows(self) -> list[LibraryRow]:
        return self._rows

    def row_of(self, name: str) -> int | None:
        return self._by_name.get(name)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[col]
        if role == SORT_ROLE:
            return row.keys[col]
        if role == NAME_ROLE:
            return row.model.name
        if role == FIT_ROLE:
            return row.fit if col == FIT else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == NAME:  # the whole name (elided on narrow windows) and what it is
                facts = [t for t in row.texts[FAMILY:MODIFIED] if t not in ("—", "")]
                return tip(" · ".join([row.texts[NAME], *facts]))
            return tip_or_none(row.tooltips.get(col))
        if role == Qt.ItemDataRole.ForegroundRole and col == FIT and row.fit is not None:
            return QBrush(row.fit.color)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (PARAMS, SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class LibraryFilterProxy(QSortFilterProxyModel):
    """Every word typed must appear in the row's name, family, size or quantization.

    Sorting is handed to the source model (see ``LibraryTableModel.sort``); the proxy keeps
    source order, so it never compares rows itself.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self.setDynamicSortFilter(False)  # re-sorting on every loaded/fit change would jump

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        src = self.sourceModel()
        if src is not None and column >= 0:
            src.sort(column, order)

    def set_needle(self, text: str) -> None:
        words = text.lower().split()
        if words == self._words:
            return
        if _HAS_FILTER_CHANGE:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # Qt before 6.10
            self._words = words
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        if not self._words:
            return True
        src = self.sourceModel()
        assert isinstance(src, LibraryTableModel)
        hay = src.rows()[source_row].haystack
        return all(w in hay for w in self._words)
