"""Painting the Variants ladder: the fit badge, the memory bar and the one-click Pull button.

Delegates paint straight from the item model's roles, so a ladder of dozens of variants has
no child widgets and the whole table repaints in one pass when the context slider moves.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
)

from quantdesk.ui.widgets.fit_badge import FitView, paint_badge

Index = QModelIndex | QPersistentModelIndex
GPU_TINT = QColor(46, 125, 50, 45)
RAM_TINT = QColor(120, 120, 120, 35)


def _background(painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
    """Selection and the model's own background (the best row's tint), without the text."""
    opt = QStyleOptionViewItem(option)
    QStyledItemDelegate().initStyleOption(opt, index)
    opt.text = ""
    style = opt.widget.style() if opt.widget else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


class FitBadgeDelegate(QStyledItemDelegate):
    def __init__(self, fit_role: int, best_role: int | None = None,
                 parent: object = None) -> None:
        super().__init__(parent)
        self._fit_role = fit_role
        self._best_role = best_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        view = index.data(self._fit_role)
        if not isinstance(view, FitView):
            super().paint(painter, option, index)
            return
        _background(painter, option, index)
        paint_badge(painter, option.rect.adjusted(4, 0, -4, 0), view,
                    bold=self._best_role is not None and bool(index.data(self._best_role)))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 24, max(hint.height(), option.fontMetrics.height() + 10))


class MemoryBarDelegate(QStyledItemDelegate):
    """The variant's memory need against the machine: a GPU span, then a RAM span.

    The bar is drawn in the verdict's colour over the span it lands in: the part the estimate
    puts on the GPU solid, the part left in system RAM lighter; a need beyond both spans is
    clipped with a red end mark. ``budget()`` gives (GPU bytes, RAM bytes).
    """

    def __init__(self, fit_role: int, budget: Callable[[], tuple[int, int]],
                 parent: object = None) -> None:
        super().__init__(parent)
        self._fit_role = fit_role
        self._budget = budget

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _background(painter, option, index)
        view = index.data(self._fit_role)
        gpu, ram = self._budget()
        scale = gpu + ram
        if not isinstance(view, FitView) or scale <= 0 or view.need_bytes <= 0:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(option.rect.adjusted(6, 5, -6, -5))
        px = r.width() / scale
        gpu_w = gpu * px
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(GPU_TINT)
        painter.drawRect(QRectF(r.x(), r.y(), gpu_w, r.height()))
        painter.setBrush(RAM_TINT)
        painter.drawRect(QRectF(r.x() + gpu_w, r.y(), r.width() - gpu_w, r.height()))
        color = view.color
        on_gpu = min(view.gpu_bytes, view.need_bytes)
        bar = r.adjusted(0, r.height() * 0.2, 0, -r.height() * 0.2)
        painter.setBrush(color)
        painter.drawRect(QRectF(bar.x(), bar.y(), min(on_gpu * px, r.width()), bar.height()))
        rest = view.need_bytes - on_gpu
        if rest > 0:
            lighter = QColor(color)
            lighter.setAlpha(110)
            start = bar.x() + gpu_w  # the CPU share lives in the RAM span
            width = min(rest * px, r.right() - start)
            painter.setBrush(lighter)
            painter.drawRect(QRectF(start, bar.y(), max(0.0, width), bar.height()))
        if view.need_bytes > scale:
            painter.setBrush(QColor("#c62828"))
            painter.drawRect(QRectF(r.right() - 3, r.y(), 3, r.height()))
        pen = QPen(option.palette.color(QPalette.ColorRole.WindowText))
        pen.setWidthF(1.0)
        painter.setPen(pen)
        painter.drawLine(int(r.x() + gpu_w), int(r.y()), int(r.x() + gpu_w), int(r.bottom()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        return QSize(180, option.fontMetrics.height() + 10)


class PullButtonDelegate(QStyledItemDelegate):
    """A push button in the cell when the row can be pulled; one click emits ``clicked``.

    Signals:
        clicked(QModelIndex): the cell whose button was released over
    """

    clicked = Signal(QModelIndex)

    def __init__(self, pullable_role: int, parent: object = None) -> None:
        super().__init__(parent)
        self._role = pullable_role
        self._pressed: QPersistentModelIndex | None = None

    def _button(self, option: QStyleOptionViewItem, index: Index) -> QStyleOptionButton:
        opt = QStyleOptionButton()
        opt.rect = QRect(option.rect.adjusted(4, 3, -4, -3))
        opt.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        opt.state = QStyle.StateFlag.State_Enabled
        if self._pressed is not None and QModelIndex(self._pressed) == index:
            opt.state |= QStyle.StateFlag.State_Sunken
        else:
            opt.state |= QStyle.StateFlag.State_Raised
        opt.palette = option.palette
        return opt

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if not index.data(self._role):
            super().paint(painter, option, index)  # "Pulling…" or nothing, as text
            return
        _background(painter, option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_PushButton, self._button(option, index),
                          painter, option.widget)

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,  # noqa: N802
                    option: QStyleOptionViewItem, index: Index) -> bool:
        if not index.data(self._role) or not isinstance(event, QMouseEvent):
            return False
        inside = option.rect.contains(event.position().toPoint())
        if event.type() == QEvent.Type.MouseButtonPress and inside:
            self._pressed = QPersistentModelIndex(index)
            return True
        if event.type() == QEvent.Type.MouseButtonRelease:
            was = self._pressed
            self._pressed = None
            if was is not None and QModelIndex(was) == index and inside:
                self.clicked.emit(QModelIndex(index))
            return True
        return False

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        return QSize(76, option.fontMetrics.height() + 12)
