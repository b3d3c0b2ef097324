"""The system tray icon: what is loaded (from ``services.loaded``), recent and installed
models, one click to switch the active model."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from quantdesk.core.loaded_lines import StatusLines, memory_text
from quantdesk.core.loaded_state import LoadedState, model_key
from quantdesk.ui.plain_text import notification, tip
from quantdesk.ui.resources import icon

MAX_SWITCH = 20  # the "Switch to" submenu; the palette (Ctrl+K) searches the rest


class TrayMenu(QMenu):
    """The menu, separate from the icon so it works (and is tested) without a tray.

    Model actions carry the model name as ``data()``; their text adds what is loaded. One
    ``triggered`` connection per menu serves every action: the menu is rebuilt as the state
    changes, and per-action lambdas left for the garbage collector would be disconnected on
    whatever thread collects them, against the GUI thread's own Qt locks.

    Signals:
    switch_requested(str): a model was picked
    show_requested(): "Show QuantDesk"
    quit_requested(): "Quit QuantDesk" (really quit, also when closing keeps it in the tray)
    """

    switch_requested = Signal(str)
    show_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("QuantDesk tray menu")
        self._state = LoadedState()
        self._headline = ""
        self._loaded: list[str] = []
        self._recent: list[str] = []
        self._installed: list[str] = []
        self._shown: tuple[object, ...] | None = None  # what the menu was last built from
        self.switch_menu = QMenu("Switch to", self)
        self.switch_menu.setAccessibleName("Switch the active model")
        # The submenu's actions reach this menu's triggered too (Qt passes them up).
        self.triggered.connect(self._on_triggered)
        self.rebuild()

    def set_models(self, loaded: list[str] | None = None, recent: list[str] | None = None,
                   installed: list[str] | None = None) -> None:
        if loaded is not None:
            self._loaded = list(loaded)
        if recent is not None:
            self._recent = list(recent)
        if installed is not None:
            self._installed = list(installed)
        self.rebuild()

    def set_state(self, state: LoadedState, lines: StatusLines) -> None:
        """What is loaded and under way, as the rest of the app shows it."""
        self._state = state
        self._headline = lines.headline if lines.busy or lines.error else ""
        if lines.error:
            self._headline = lines.error
        self.set_models(loaded=list(lines.loaded))

    def model_actions(self) -> list[QAction]:
        return [a for a in self.actions() if a.data()]

    def switch_actions(self) -> list[QAction]:
        return [a for a in self.switch_menu.actions() if a.data()]

    def _on_triggered(self, action: QAction) -> None:
        # Acted on after the action's own trigger returns: what it starts changes the loaded
        # state, which rebuilds this menu and deletes the action.
        role, name = action.objectName(), str(action.data() or "")
        if role == "show":
            QTimer.singleShot(0, self.show_requested.emit)
        elif role == "quit":
            QTimer.singleShot(0, self.quit_requested.emit)
        elif name:
            QTimer.singleShot(0, partial(self.switch_requested.emit, name))

    def rebuild(self) -> None:
        key = (self._headline, tuple(self._loaded), tuple(self._recent), tuple(self._installed),
               tuple((m.name, m.size, m.size_vram) for m in self._state.models))
        if key == self._shown:
            return  # a poll that changed nothing the menu shows
        self._shown = key
        self.clear()
        self.addAction("Show QuantDesk").setObjectName("show")
        if self._headline:
            busy = self.addAction(self._headline)
            busy.setEnabled(False)
        self.addSeparator()
        self._section("Loaded", self._loaded, checked=True)
        loaded = {model_key(n) for n in self._loaded}
        others = [n for n in self._recent if model_key(n) not in loaded]
        self._section("Recent — click to switch", others, checked=False)
        self.switch_menu.clear()
        for name in self._installed[:MAX_SWITCH]:
            action = self.switch_menu.addAction(name)
            action.setData(name)
            action.setCheckable(True)
            action.setChecked(model_key(name) in loaded)
        self.addMenu(self.switch_menu)
        self.switch_menu.setEnabled(bool(self._installed))
        self.addSeparator()
        self.addAction("Quit QuantDesk").setObjectName("quit")

    def _section(self, title: str, names: list[str], *, checked: bool) -> None:
        header = self.addAction(title)
        header.setEnabled(False)
        if not names:
            none = self.addAction("  none")
            none.setEnabled(False)
            return
        for name in names:
            running = self._state.running(name)
            text = f"{name} · {memory_text(running)}" if running is not None else name
            action = self.addAction(text)
            action.setData(name)
            action.setCheckable(True)
            action.setChecked(checked)


class Tray(QObject):
    """Owns the QSystemTrayIcon when the desktop has a tray; the menu exists either way."""

    def __init__(self, menu: TrayMenu, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = menu
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(icon("app"), self)
            self.icon.setToolTip("QuantDesk")
            self.icon.setContextMenu(menu)
            self.icon.activated.connect(self._activated)
            self.icon.show()

    @property
    def available(self) -> bool:
        return self.icon is not None

    def set_tooltip(self, text: str) -> None:
        if self.icon is not None:
            self.icon.setToolTip(tip(text))  # names the daemon's models

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.menu.show_requested.emit()

    def notify(self, title: str, text: str) -> bool:
        if self.icon is None:
            return False
        self.icon.showMessage(notification(title), notification(text),
                              QSystemTrayIcon.MessageIcon.Information, 5000)
        return True

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
