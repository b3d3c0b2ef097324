"""Table columns that give way, in order of importance, when the window narrows (down to
1024×640): one column stretches (the name, elided in the middle, whole in its tooltip) and
keeps at least ``min_stretch`` pixels; the others are first narrowed to their contents, then
hidden least important first, and come back as room returns. The table never scrolls sideways
while a column can still give way.

Columns the page or the user hid (a header menu) stay hidden: the page says which with
:meth:`ColumnFit.set_page_hidden`; the fitter hides and shows only the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


class ColumnFit(QObject):
    def __init__(self, view: QTableView, stretch: int, give_way: Sequence[int], *,
                 min_stretch: int = 220, padding: int = 12, keep_width: Sequence[int] = (),
                 ) -> None:
        """``give_way``: the columns that may be hidden, least important first;
        ``keep_width``: columns whose set width is not narrowed (a drawn badge or bar)."""
        super().__init__(view)
        self.view = view
        self.stretch = stretch
        self.give_way = list(give_way)
        self.min_stretch = min_stretch
        self.padding = padding
        self.keep_width = set(keep_width)
        self._widths: dict[int, int] = {  # each column's natural width while shown
            c: view.horizontalHeader().sectionSize(c) for c in self.keep_width}
        self._last_shown: dict[int, int] = {}  # a Qt-sized column's width when last shown
        self.fitted: set[int] = set()  # hidden for want of room
        # Hidden whatever the room (chosen by the page or the user); the rest are the
        # fitter's to show and hide. Starts as the view's hidden columns.
        self.page_hidden: set[int] = {c for c in range(view.horizontalHeader().count())
                                      if view.isColumnHidden(c)}
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = view.horizontalHeader()
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(24)
        view.viewport().installEventFilter(self)
        self._timer = QTimer(self)  # many resizes in a row: fit once, after them
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        model = view.model()
        if model is not None:
            model.modelReset.connect(self.measure)
            model.layoutChanged.connect(self._timer.start)
            # A cell filled later (the Loaded column once /api/ps answers) widens its column
            # to what it needs; never narrows it (the user may have widened it).
            self._grow_timer = QTimer(self)
            self._grow_timer.setSingleShot(True)
            self._grow_timer.setInterval(0)
            self._grow_timer.timeout.connect(self.grow)
            model.dataChanged.connect(lambda *_a: self._grow_timer.start())

    def measure(self) -> None:
        """Narrow every column but the stretching one to its contents, then fit."""
        header = self.view.horizontalHeader()
        for c in range(header.count()):
            if c == self.stretch or c in self.keep_width:
                continue
            mode = header.sectionResizeMode(c)
            if mode == QHeaderView.ResizeMode.Interactive:
                wanted = max(self.view.sizeHintForColumn(c), header.sectionSizeHint(c))
                self._widths[c] = max(wanted + self.padding, header.minimumSectionSize())
                if not self.view.isColumnHidden(c):
                    header.resizeSection(c, self._widths[c])
        self.fit()

    def grow(self) -> None:
        """Widen the columns sized here whose contents no longer fit, then fit."""
        header = self.view.horizontalHeader()
        for c, width in list(self._widths.items()):
            if c in self.keep_width or header.sectionResizeMode(c) != (
                    QHeaderView.ResizeMode.Interactive):
                continue
            wanted = max(self.view.sizeHintForColumn(c), header.sectionSizeHint(c))
            wanted = max(wanted + self.padding, header.minimumSectionSize())
            if wanted > width:
                self._widths[c] = wanted
                if not self.view.isColumnHidden(c):
                    header.resizeSection(c, wanted)
        self.fit()

    def width_of(self, c: int) -> int:
        header = self.view.horizontalHeader()
        if c in self._widths:
            return self._widths[c]
        if header.sectionResizeMode(c) == QHeaderView.ResizeMode.Fixed:
            return header.sectionSize(c) or header.defaultSectionSize()
        # Sized to contents by Qt. Qt measures only a shown column (a hidden one reads a few
        # pixels), so a hidden column counts with its width when last shown: measured hidden,
        # a column looked narrow, came back, measured wide and went again, on every update
        # (while a comparison ran, the Variant column flickered down to "…").
        if self.view.isColumnHidden(c) and c in self._last_shown:
            return self._last_shown[c]
        width = max(self.view.sizeHintForColumn(c), header.sectionSizeHint(c))
        if not self.view.isColumnHidden(c):
            self._last_shown[c] = width
        return width

    def set_page_hidden(self, columns: set[int]) -> None:
        """The columns the page (or the user, through it) keeps hidden whatever the room."""
        self.page_hidden = set(columns)
        self.fit()

    def fit(self) -> None:
        header = self.view.horizontalHeader()
        room = self.view.viewport().width()
        if room <= 0:
            return
        shown = [c for c in range(header.count())
                 if c != self.stretch and c not in self.page_hidden]
        hidden: set[int] = set()
        used = sum(self.width_of(c) for c in shown)
        for c in self.give_way:  # least important first
            if used + self.min_stretch <= room:
                break
            if c in shown:
                hidden.add(c)
                used -= self.width_of(c)
        for c in range(header.count()):
            if c == self.stretch:
                continue
            want_hidden = c in hidden or c in self.page_hidden
            if want_hidden != self.view.isColumnHidden(c):
                self.view.setColumnHidden(c, want_hidden)
                if not want_hidden and c in self._widths:
                    header.resizeSection(c, self._widths[c])
        self.fitted = hidden

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self._timer.start()
        return False
