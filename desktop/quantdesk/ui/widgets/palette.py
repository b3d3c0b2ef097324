"""Ctrl+K switcher: type to filter the installed models, Enter switches to the highlighted one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from quantdesk.ui.resources import icon


class SwitcherPalette(QDialog):
    """Signals:
    chosen(str): the model the user picked
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Switch model")
        self.setAccessibleName("Model switcher")
        self.setModal(True)
        self.resize(520, 360)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Type to filter models, Enter to switch")
        self.filter.setAccessibleName("Filter models")
        self.filter.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter.setClearButtonEnabled(True)
        self._names = QStringListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self._names)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView(self)
        self.list.setModel(self.proxy)
        self.list.setAccessibleName("Matching models")
        self.list.setUniformItemSizes(True)
        self.hint = QLabel(self)
        self.hint.setObjectName("pageHint")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        self.filter.textChanged.connect(self._on_filter)
        self.filter.returnPressed.connect(self.accept_current)
        self.list.activated.connect(lambda _i: self.accept_current())
        self.filter.installEventFilter(self)
        self._loaded: set[str] = set()

    def set_models(self, names: list[str], loaded: set[str] | None = None) -> None:
        self._loaded = set(loaded or ())
        # Loaded models first: switching back to one is the common case.
        ordered = sorted(names, key=lambda n: (n not in self._loaded, n))
        if ordered == self._names.stringList():
            return  # a poll with nothing new must not move the user's selection
        current = self.current_name()
        self._names.setStringList(ordered)
        self.proxy.invalidate()
        self._select_first()
        if current in self.visible_names():
            self.list.setCurrentIndex(self.proxy.index(self.visible_names().index(current), 0))
        self._update_hint()

    def open_palette(self) -> None:
        self.filter.clear()
        self._select_first()
        self.show()
        self.raise_()
        self.activateWindow()
        self.filter.setFocus()

    def visible_names(self) -> list[str]:
        return [str(self.proxy.index(r, 0).data()) for r in range(self.proxy.rowCount())]

    def current_name(self) -> str | None:
        idx = self.list.currentIndex()
        return str(idx.data()) if idx.isValid() else None

    def accept_current(self) -> None:
        name = self.current_name()
        if name:
            self.chosen.emit(name)
            self.accept()

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._select_first()
        self._update_hint()

    def _select_first(self) -> None:
        if self.proxy.rowCount():
            self.list.setCurrentIndex(self.proxy.index(0, 0))

    def _update_hint(self) -> None:
        n = self.proxy.rowCount()
        if self._names.rowCount() == 0:
            self.hint.setText("No models installed yet: pull one from the Variants page.")
        elif n == 0:
            self.hint.setText("No installed model matches.")
        else:
            self.hint.setText(f"{n} model{'s' if n != 1 else ''} · ↑↓ to choose · Enter to "
                              "switch · Esc to close")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Arrow keys in the filter box move the selection, so the hands stay on the keyboard.
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            key = event.key() if isinstance(event, QKeyEvent) else None
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentIndex().row()
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.proxy.rowCount() - 1, row + step))
                if self.proxy.rowCount():
                    self.list.setCurrentIndex(self.proxy.index(row, 0))
                return True
        return super().eventFilter(watched, event)
