"""Details of one installed model, from ``/api/show`` (verbose): a dialog with tabs.

Overview (architecture, context length, parameters, quantization, capabilities), the default
parameters, the chat template, the license, the GGUF metadata and the tensor list. Tensor lists
run to thousands of entries, so they sit in an item model, not in widgets.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.fit.explain import layers_words
from quantdesk.core.ollama import ShowResponse, Tensor
from quantdesk.ui.plain_text import plain_label

Index = QModelIndex | QPersistentModelIndex
ELEMENTS = 3  # the tensor table's count column, right-aligned like every number column
# Vocabulary arrays hold ~100k entries: the metadata tab shows their start and their size.
MAX_LIST_ITEMS = 16


def metadata_value(value: object) -> str:
    if isinstance(value, list | tuple) and len(value) > MAX_LIST_ITEMS:
        head = ", ".join(repr(v) for v in value[:MAX_LIST_ITEMS])
        return f"[{head}, …] ({len(value):,} values)"
    return repr(value)


class TensorTableModel(QAbstractTableModel):
    HEADERS = ("Name", "Type", "Shape", "Elements")

    def __init__(self, tensors: tuple[Tensor, ...], parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = [
            (t.name, t.type, " × ".join(str(s) for s in t.shape), f"{_product(t.shape):,}")
            for t in tensors
        ]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == ELEMENTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _product(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n if shape else 0


def overview_rows(name: str, show: ShowResponse) -> list[tuple[str, str]]:
    d = show.details
    params = show.parameter_count
    quant = show.quant
    return [
        ("Model", name),
        ("Architecture", show.architecture or d.family or "unknown"),
        ("Context length", f"{show.context_length:,} tokens" if show.context_length else
         "unknown"),
        ("Parameters", f"{params:,}" if params else d.parameter_size or "unknown"),
        ("Quantization", (f"{quant.name} — {quant.words}" if quant else
                          d.quantization_level or "unknown")),
        ("Layers", _layers(show.arch_value("block_count"))),
        ("Embedding length", _count(show.arch_value("embedding_length"))),
        ("Capabilities", ", ".join(show.capabilities) or "none listed"),
        ("Format", d.format or "unknown"),
        ("Tensors", f"{len(show.tensors):,}"),
    ]


def _layers(blocks: object) -> str:
    # The fit counts the output layer too (Ollama's layers.model): say 33 where it says 33.
    if isinstance(blocks, int) and not isinstance(blocks, bool) and blocks > 0:
        return layers_words(blocks + 1)
    return "unknown"


def _count(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value:
        return f"{value:,}"
    return str(value) if value else "unknown"


def _text_tab(text: str, empty: str, accessible: str) -> QPlainTextEdit:
    view = QPlainTextEdit(text or empty)
    view.setReadOnly(True)
    view.setAccessibleName(accessible)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


class DetailsDialog(QDialog):
    def __init__(self, name: str, show: ShowResponse, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Details — {name}")
        self.setAccessibleName(f"Details of {name}")
        self.resize(760, 560)
        self.tabs = QTabWidget(self)

        overview = QWidget()
        form = QFormLayout(overview)
        self.overview: dict[str, QLabel] = {}
        for key, value in overview_rows(name, show):
            label = plain_label(value)  # the daemon's facts about the model
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(key)
            self.overview[key] = label
            form.addRow(f"{key}:", label)
        self.tabs.addTab(overview, "Overview")

        params = QTableWidget(len(show.parameter_lines), 2)
        params.setHorizontalHeaderLabels(["Parameter", "Value"])
        params.setAccessibleName("Default parameters")
        params.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)  # shown, not edited
        params.verticalHeader().hide()
        for row, (key, value) in enumerate(show.parameter_lines):
            params.setItem(row, 0, QTableWidgetItem(key))
            params.setItem(row, 1, QTableWidgetItem(value))
        params.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(params, "Parameters")
        self.tabs.addTab(_text_tab(show.template, "(no template)", "Chat template"), "Template")
        if show.system:
            self.tabs.addTab(_text_tab(show.system, "", "System prompt"), "System")
        self.tabs.addTab(_text_tab(show.license, "(no license text)", "License"), "License")
        info = "\n".join(f"{k} = {metadata_value(v)}"
                         for k, v in sorted(show.model_info.items()))
        self.tabs.addTab(_text_tab(info, "(no metadata)", "GGUF metadata"), "Metadata")

        self.tensor_model = TensorTableModel(show.tensors, self)
        tensors = QTableView()
        tensors.setModel(self.tensor_model)
        tensors.setAccessibleName("Tensors")
        tensors.verticalHeader().hide()
        tensors.setWordWrap(False)  # "4096 × 128256" on one line
        tensors.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        tensors.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(tensors, f"Tensors ({len(show.tensors):,})")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
