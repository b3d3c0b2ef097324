"""A line in a page that says which models an action will unload, and offers to put them back.

No dialog: the page goes on working (and the daemon's answers keep arriving) while the line
waits. It floats over its page, outside the page's layout, so it never pushes the content
down under the user's next click: just below the page's header (its title stays readable), or
over the bottom edge for a page whose controls under the header are needed while it shows
(Compare's Run and Show setup, after a comparison).

``guard(models, proceed)`` checks with ``services.evictions``; when nothing would be unloaded
``proceed`` runs at once, else the line asks "Go ahead" / "Cancel". After the action the page
calls ``offer_restore()``; "Put them back" loads the unloaded models again as they were
(``restore_now`` does it without asking).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from quantdesk.core.eviction import RestoreItem
from quantdesk.core.restore import RestoreResult
from quantdesk.ui.plain_text import plain_label, set_tip
from quantdesk.ui.services.evictions import UnloadWarning, join_names

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

_keys = itertools.count(1)
DONE_SHOWN_MS = 8000  # "… loaded again" goes away by itself
MARGIN = 8


def _agree(note: str, count: int) -> str:
    one = count == 1
    return note.format(them="it" if one else "them", They="It" if one else "They",
                       are="is" if one else "are", stay="stays" if one else "stay")


class EvictionBar(QFrame):
    """Signals:
        confirming(str): the sentence shown while the line waits for "Go ahead"
        restored(object): the RestoreResult tuple once models were put back
    """

    confirming = Signal(str)
    restored = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None, *,
                 at_bottom: bool = False) -> None:
        super().__init__(parent)
        self._at_bottom = at_bottom
        self.setObjectName("evictionBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QFrame#evictionBar { background: palette(window);"
                           " border: 2px solid palette(highlight); border-radius: 4px; }")
        self.setAccessibleName("Models that will be unloaded")
        self._service = services.evictions
        self._running = services.running
        self._key = f"bar{next(_keys)}"
        self._proceed: Callable[[], None] | None = None
        self._note = ""
        self._waiting: UnloadWarning | None = None
        self.to_restore: tuple[RestoreItem, ...] = ()
        self.label = plain_label("", self)  # names the daemon's models
        self.label.setWordWrap(True)
        self.go_button = QPushButton("Go ahead", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.restore_button = QPushButton("Put them back", self)
        self.dismiss_button = QPushButton("Dismiss", self)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        for b in (self.go_button, self.cancel_button, self.restore_button, self.dismiss_button):
            row.addWidget(b)
        self.go_button.clicked.connect(self._go)
        self.cancel_button.clicked.connect(self._cancel)
        self.restore_button.clicked.connect(self.restore_now)
        self.dismiss_button.clicked.connect(self.dismiss)
        self._service.checked.connect(self._on_checked)
        self._service.restore_started.connect(self._on_restore_started)
        self._service.restored.connect(self._on_restored)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self._hide_all)
        # Where a page wants "Putting back…" and "… is loaded again" said in a slot of its own
        # (Compare: beside its result tabs), so the line covers none of the results.
        self.note: QLabel | None = None
        if parent is not None:
            parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        placed = (QEvent.Type.Resize, QEvent.Type.LayoutRequest)
        if watched is self.parent() and event.type() in placed and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(200, parent.width() - 2 * MARGIN)
        self.setFixedWidth(width)
        self.adjustSize()
        if self._at_bottom:
            top = parent.height() - self.height() - MARGIN
        else:
            header = getattr(parent, "header", None)
            top = (header.geometry().bottom() + 1 if isinstance(header, QWidget)
                   and header.isVisible() else MARGIN)
        self.move(MARGIN, max(0, top))
        self.raise_()

    @property
    def busy(self) -> bool:
        """True from ``guard`` until the action goes ahead or is cancelled."""
        return self._proceed is not None

    @property
    def waiting(self) -> bool:
        """True while the line asks whether to go ahead."""
        return self._waiting is not None

    def _hide_all(self) -> None:
        self.hide()
        if self.note is not None:
            self.note.hide()

    def _tell(self, text: str) -> None:
        """A line that asks nothing: in the page's note slot where it has one."""
        if self.note is None:
            self._show(text, self.dismiss_button)
            return
        self.hide()
        self.note.setText(text)
        self.note.show()
        self._hide_timer.stop()

    def _show(self, text: str, *buttons: QPushButton) -> None:
        self.label.setText(text)
        set_tip(self.label, text)
        for b in (self.go_button, self.cancel_button, self.restore_button, self.dismiss_button):
            b.setVisible(b in buttons)
        self._hide_timer.stop()
        self.show()
        self._place()

    def guard(self, models: Sequence[str], proceed: Callable[[], None], num_ctx: int = 0,
              *, note: str = "You can put {them} back afterwards.") -> None:
        """Run ``proceed`` once it is clear what loading ``models`` unloads (asking first
        when it unloads anything; ``note`` follows the warning, its ``{them}``, ``{They}``,
        ``{are}`` and ``{stay}`` agreeing with how many models it unloads)."""
        self._proceed = proceed
        self._note = note
        self._waiting = None
        if not self._running.models:
            self._run()  # nothing loaded at the last look: nothing to unload, no wait
            return
        self._service.check(self._key, list(models), num_ctx)

    def _on_checked(self, key: str, warning: UnloadWarning) -> None:
        if key != self._key or self._proceed is None:
            return
        if not warning.unloads:
            self._run()
            return
        self._waiting = warning
        text = f"{warning.text} {_agree(self._note, len(warning.unloads))}".strip()
        self._show(text, self.go_button, self.cancel_button)
        self.go_button.setFocus()
        self.confirming.emit(text)

    def _go(self) -> None:
        if self._waiting is not None:
            self.to_restore = self._waiting.restore
        self._waiting = None
        self.hide()
        self._run()

    def _run(self) -> None:
        proceed, self._proceed = self._proceed, None
        if proceed is not None:
            proceed()

    def _cancel(self) -> None:
        self._waiting = None
        self._proceed = None
        self.hide()

    def remember(self, items: Sequence[RestoreItem]) -> None:
        """Models to put back later (Compare takes its own snapshot)."""
        self.to_restore = tuple(items)

    def offer_restore(self) -> None:
        """After the action: offer to load the unloaded models again."""
        if not self.to_restore:
            return
        names = [i.name for i in self.to_restore]
        verb = "was" if len(names) == 1 else "were"
        self._show(f"{join_names(names)} {verb} unloaded to make room.", self.restore_button,
                   self.dismiss_button)

    def restore_now(self) -> None:
        items, self.to_restore = self.to_restore, ()
        if items:
            self._service.restore(self._key, items)

    def dismiss(self) -> None:
        self.to_restore = ()
        self.hide()

    def _on_restore_started(self, key: str, names: list[str]) -> None:
        if key == self._key:
            self.show_restoring(names)

    def _on_restored(self, key: str, results: tuple[RestoreResult, ...]) -> None:
        if key == self._key:
            self.show_restored(results)

    def show_restoring(self, names: Sequence[str]) -> None:
        self.to_restore = ()  # being put back already
        self._tell(f"Putting back {join_names(names)}…")

    def show_restored(self, results: tuple[RestoreResult, ...]) -> None:
        bad = [r for r in results if not r.ok]
        good = [r.name for r in results if r.ok]
        if bad:
            text = "Could not put everything back: " + "; ".join(
                f"{r.name}: {r.error}" if r.name else r.error for r in bad)
        elif good:
            text = f"{join_names(good)} {'is' if len(good) == 1 else 'are'} loaded again."
        else:
            text = "Everything that was loaded still is."
        if bad:  # needs reading: the line itself, until dismissed
            if self.note is not None:
                self.note.hide()
            self._show(text, self.dismiss_button)
        else:
            self._tell(text)
            self._hide_timer.start(DONE_SHOWN_MS)
        self.restored.emit(results)
