"""Quality against memory and speed against memory for one comparison (pyqtgraph).

Importing this module imports pyqtgraph (and numpy), which costs start-up time and memory;
the Compare page imports it only when it is first shown, so the rest of the app never pays.

Each variant is one point at its memory (Ollama's measured size, else our prediction):
the reference is a star, a variant that fits fully on this machine's GPU is filled, one that
does not is hollow, and each point carries its tag as a plain-text label.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from quantdesk.core.compare.results import ComparisonResult, RunResult
from quantdesk.core.machine import Machine
from quantdesk.ui.widgets import compare_format as fmt

GB = 1e9
FIT_COLOUR = "#27ae60"
NO_FIT_COLOUR = "#c0392b"


class ChartPoint:
    """What one point shows; kept so tests can read the charts without pixels."""

    def __init__(self, run: RunResult, x: float, y: float, reference: bool, fits: bool,
                 label: str = ""):
        self.model, self.x, self.y = run.model, x, y
        self.reference, self.fits = reference, fits
        self.label = label or fmt.short_name(run.model)


def points(result: ComparisonResult, machine: Machine | None,
           value: str) -> list[ChartPoint]:
    """Points for ``value`` ("quality" or "speed") of the runs that have both numbers."""
    out = []
    labels = fmt.point_labels(list(result.runs))
    for run in result.runs:
        mem = fmt.memory_bytes(run)
        if value == "quality":
            y = 1.0 if run.model == result.reference and run.accuracy is None else (
                fmt.quality(run))
        else:
            y = run.eval_tps
        if mem is None or y is None:
            continue
        out.append(ChartPoint(run, mem / GB, float(y), run.model == result.reference,
                              fmt.fits_machine(run, machine), labels[run.model]))
    return out


def _clear(box: QRectF, view: QRectF, others: list[QRectF]) -> bool:
    """Inside the plotted range and over nothing else (boxes in data units)."""
    return view.contains(box) and not any(box.intersects(o) for o in others)


class _Plot(pg.PlotWidget):
    def __init__(self, title: str, y_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        self.setBackground(pal.color(QPalette.ColorRole.Base))
        self.setTitle(title, color=text.name(), size="10pt")
        for side, label in (("bottom", "memory (GB)"), ("left", y_label)):
            axis = self.getPlotItem().getAxis(side)
            axis.setLabel(label, color=text.name())
            axis.setTextPen(text)
            axis.setPen(text)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self._scatter = pg.ScatterPlotItem()
        self.addItem(self._scatter)
        self._labels: list[pg.TextItem] = []
        self.points: list[ChartPoint] = []
        self._text = text

    def show_points(self, pts: list[ChartPoint], y_range: tuple[float, float] | None) -> None:
        self.points = pts
        for label in self._labels:
            self.removeItem(label)
        self._labels = []
        spots = []
        for p in pts:
            colour = QColor(FIT_COLOUR if p.fits else NO_FIT_COLOUR)
            spots.append({
                "pos": (p.x, p.y), "size": 18 if p.reference else 12,
                "symbol": "star" if p.reference else "o",
                "pen": pg.mkPen(colour, width=2),
                "brush": pg.mkBrush(colour) if p.fits else pg.mkBrush(0, 0, 0, 0),
                "data": p.model,
            })
        self._scatter.setData(spots)
        if pts:
            xs = [p.x for p in pts]
            pad = max(0.6, (max(xs) - min(xs)) * 0.2)
            self.setXRange(min(xs) - pad, max(xs) + pad, padding=0)
            if y_range is not None:
                self.setYRange(*y_range, padding=0)
            else:
                ys = [p.y for p in pts]
                span = max(ys) - min(ys)
                self.setYRange(max(0.0, min(ys) - span * 0.3 - 1), max(ys) + span * 0.3 + 1,
                               padding=0)
        self._place_labels()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_labels()  # where a label fits depends on the pixels per unit

    def _place_labels(self) -> None:
        """Each point's label on the first side where it covers no other point and no label
        already placed (right, above, below, left), so close points stay readable."""
        if not hasattr(self, "_labels"):  # a resize while the base class is being set up
            return
        for label in self._labels:
            self.removeItem(label)
        self._labels = []
        if not self.points:
            return
        view = self.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        view_box = QRectF(x0, y0, x1 - x0, y1 - y0)
        width, height = max(1.0, view.width()), max(1.0, view.height())
        ux, uy = (x1 - x0) / width, (y1 - y0) / height  # data units per pixel
        metrics = QFontMetrics(self.font())
        marks = [QRectF(p.x - 8 * ux, p.y - 8 * uy, 16 * ux, 16 * uy) for p in self.points]
        placed: list[QRectF] = []
        for i, p in enumerate(self.points):
            w, h = (metrics.horizontalAdvance(p.label) + 6) * ux, (metrics.height() + 2) * uy
            gap_x, gap_y = 9 * ux, 9 * uy
            # (left, bottom) of the label box for each side, and the TextItem anchor for it
            sides = [
                ((p.x + gap_x, p.y - h / 2), (0.0, 0.5)),
                ((p.x - w / 2, p.y + gap_y), (0.5, 1.0)),
                ((p.x - w / 2, p.y - gap_y - h), (0.5, 0.0)),
                ((p.x - gap_x - w, p.y - h / 2), (1.0, 0.5)),
            ]
            others = marks[:i] + marks[i + 1:] + placed
            boxes = [(QRectF(left, bottom, w, h), anchor) for (left, bottom), anchor in sides]
            box, anchor = next((b for b in boxes if _clear(b[0], view_box, others)), boxes[0])
            anchor_x = {0.0: box.left(), 0.5: box.center().x(), 1.0: box.right()}[anchor[0]]
            anchor_y = {0.0: box.top(), 0.5: box.center().y(), 1.0: box.bottom()}[anchor[1]]
            # TextItem anchors run top-down in pixels; data y runs bottom-up.
            label = pg.TextItem(p.label, color=self._text, anchor=(anchor[0], 1.0 - anchor[1]))
            label.setPos(anchor_x, anchor_y)
            self.addItem(label)
            self._labels.append(label)
            placed.append(box)


class CompareCharts(QWidget):
    """Two charts side by side; :meth:`show_result` redraws both."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Comparison charts")
        self.quality = _Plot("Quality vs memory", "agreement / accuracy", self)
        self.speed = _Plot("Speed vs memory", "generation tok/s", self)
        self.quality.setToolTip(
            "Agreement with the reference (accuracy for a task set) against memory. Star: the "
            "reference; filled: fits fully on this machine's GPU; hollow: does not.")
        self.speed.setToolTip(
            "Generation speed against memory. Star: the reference; filled: fits fully on "
            "this machine's GPU; hollow: does not.")
        for plot in (self.quality, self.speed):
            plot.setMinimumSize(220, 120)  # with the legend, inside 1024×640 with the setup shown
        self.legend = QLabel(
            "★ reference   ● fits fully on this GPU   ○ does not fit", self)
        self.legend.setObjectName("pageHint")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.quality)
        plots.addWidget(self.speed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(plots, 1)
        layout.addWidget(self.legend)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        # Squeezed below the charts' own minimum (setup shown at 1024×640), the layout drew
        # the legend over the axis titles: it gives way instead (each chart's tooltip says
        # the same).
        room = self.height() - self.layout().spacing()
        wanted = self.quality.minimumHeight() + self.legend.sizeHint().height()
        self.legend.setVisible(room >= wanted)

    def show_result(self, result: ComparisonResult, machine: Machine | None) -> None:
        self.quality.show_points(points(result, machine, "quality"), (-0.05, 1.25))
        self.speed.show_points(points(result, machine, "speed"), None)

    def clear(self) -> None:
        self.quality.show_points([], None)
        self.speed.show_points([], None)
