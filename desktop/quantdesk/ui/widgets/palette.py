"""Ctrl+K palette: type a few letters of a model or a page ("qwen7" finds qwen2.5:7b), see
each model's size and loaded state, Enter acts.

Models are ranked by ``core.palette`` (fuzzy, loaded first when nothing is typed) and carry the
same loaded line as the rest of the app (one ``LoadedState``). Enter on a model makes it the
active model (the others are unloaded), Ctrl+Enter loads it beside them, Enter on a page opens
it; Esc closes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.fuzzy import fuzzy_filter, highlight_runs
from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.ollama import LocalModel
from quantdesk.core.palette import PaletteRow, palette_rows
from quantdesk.ui.plain_text import tip
from quantdesk.ui.resources import icon

ENTRY_ROLE = Qt.ItemDataRole.UserRole  # ("model" | "page", name or page key)
HTML_ROLE = Qt.ItemDataRole.UserRole + 1  # the name with matched letters in bold
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2  # "4.9 GB · Loaded · 100% GPU"
MAX_ROWS = 50


@dataclass(frozen=True, slots=True)
class PageEntry:
    key: str
    title: str


def marked_html(text: str, positions: Sequence[int]) -> str:
    """``text`` escaped, its matched characters in bold (a model name is the daemon's data)."""
    out, at = [], 0
    for start, end in highlight_runs(positions):
        out.append(html.escape(text[at:start]))
        out.append(f"<b>{html.escape(text[start:end])}</b>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


class _EntryDelegate(QStyledItemDelegate):
    """The name as rich text on the left, size and state on the right."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = (QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        color = opt.palette.color(role)
        rect = opt.rect.adjusted(8, 0, -8, 0)
        detail = str(index.data(DETAIL_ROLE) or "")
        painter.save()
        painter.setPen(color)
        detail_w = opt.fontMetrics.horizontalAdvance(detail) if detail else 0
        if detail:
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             detail)
        doc = QTextDocument()
        doc.setDefaultFont(opt.font)
        doc.setDocumentMargin(0)
        doc.setHtml(f"<span style='color:{color.name()}'>{index.data(HTML_ROLE) or ''}</span>")
        name_rect = QRect(rect.left(), rect.top(), max(0, rect.width() - detail_w - 12),
                          rect.height())
        painter.translate(name_rect.left(), name_rect.top()
                          + (name_rect.height() - doc.size().height()) / 2)
        painter.setClipRect(QRect(0, 0, name_rect.width(), name_rect.height()))
        doc.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 10))


class SwitcherPalette(QDialog):
    """Signals:
    chosen(str): a model to make the active one (Enter)
    load_requested(str): a model to load beside the others (Ctrl+Enter)
    page_requested(str): a page key to open
    """

    chosen = Signal(str)
    load_requested = Signal(str)
    page_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Switch model or page")
        self.setAccessibleName("Command palette")
        self.setModal(True)
        self.resize(560, 380)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Type a few letters of a model or a page")
        self.filter.setAccessibleName("Filter models and pages")
        self.filter.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Matching models and pages")
        self.list.setItemDelegate(_EntryDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.hint = QLabel(self)
        self.hint.setObjectName("pageHint")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        self.filter.textChanged.connect(lambda _t: self._render())
        self.list.itemActivated.connect(lambda _i: self.accept_current())
        self.filter.installEventFilter(self)
        self._installed: list[LocalModel] = []
        self._state = LoadedState()
        self._pages: list[PageEntry] = []
        self.rows: list[PaletteRow] = []

    # -- data in ----------------------------------------------------------------------------

    def set_entries(self, installed: Sequence[LocalModel], state: LoadedState,
                    pages: Sequence[PageEntry] = ()) -> None:
        self._installed = list(installed)
        self._state = state
        self._pages = list(pages)
        self._render(keep_current=True)

    def open_palette(self) -> None:
        self.filter.clear()
        self._render()
        self.show()
        self.raise_()
        self.activateWindow()
        self.filter.setFocus()

    # -- reading ----------------------------------------------------------------------------

    def entries(self) -> list[tuple[str, str]]:
        return [self.list.item(r).data(ENTRY_ROLE) for r in range(self.list.count())]

    def visible_names(self) -> list[str]:
        return [name for kind, name in self.entries() if kind == "model"]

    def current_entry(self) -> tuple[str, str] | None:
        item = self.list.currentItem()
        return item.data(ENTRY_ROLE) if item is not None else None

    def current_name(self) -> str | None:
        entry = self.current_entry()
        return entry[1] if entry is not None and entry[0] == "model" else None

    # -- acting -----------------------------------------------------------------------------

    def accept_current(self, *, load: bool = False) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        kind, value = entry
        if kind == "page":
            self.page_requested.emit(value)
        elif load:
            self.load_requested.emit(value)
        else:
            self.chosen.emit(value)
        self.accept()

    def _render(self, *, keep_current: bool = False) -> None:
        current = self.current_entry() if keep_current else None
        query = self.filter.text()
        self.rows = palette_rows(query, self._installed, self._state, limit=MAX_ROWS)
        pages = fuzzy_filter(query, self._pages, key=lambda p: p.title) if query.strip() else []
        self.list.clear()
        for row in self.rows:
            detail = " · ".join(t for t in (row.size_text, row.line.text) if t)
            self._add(("model", row.name), marked_html(row.name, row.positions), detail,
                      f"{row.name}, {detail}")
        for page, match in pages:
            self._add(("page", page.key), marked_html(f"{page.title} page", match.positions),
                      "Open", f"Open the {page.title} page")
        if self.list.count():
            wanted = next((r for r in range(self.list.count())
                           if self.list.item(r).data(ENTRY_ROLE) == current), 0)
            self.list.setCurrentRow(wanted)
        self._update_hint(len(self.rows), len(pages))

    def _add(self, entry: tuple[str, str], rich: str, detail: str, spoken: str) -> None:
        item = QListWidgetItem(entry[1])
        item.setData(ENTRY_ROLE, entry)
        item.setData(HTML_ROLE, rich)
        item.setData(DETAIL_ROLE, detail)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
        item.setToolTip(tip(spoken))  # names the daemon's model
        self.list.addItem(item)

    def _update_hint(self, models: int, pages: int) -> None:
        if not self._installed and not pages:
            self.hint.setText("No models installed yet: pull one from the Variants page.")
        elif models + pages == 0:
            self.hint.setText("Nothing matches: type fewer letters, in the order of the name.")
        else:
            self.hint.setText("↑↓ to choose · Enter makes a model the active one (the others "
                              "are unloaded) or opens a page · Ctrl+Enter loads a model beside "
                              "the others · Esc to close")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Arrow keys in the filter box move the selection, so the hands stay on the keyboard.
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                count = self.list.count()
                if count:
                    step = 1 if key == Qt.Key.Key_Down else -1
                    self.list.setCurrentRow(max(0, min(count - 1, self.list.currentRow() + step)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                self.accept_current(load=ctrl)
                return True
        return super().eventFilter(watched, event)
