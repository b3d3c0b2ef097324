"""The recommendation above the ladder (``core.advice.Recommendation``): the headline pick and
why, a pick per parameter size, and what to change for a better one, each change that is a
setting (context, KV cache, flash attention) a button that applies it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from quantdesk.core.advice import Alternative, Recommendation
from quantdesk.core.advice.recommend import SizePick
from quantdesk.ui.plain_text import plain_label, tip
from quantdesk.ui.widgets.fit_badge import context_words

SETTINGS = ("context", "kv_cache", "flash_attention")  # the changes a button can apply


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def size_line(picks: tuple[SizePick, ...]) -> str:
    """"Per size: 70b nothing fully on the GPU · 8b q8_0 · 1b fp16"."""
    parts = []
    for s in picks:
        what = s.pick.variant.quant.tag_name if s.pick and s.pick.variant.quant else (
            s.pick.variant.tag if s.pick else "nothing fully on the GPU")
        parts.append(f"{s.size or 'this model'}: {what}")
    return "Per size: " + " · ".join(parts) if parts else ""


def button_text(alt: Alternative) -> str:
    if alt.change == "context":
        return f"Use {context_words(int(alt.to))} context: {alt.text}"
    if alt.change == "kv_cache":
        return f"Use a {alt.to} KV cache with flash attention: {alt.text}"
    return f"Turn flash attention on: {alt.text}"


class AdvicePanel(QWidget):
    """Signals:
    apply_requested(object): an Alternative whose change the user asked to apply
    """

    apply_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = plain_label("", self)
        self.headline.setAccessibleName("Best that fits")
        self.headline.setObjectName("recommendation")
        self.headline.setStyleSheet("font-weight: 600;")
        self.headline.setWordWrap(True)
        self.per_size = plain_label("", self)
        self.per_size.setAccessibleName("Pick per model size")
        self.per_size.setWordWrap(True)
        self.per_size.setToolTip("")
        self.buttons: list[QPushButton] = []
        self.other = plain_label("", self)  # changes that are not a setting (more VRAM)
        self.other.setWordWrap(True)
        self._box = QVBoxLayout()
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.headline)
        layout.addWidget(self.per_size)
        layout.addLayout(self._box)
        layout.addWidget(self.other)
        self.alternatives: tuple[Alternative, ...] = ()

    def show_nothing(self, text: str) -> None:
        self.headline.setText(text)
        self.per_size.clear()
        self._set_alternatives(())

    def show_recommendation(self, rec: Recommendation, num_ctx: int, head: str) -> None:
        """``head``: what the pick means here, in whole sentences (the page words it)."""
        self.headline.setText(f"Recommended at {context_words(num_ctx)} context: {head}")
        self.per_size.setText(size_line(rec.per_size))
        self.per_size.setToolTip(tip("\n".join(
            f"{s.size or 'this model'}: {sentence(s.why)}" for s in rec.per_size)))
        self._set_alternatives(rec.alternatives)

    def _set_alternatives(self, alternatives: tuple[Alternative, ...]) -> None:
        self.alternatives = alternatives
        for b in self.buttons:
            self._box.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        others = []
        for alt in alternatives:
            if alt.change not in SETTINGS:
                others.append(sentence(alt.text))
                continue
            button = QPushButton(button_text(alt), self)
            button.setAccessibleName(f"Apply: {alt.text}")
            button.setStyleSheet("text-align: left;")
            button.clicked.connect(lambda _c=False, a=alt: self.apply_requested.emit(a))
            self._box.addWidget(button)
            self.buttons.append(button)
        self.other.setText(" ".join(others))
        self.other.setVisible(bool(others))
