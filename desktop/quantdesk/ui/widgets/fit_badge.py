"""A fit verdict as the app shows it: words, colour, sort order and a tooltip that explains it.

``FitView.from_fit`` turns a ``core.fit`` result into what a cell needs, once; views then
only look values up. ``paint_badge`` draws the rounded badge the Variants ladder uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter

from quantdesk.core.fit.explain import context_words

__all__ = ["FitView", "context_words", "paint_badge", "verdict_words"]

VERDICT_COLORS = {
    "gpu": "#2e7d32",  # green: fully on the GPU
    "partial": "#a84d00",  # orange (dark enough for white text): split between GPU and CPU
    "cpu": "#5d6d7e",  # slate: runs, slowly, on the CPU
    "no": "#c62828",  # red: will not load
}
VERDICT_ORDER = {"no": 0.0, "cpu": 1.0, "partial": 2.0, "gpu": 3.0}


@dataclass(frozen=True, slots=True)
class FitView:
    verdict: str  # "gpu" | "partial" | "cpu" | "no"
    short: str  # "Fully on GPU", "Partial 14/33 layers", "CPU only", "Won't fit"
    tooltip: str
    gpu_layers: int = 0
    total_layers: int = 0
    need_bytes: int = 0  # memory the model needs in all (weights, KV cache, graph)
    gpu_bytes: int = 0  # the part of it placed on the GPU(s)
    max_gpu_ctx: int = 0  # largest context that keeps every layer on the GPU (0: none)

    @property
    def color(self) -> QColor:
        return QColor(VERDICT_COLORS.get(self.verdict, "#616161"))

    @property
    def order(self) -> float:
        """Sorts verdicts from won't-fit to fully-on-GPU; partial ones by their GPU share."""
        base = VERDICT_ORDER.get(self.verdict, -1.0)
        if self.verdict == "partial" and self.total_layers:
            base += self.gpu_layers / self.total_layers * 0.99
        return base


def verdict_words(verdict: str, gpu_layers: int, total_layers: int) -> str:
    if verdict == "gpu":
        return "Fully on GPU"
    if verdict == "partial":
        return f"Partial {gpu_layers}/{total_layers} layers"
    if verdict == "cpu":
        return "CPU only"
    return "Won't fit"


def paint_badge(painter: QPainter, rect: QRect, view: FitView, *, bold: bool = False) -> None:
    """A filled rounded badge with the verdict's words, vertically centred in ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = painter.font()
    font.setBold(bold)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    width = min(rect.width() - 4, metrics.horizontalAdvance(view.short) + 16)
    height = min(rect.height() - 4, metrics.height() + 6)
    box = QRectF(rect.x() + 2, rect.y() + (rect.height() - height) / 2, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(view.color)
    painter.drawRoundedRect(box, height / 2, height / 2)
    painter.setPen(QColor("white"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, view.short)
    painter.restore()
