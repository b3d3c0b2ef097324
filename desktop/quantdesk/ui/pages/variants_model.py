"""The Variants ladder as an item model: one row per variant, largest first.

Fit views are replaced as a whole on every recompute (one ``dataChanged`` over the fit
columns), so dragging the context slider repaints the ladder without rebuilding it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from quantdesk.core.advice import Quality, Speed
from quantdesk.core.registry import Variant, is_base_model
from quantdesk.ui.formatting import human_bytes
from quantdesk.ui.plain_text import tip_or_none
from quantdesk.ui.widgets.fit_badge import FitView, context_words

COLUMNS = ("Tag", "Quantization", "Bits/weight", "Size", "Status", "Fit", "Memory",
           "Max GPU context", "Quality", "Speed", "", "Advice")
# Headers on two lines where the words are much wider than the values under them, so the
# Advice column keeps room to be read.
HEADER_TEXT = {"Bits/weight": "Bits per\nweight", "Max GPU context": "Max GPU\ncontext",
               "Quality": "Quality\nKLD · same", "Speed": "Expected\nspeed"}
TAG, QUANT, BPW, SIZE, STATUS, FIT, MEMORY, MAX_CTX, QUALITY, SPEED, PULL, ADVICE = \
    range(len(COLUMNS))
FIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's FitView
VARIANT_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's Variant
BEST_ROLE = Qt.ItemDataRole.UserRole + 3  # True on the recommended row
PULLABLE_ROLE = Qt.ItemDataRole.UserRole + 4  # True when a click on PULL pulls it
BEST_BACKGROUND = QColor(46, 125, 50, 40)

HEADER_TIPS = {
    "Max GPU context": "The largest context at which every layer still fits on the GPU",
    "Advice": "What the level means; hover a cell for how it runs on this machine",
    "Quality": "Mean KL divergence from the full-precision weights (lower is closer) and how "
               "often both pick the same next token: published figures measured on another "
               "model (named in each cell's tooltip), or Compare's own where you compared "
               "this model here (marked \u201chere\u201d)",
    "Speed": "Expected generation speed: an estimate from memory bandwidth and where the "
             "layers run, or Compare's measured rate on this machine (marked \u201cmeasured\u201d)",
}

Index = QModelIndex | QPersistentModelIndex


def level_words(variant: Variant) -> str:
    """What the level means in plain words (the Advice cell; the Fit and Max GPU context
    columns already say how it runs here)."""
    return variant.quant.words if variant.quant else (variant.quant_label or "unknown level")


def advice(variant: Variant, fit: FitView | None, num_ctx: int) -> str:
    """The level's plain words made concrete for this model on this machine (the tooltip)."""
    words = level_words(variant)
    if fit is None or fit.verdict == "unknown":
        return words
    ctx = context_words(num_ctx)
    if fit.verdict == "gpu":
        more = (f", up to {context_words(fit.max_gpu_ctx)}" if fit.max_gpu_ctx > num_ctx
                else "")
        concrete = f"runs fully on your GPU at {ctx}{more}"
    elif fit.verdict == "partial":
        concrete = (f"{fit.gpu_layers} of {fit.total_layers} layers on the GPU at {ctx}, slower"
                    + (f"; fully on the GPU up to {context_words(fit.max_gpu_ctx)}"
                       if fit.max_gpu_ctx else ""))
    elif fit.verdict == "cpu":
        concrete = "runs on the CPU only here: expect slow replies"
    else:
        concrete = "needs more memory than this machine has"
    return f"{words} — {concrete}"


def quality_text(q: Quality | None) -> str:
    """"0.031 · 91.9%" (mean KLD · same top token; reference) or "… · here" (Compare's own);
    "—" when unknown."""
    if q is None or (q.mean_kld is None and q.same_top_p_percent is None):
        return "—"
    kld = "—" if q.mean_kld is None else f"{q.mean_kld:.3g}"
    same = "" if q.same_top_p_percent is None else f" · {q.same_top_p_percent:.1f}%"
    return kld + same + (" · here" if q.kind == "measured" else "")


def quality_tip(q: Quality | None) -> str:
    if q is None:
        return "No published figure for this quantization type."
    lines = []
    if q.mean_kld is not None:
        lines.append(f"Mean KL divergence from the full-precision weights: {q.mean_kld:.4g} "
                     "nats per token")
    if q.same_top_p_percent is not None:
        lines.append(f"Same top token as the full-precision weights: "
                     f"{q.same_top_p_percent:.2f}% of tokens")
    if q.delta_ppl is not None:
        lines.append(f"Perplexity increase: {q.delta_ppl:+.4g}")
    if q.kind == "measured":
        lines.append(f"Measured on {q.measured_on}.")
    else:
        lines.append(f"Measured on {q.measured_on}, not on this model: a guide to how much "
                     "this quantization type loses in general.")
    lines.append(f"Source: {q.source}")
    return "\n".join(lines)


def speed_text(sp: Speed | None) -> str:
    """"≈42 tok/s (est.)" or "38 tok/s measured"; "—" when unknown."""
    if sp is None or not sp.tokens_per_s:
        return "—"
    if sp.kind == "measured":
        return f"{sp.tokens_per_s:.0f} tok/s meas."
    return f"≈{sp.tokens_per_s:.0f} tok/s est."


def speed_tip(sp: Speed | None) -> str:
    if sp is None:
        return "No speed figure: the fit could not be estimated."
    head = ("Measured by Compare" if sp.kind == "measured"
            else "Estimate, not a measurement")
    return f"{head}: {sp.basis}"


def tidy_order(variants: list[Variant]) -> list[Variant]:
    """The ladder's order, with each group of same-size, same-level builds listed chat-tuned
    first (the registry lists them in no fixed order)."""
    first: dict[tuple[int, str], int] = {}
    for i, v in enumerate(variants):
        first.setdefault((v.size_bytes or 0, v.quant.name if v.quant else v.tag), i)
    return sorted(variants, key=lambda v: (
        first[(v.size_bytes or 0, v.quant.name if v.quant else v.tag)], is_base_model(v)))


def status_text(v: Variant, pulling: str) -> str:
    if pulling:
        return pulling
    if v.update_available:
        return "Update available"
    if v.installed:
        return "Installed"
    return "Remote" if v.pullable else "Not pullable"


@dataclass(slots=True)
class VariantRow:
    variant: Variant
    fit: FitView | None = None
    advice: str = ""
    quality: Quality | None = None
    speed: Speed | None = None
    pulling: str = ""  # "Queued" / "Downloading 45%" while the Downloads queue has it


class VariantLadderModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[VariantRow] = []
        self.best: int | None = None
        self.num_ctx = 4096

    def set_variants(self, variants: list[Variant]) -> None:
        self.beginResetModel()
        old = {r.variant.name: r for r in self._rows}
        self._rows = [VariantRow(v, pulling=old[v.name].pulling if v.name in old else "")
                      for v in tidy_order(variants)]
        self.best = None
        self.endResetModel()

    def update_variants(self, variants: list[Variant]) -> None:
        """Same ladder, new installed/update status (after a pull or a delete)."""
        by_name = {v.name: v for v in variants}
        for row in self._rows:
            row.variant = by_name.get(row.variant.name, row.variant)
        self._changed(STATUS, STATUS)

    def set_fits(self, fits: list[FitView | None], num_ctx: int,
                 best: int | None = None,
                 figures: list[tuple[Quality | None, Speed | None]] | None = None) -> None:
        """New verdicts for every row, the row the recommendation picks (core.advice), and
        each row's quality and speed figures."""
        self.num_ctx = num_ctx
        figures = figures or [(r.quality, r.speed) for r in self._rows]
        for row, fit, (quality, speed) in zip(self._rows, fits, figures, strict=True):
            row.fit = fit
            row.advice = advice(row.variant, fit, num_ctx)
            row.quality, row.speed = quality, speed
        old_best = self.best
        self.best = best
        # The best row's tint and bold font span every column when it moves.
        self._changed(0 if old_best != self.best else FIT, len(COLUMNS) - 1)

    def set_pulling(self, name: str, text: str) -> None:
        for i, row in enumerate(self._rows):
            if row.variant.name == name and row.pulling != text:
                row.pulling = text
                for col in (STATUS, PULL):
                    idx = self.index(i, col)
                    self.dataChanged.emit(idx, idx)

    def rows(self) -> list[VariantRow]:
        return self._rows

    def row_of(self, name: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.variant.name == name), None)

    def _changed(self, first: int, last: int) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADER_TEXT.get(COLUMNS[section], COLUMNS[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section])
        return None

    def _display(self, row: VariantRow, col: int) -> str:
        v, fit = row.variant, row.fit
        if col == TAG:
            return v.tag + (f"  ({', '.join(v.aliases)})" if v.aliases else "")
        if col == QUANT:
            return v.quant.name if v.quant else (v.quant_label or "?")
        if col == BPW:
            return f"{v.bits_per_weight:.2f}" if v.bits_per_weight else "—"
        if col == SIZE:
            return human_bytes(v.size_bytes) + ("" if v.confirmed else " ≈")
        if col == STATUS:
            return status_text(v, row.pulling)
        if col == FIT:
            return fit.short if fit else "…"
        if col == MAX_CTX:
            return context_words(fit.max_gpu_ctx) if fit and fit.max_gpu_ctx else "—"
        if col == QUALITY:
            return quality_text(row.quality)
        if col == SPEED:
            return speed_text(row.speed)
        if col == ADVICE:
            return level_words(v)
        if col == PULL:
            return self._pull_text(row)
        return ""

    @staticmethod
    def _pull_text(row: VariantRow) -> str:
        if row.pulling:
            return "Pulling…"
        if row.variant.update_available:
            return "Update"
        return "" if row.variant.installed or not row.variant.pullable else "Pull"

    def _tip(self, row: VariantRow, col: int) -> str | None:
        if col in (FIT, MEMORY) and row.fit is not None:
            return row.fit.tooltip
        if col == SIZE and not row.variant.confirmed:
            return "Size as the tags page prints it (rounded); exact once the manifest is read."
        if col == ADVICE:
            return row.advice
        if col == QUALITY:
            return quality_tip(row.quality)
        if col == SPEED:
            return speed_tip(row.speed)
        return row.variant.note or None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        best = index.row() == self.best
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip_or_none(self._tip(row, col))  # advice and notes quote names
        if role == FIT_ROLE:
            return row.fit
        if role == VARIANT_ROLE:
            return row.variant
        if role == BEST_ROLE:
            return best
        if role == PULLABLE_ROLE:
            return self._pull_text(row) in ("Pull", "Update")
        if role == Qt.ItemDataRole.BackgroundRole and best:
            return QBrush(BEST_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and best:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = row.advice if col == ADVICE and row.advice else self._display(row, col)
            return f"{text}, recommended" if best and col == TAG else text
        return None
