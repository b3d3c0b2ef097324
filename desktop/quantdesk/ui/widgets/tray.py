"""The system tray icon: loaded and recent models, one click to switch."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from quantdesk.ui.resources import icon


class TrayMenu(QMenu):
    """The menu, separate from the icon so it works (and is tested) without a tray.

    Signals:
    switch_requested(str): a model was picked
    show_requested(): "Show QuantDesk"
    quit_requested(): "Quit"
    """

    switch_requested = Signal(str)
    show_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("QuantDesk tray menu")
        self._loaded: list[str] = []
        self._recent: list[str] = []
        self.rebuild()

    def set_models(self, loaded: list[str] | None = None, recent: list[str] | None = None) -> None:
        if loaded is not None:
            self._loaded = list(loaded)
        if recent is not None:
            self._recent = list(recent)
        self.rebuild()

    def model_actions(self) -> list[QAction]:
        return [a for a in self.actions() if a.data()]

    def rebuild(self) -> None:
        self.clear()
        self.addAction("Show QuantDesk").triggered.connect(self.show_requested)
        self.addSeparator()
        self._section("Loaded", self._loaded, checked=True)
        others = [n for n in self._recent if n not in self._loaded]
        self._section("Recent — click to switch", others, checked=False)
        self.addSeparator()
        self.addAction("Quit").triggered.connect(self.quit_requested)

    def _section(self, title: str, names: list[str], *, checked: bool) -> None:
        header = self.addAction(title)
        header.setEnabled(False)
        if not names:
            none = self.addAction("  none")
            none.setEnabled(False)
            return
        for name in names:
            action = self.addAction(name)
            action.setData(name)
            action.setCheckable(True)
            action.setChecked(checked)
            action.triggered.connect(lambda _c=False, n=name: self.switch_requested.emit(n))


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

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.menu.show_requested.emit()

    def notify(self, title: str, text: str) -> bool:
        if self.icon is None:
            return False
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 5000)
        return True

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
