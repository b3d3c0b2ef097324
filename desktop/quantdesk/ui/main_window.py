"""The main window: sidebar of pages, daemon banner, status bar, menus, Ctrl+K, tray.

What is loaded reaches the status bar, the tray and the palette from ``services.loaded`` only.
Closing the window can keep the app running in the tray (asked once, remembered in the window
settings); File > Quit always quits.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QProcess, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.loaded_state import LoadedState
from quantdesk.ui.lazy_pages import BrokenPage, LazyPages, listed_pages
from quantdesk.ui.page_registry import PageSpec, page_class
from quantdesk.ui.resources import icon
from quantdesk.ui.services.connection import ConnectionState
from quantdesk.ui.services.container import Services
from quantdesk.ui.widgets.banner import DaemonBanner
from quantdesk.ui.widgets.close_question import (
    ask_close_choice,
    remember_close_choice,
    remembered_close_choice,
)
from quantdesk.ui.widgets.help import (
    Shortcut,
    ShortcutSheet,
    about_box,
    about_text,
    action_shortcuts,
)
from quantdesk.ui.widgets.help import page_shortcuts as shortcuts_of_page
from quantdesk.ui.widgets.palette import PageEntry, SwitcherPalette
from quantdesk.ui.widgets.status_bar import DaemonStatusBar
from quantdesk.ui.widgets.tray import Tray, TrayMenu
from quantdesk.ui.window_state import fit_on_screen, window_settings

if TYPE_CHECKING:
    from quantdesk.sim.launch import Simulated
    from quantdesk.ui.dialogs.settings import SettingsDialog

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 800)


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        *,
        start_simulator: Callable[[], str | Simulated] | None = None,
        only_pages: Collection[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``only_pages``: keys of the pages to build (default: every available page)."""
        super().__init__(parent)
        self.services = services
        self._only_pages = only_pages
        self._start_simulator = start_simulator
        self._ollama_process: QProcess | None = None
        self._quitting = False  # File > Quit: close for real, whatever the close setting
        self._user_close = False  # Ctrl+W: a close the user asked for, like the title bar's
        self.in_tray = False  # hidden by a close that keeps the app running
        self.setWindowTitle("QuantDesk")
        self.setWindowIcon(icon("app"))
        self.setAccessibleName("QuantDesk main window")

        self.page_errors: dict[str, str] = {}  # page key -> why it is missing
        self.page_specs: list[PageSpec] = []
        self.pages = LazyPages([], self._make_page)
        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Pages")
        self.sidebar.setFixedWidth(180)
        self.sidebar.setIconSize(self.sidebar.iconSize() * 1.25)
        self.stack = QStackedWidget(self)
        self.banner = DaemonBanner(self)
        self._build_pages()
        self.sidebar.currentRowChanged.connect(self._show_row)

        content = QWidget(self)
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.banner)
        col.addWidget(self.stack, 1)
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addWidget(content, 1)
        self.setCentralWidget(central)

        self.status = DaemonStatusBar(self)
        self.setStatusBar(self.status)
        self.palette_dialog = SwitcherPalette(self)
        self.palette_dialog.chosen.connect(self.switch_to)
        self.palette_dialog.load_requested.connect(self.services.running.load)
        self.palette_dialog.page_requested.connect(self.show_page)
        self.tray_menu = TrayMenu(self)
        self.tray = Tray(self.tray_menu, self)
        self.tray_menu.switch_requested.connect(self.switch_to)
        self.tray_menu.show_requested.connect(self._show_from_tray)
        self.tray_menu.quit_requested.connect(self.quit_app)
        self._build_actions()
        self._connect_services()
        self._restore_state()

    # -- construction ------------------------------------------------------------------------

    def _build_pages(self) -> None:
        """The sidebar lists every page; a page is built when first shown or looked up in
        ``self.pages`` (start-up builds only the first screen's), into a placeholder kept
        in the stack at its row."""
        for spec in listed_pages(self.page_errors):
            if self._only_pages is not None and spec.key not in self._only_pages:
                continue
            self.page_specs.append(spec)
            self.stack.addWidget(QWidget(self.stack))
            item = QListWidgetItem(icon(spec.icon), spec.title)
            n = len(self.page_specs)
            item.setToolTip(f"{item.text()} (Ctrl+{n})")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{item.text()} page")
            self.sidebar.addItem(item)
        self.pages = LazyPages(self.page_specs, self._make_page)
        self.services.build_page = self.pages.get

    def _make_page(self, spec: PageSpec) -> QWidget:
        try:
            cls = page_class(spec)
            if cls is None:
                raise ModuleNotFoundError(f"{spec.module} is not installed")
            page = cls(self.services, self)  # type: ignore[call-arg]
        except Exception as exc:  # one broken page must not take the window down
            log.exception("the %s page could not be built", spec.key)
            self.page_errors[spec.key] = f"{type(exc).__name__}: {exc}"
            page = BrokenPage(spec.title, self.page_errors[spec.key], self)
        if page.layout() is not None:
            page.layout().setContentsMargins(16, 12, 16, 8)
        row = [s.key for s in self.page_specs].index(spec.key)
        placeholder = self.stack.widget(row)
        current = self.stack.currentIndex()
        self.stack.insertWidget(row, page)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.stack.setCurrentIndex(current)
        return page

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(self.page_specs):
            self.pages[self.page_specs[row].key]  # builds it on first show
        self.stack.setCurrentIndex(row)

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.settings_action = self._action("&Settings…", "Ctrl+,", self.open_settings)
        self.settings_action.setIcon(icon("settings"))
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        self.keep_in_tray_action = self._action("&Keep running in the tray when closed", None,
                                                self._set_keep_in_tray)
        self.keep_in_tray_action.setCheckable(True)
        self.keep_in_tray_action.setChecked(remembered_close_choice() == "tray")
        file_menu.addAction(self.keep_in_tray_action)
        file_menu.addAction(self._action("&Close window", QKeySequence.StandardKey.Close,
                                         self.close_window))
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.quit_app))

        go_menu = menu.addMenu("&Go")
        self.page_actions: list[QAction] = []
        for n, spec in enumerate(self.page_specs, start=1):
            action = self._action(spec.title, f"Ctrl+{n}",
                                  lambda _c=False, k=spec.key: self.show_page(k))
            action.setIcon(icon(spec.icon))
            go_menu.addAction(action)
            self.page_actions.append(action)

        models_menu = menu.addMenu("&Models")
        self.palette_action = self._action("&Switch model…", "Ctrl+K", self.open_palette)
        self.palette_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        models_menu.addAction(self.palette_action)
        models_menu.addAction(self._action("&Unload all", "Ctrl+Shift+U",
                                           self.services.running.unload_all))
        models_menu.addAction(self._action("&Refresh", QKeySequence.StandardKey.Refresh,
                                           self.refresh_current))
        self.sim_action = self._action("Explore with the simulated daemon", None,
                                       self.use_simulator)
        models_menu.addSeparator()
        models_menu.addAction(self.sim_action)

        help_menu = menu.addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.shortcuts_action.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
        self.shortcuts_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self._action("&About QuantDesk", None, self.show_about))

    def _action(self, text: str, keys: str | QKeySequence.StandardKey | None,
                slot: Callable[..., object]) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _connect_services(self) -> None:
        s = self.services
        s.connection.state_changed.connect(self._on_connection)
        s.loaded.changed.connect(self._on_loaded)
        s.running.recent_changed.connect(self._on_recent)
        s.installed.changed.connect(self._on_installed)
        s.notifier.posted.connect(self._on_notification)
        self.banner.retry_requested.connect(s.connection.retry_now)
        self.banner.start_ollama_requested.connect(self.start_ollama)
        self.banner.simulator_requested.connect(self.use_simulator)
        self._on_connection(s.connection.state)
        self._on_loaded(s.loaded.state)

    # -- pages -------------------------------------------------------------------------------

    def show_page(self, key: str) -> None:
        """Show the page and move the focus into it, so its own keys work at once."""
        row = [spec.key for spec in self.page_specs].index(key)
        self.sidebar.setCurrentRow(row)
        self.focus_page(self.pages[key])

    @staticmethod
    def focus_page(page: QWidget) -> None:
        """The page's own choice (``focus_target()``), else its first control in Tab order."""
        chooser = getattr(page, "focus_target", None)
        target = chooser() if callable(chooser) else None
        if target is None:
            w = page.nextInFocusChain()
            while w is not page and w is not None:
                if (page.isAncestorOf(w) and w.isEnabled() and w.isVisibleTo(page)
                        and w.focusPolicy() & Qt.FocusPolicy.TabFocus):
                    target = w
                    break
                w = w.nextInFocusChain()
        (target or page).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_variants(self, model: str) -> bool:
        page = self.pages.get("variants")
        if page is None:
            return False
        self.show_page("variants")
        page.show_model(model)  # type: ignore[attr-defined]
        return True

    def open_compare(self, model: str) -> bool:
        """Compare with ``model`` checked and its quantization ladder listed beside it."""
        page = self.pages.get("compare")
        if page is None:
            return False
        self.show_page("compare")
        setup = page.setup  # type: ignore[attr-defined]
        setup.add_variant(model, True, checked=True)
        setup.ladder_requested.emit(model)
        return True

    def open_chat(self, model: str) -> bool:
        """A new chat with ``model`` on the Chat page (the page shows itself)."""
        if "chat" not in self.pages:
            return False
        self.services.chat.open_chat(model)
        return True

    def current_page_key(self) -> str:
        return self.page_specs[self.stack.currentIndex()].key

    def refresh_current(self) -> None:
        page = self.stack.currentWidget()
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()

    # -- daemon ------------------------------------------------------------------------------

    def _on_connection(self, state: ConnectionState) -> None:
        self.status.show_state(state)
        self.banner.show_state(state)

    def use_simulator(self) -> None:
        """Switch to a simulated daemon with its own machine and registry, as ``make demo``."""
        if self._start_simulator is None:
            from quantdesk.ui.demo import start_demo

            self._start_simulator = start_demo
        try:
            started = self._start_simulator()
        except Exception as exc:  # the simulator is our own code; say what broke
            self.banner.show_start_failed(f"The simulated daemon did not start: {exc}")
            return
        if isinstance(started, str):  # a bare address: a daemon that brings nothing else
            self.services.connection.set_host(started)
        else:
            self.services.registry_override = started.registry
            self.services.hardware.use_machine(started.machine, started.view)
            self.services.connection.set_host(started.host)
        self.sim_action.setEnabled(False)

    def start_ollama(self, program: str) -> None:
        """Start ``ollama serve`` (no shell); the reconnect loop notices when it is up."""
        if self._ollama_process is not None and (
                self._ollama_process.state() != QProcess.ProcessState.NotRunning):
            return
        proc = QProcess(self)
        proc.setProgram(program)
        proc.setArguments(["serve"])
        proc.errorOccurred.connect(
            lambda _err: self.banner.show_start_failed(
                f"Could not start {program}: {proc.errorString()}"))
        proc.started.connect(lambda: QTimer.singleShot(1000, self.services.connection.retry_now))
        self._ollama_process = proc
        proc.start()

    # -- running models, palette, tray -------------------------------------------------------

    def _on_loaded(self, state: LoadedState) -> None:
        lines = self.services.loaded.lines()
        self.status.set_lines(lines)
        self.tray_menu.set_state(state, lines)
        self.tray.set_tooltip(lines.tray_tooltip)
        self._update_palette()

    def _on_installed(self, models: list[object]) -> None:
        self.tray_menu.set_models(installed=self.services.installed.names)
        self._update_palette()

    def _on_recent(self, names: list[str]) -> None:
        self.tray_menu.set_models(recent=names)
        window_settings().setValue("recent", names)

    def _update_palette(self, *, force: bool = False) -> None:
        if not force and not self.palette_dialog.isVisible():
            return  # it is filled when it opens; a poll need not rebuild a hidden list
        pages = [PageEntry(spec.key, str(getattr(self.pages[spec.key], "TITLE", spec.key)))
                 for spec in self.page_specs]
        self.palette_dialog.set_entries(self.services.installed.models,
                                        self.services.loaded.state, pages)

    def open_palette(self) -> None:
        self._update_palette(force=True)
        self.palette_dialog.open_palette()

    def switch_to(self, name: str) -> None:
        self.services.running.switch_to(name)
        if "running" in self.pages:
            self.show_page("running")

    def _on_notification(self, title: str, text: str) -> None:
        if not self.tray.notify(title, text):
            self.status.showMessage(f"{title}: {text}", 8000)

    def _show_from_tray(self) -> None:
        self.in_tray = False
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # -- help ------------------------------------------------------------------------------

    def shortcut_list(self) -> list[Shortcut]:
        """Every key the window and its pages answer to, from their registered actions."""
        out = action_shortcuts("Everywhere", self.actions())
        for spec in self.page_specs:
            page = self.pages[spec.key]
            out += shortcuts_of_page(str(getattr(page, "TITLE", spec.key)), page)
        return out

    def show_shortcuts(self) -> ShortcutSheet:
        sheet = ShortcutSheet(self.shortcut_list(), self)
        sheet.open()
        return sheet

    def show_about(self) -> QMessageBox:
        state = self.services.connection.state
        box = about_box(about_text(state.version, state.display_host, state.connected), self)
        box.open()
        return box

    def open_settings(self) -> SettingsDialog:
        # Imported here: the first screen has no use for the dialog's form.
        from quantdesk.ui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.services.config, self)
        dialog.open()
        return dialog

    # -- polling follows visibility ----------------------------------------------------------

    def _update_poll_mode(self) -> None:
        if self.in_tray:
            mode = "background"  # the tray menu still says what is loaded
        elif not self.isVisible() or self.isMinimized():
            mode = "stopped"
        elif self.isActiveWindow():
            mode = "active"
        else:
            mode = "background"
        self.services.running.set_mode(mode)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._update_poll_mode()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self._update_poll_mode()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.ActivationChange, QEvent.Type.WindowStateChange):
            self._update_poll_mode()

    # -- state -------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        st = window_settings()
        geometry = st.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        fit_on_screen(self)
        state = st.value("state")
        if state is not None:
            self.restoreState(state)
        keys = [spec.key for spec in self.page_specs]
        last = st.value("page", "library")
        self.sidebar.setCurrentRow(keys.index(last) if last in keys else 0)
        recent = st.value("recent", [])
        if isinstance(recent, str):  # QSettings flattens a one-item list to a string
            recent = [recent]
        self.services.running.set_recent([str(n) for n in recent or []])
        self.tray_menu.set_models(recent=self.services.running.recent)

    def save_state(self) -> None:
        st = window_settings()
        st.setValue("geometry", self.saveGeometry())
        st.setValue("state", self.saveState())
        if self.page_specs:
            st.setValue("page", self.current_page_key())
        st.sync()

    def active_work(self) -> bool:
        """True when a page has work that closing would cut short (pulls running)."""
        for page in self.pages.built().values():
            has_active = getattr(page, "has_active", None)
            if callable(has_active) and has_active():
                return True
        return self.services.pulls.has_active()

    # -- closing -----------------------------------------------------------------------------

    def close_window(self) -> None:
        """Ctrl+W: close as the title bar's button does (to the tray when so chosen)."""
        self._user_close = True
        try:
            self.close()
        finally:
            self._user_close = False

    def quit_app(self) -> None:
        """Quit for real, also from the tray while the window is hidden."""
        hidden = not self.isVisible()
        self._quitting = True
        if self.close():
            if hidden:  # no visible window closed, so Qt would not end the event loop
                QCoreApplication.quit()
        else:
            self._quitting = False

    def _set_keep_in_tray(self, checked: bool) -> None:
        remember_close_choice("tray" if checked else "quit")

    def close_choice(self) -> str:
        """"tray" or "quit"; asks the first time (a desktop without a tray always quits)."""
        if not self.tray.available:
            return "quit"
        choice = remembered_close_choice()
        if choice is None:
            choice = ask_close_choice(self)
            remember_close_choice(choice)
            self.keep_in_tray_action.setChecked(choice == "tray")
        return choice

    def _to_tray(self) -> None:
        self.save_state()
        self.in_tray = True
        self.hide()
        with contextlib.suppress(RuntimeError):
            self.palette_dialog.close()
        self._update_poll_mode()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        asked = (event.spontaneous() or self._user_close) and not self._quitting
        if asked and self.close_choice() == "tray":
            event.ignore()
            self._to_tray()
            return
        if self.active_work():
            answer = QMessageBox.question(
                self, "Downloads running",
                "Pulls are still running. Quit anyway? They resume when you pull again.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.save_state()
        self.in_tray = False
        self.services.running.set_mode("stopped")
        self.tray.hide()
        with contextlib.suppress(RuntimeError):
            self.palette_dialog.close()
        super().closeEvent(event)
