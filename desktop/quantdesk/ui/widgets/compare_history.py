"""The history panel: stored comparisons, newest first, with reopen, re-run, delete, export.

The confirmation and the file dialog are attributes (``confirm``, ``choose_file``) so a test
can answer them without a modal dialog; by default they are Qt's standard dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.store import ComparisonSummary
from quantdesk.ui.compare_words import what_text
from quantdesk.ui.formatting import local_time
from quantdesk.ui.plain_text import ask, tip

COLUMNS = ("When", "What", "Variants", "Complete")
EXPORT_FILTERS = "JSON (*.json);;CSV (*.csv);;Markdown (*.md)"
_SUFFIX = {"JSON": ".json", "CSV": ".csv", "Markdown": ".md"}


def _ask(parent: QWidget, text: str) -> bool:
    return ask(parent, "Delete comparison", text)


def export_folder() -> Path:
    """Where the save dialog opens: the user's Documents folder (never the working directory,
    which for a source checkout is the checkout), else the home folder."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if docs and Path(docs).is_dir():
        return Path(docs)
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
                or Path.home())


def _save_dialog(parent: QWidget, suggested: str) -> Path | None:
    path, chosen = QFileDialog.getSaveFileName(parent, "Export comparison",
                                               str(export_folder() / suggested),
                                               EXPORT_FILTERS)
    if not path:
        return None
    p = Path(path)
    if not p.suffix:  # the filter picked says which format
        p = p.with_suffix(_SUFFIX.get(chosen.split(" ")[0], ".json"))
    return p


class HistoryPanel(QWidget):
    """Signals:
    reopen_requested(str), rerun_requested(str), delete_requested(str),
    export_requested(str, object): comparison id (and the chosen Path)
    """

    reopen_requested = Signal(str)
    rerun_requested = Signal(str)
    delete_requested = Signal(str)
    export_requested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confirm: Callable[[str], bool] = lambda text: _ask(self, text)
        self.choose_file: Callable[[str], Path | None] = lambda name: _save_dialog(self, name)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Stored comparisons")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.doubleClicked.connect(lambda _i: self._emit(self.reopen_requested))
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.reopen_button = QPushButton("Reopen", self)
        self.rerun_button = QPushButton("Re-run", self)
        self.rerun_button.setToolTip("Run the same comparison again and show what changed")
        self.delete_button = QPushButton("Delete…", self)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Save as JSON, CSV or Markdown")
        self.reopen_button.clicked.connect(lambda: self._emit(self.reopen_requested))
        self.rerun_button.clicked.connect(lambda: self._emit(self.rerun_requested))
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export_selected)
        buttons = QHBoxLayout()
        for b in (self.reopen_button, self.rerun_button, self.delete_button,
                  self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._update_buttons()

    def set_summaries(self, items: list[ComparisonSummary]) -> None:
        selected = self.selected_id()
        self.table.setRowCount(len(items))
        for row, s in enumerate(items):
            what = what_text(s)
            cells = (local_time(s.created_at), what, ", ".join(s.models),
                     "yes" if s.complete else "no (incomplete)")
            tips = (f"{s.created_at[:19].replace('T', ' ')} UTC", s.prompt or what,
                    "\n".join(s.models), "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.id)
                item.setToolTip(tip(tips[col] or text))  # names and prompts
                self.table.setItem(row, col, item)
            if s.id == selected:
                self.table.selectRow(row)
        self._update_buttons()

    def ids(self) -> list[str]:
        return [str(self.table.item(r, 0).data(Qt.ItemDataRole.UserRole))
                for r in range(self.table.rowCount())]

    def select(self, comparison_id: str) -> None:
        if comparison_id in self.ids():
            self.table.selectRow(self.ids().index(comparison_id))

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return str(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))

    def _emit(self, signal: Signal) -> None:  # type: ignore[valid-type]
        cid = self.selected_id()
        if cid:
            signal.emit(cid)  # type: ignore[attr-defined]

    def delete_selected(self) -> None:
        cid = self.selected_id()
        row = self.table.currentRow()
        when = self.table.item(row, 0).text() if row >= 0 and self.table.item(row, 0) else ""
        if cid and self.confirm(f"Delete the comparison of {when} ({cid}) from the history? "
                                "This cannot be undone."):
            self.delete_requested.emit(cid)

    def export_selected(self) -> None:
        cid = self.selected_id()
        if not cid:
            return
        path = self.choose_file(f"{cid}.json")
        if path is not None:
            self.export_requested.emit(cid, path)

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        for b in (self.reopen_button, self.rerun_button, self.delete_button,
                  self.export_button):
            b.setEnabled(has)
