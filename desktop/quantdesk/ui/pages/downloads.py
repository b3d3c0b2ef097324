"""Downloads: the pull queue with a bar per pull, cancel, retry (resume) and clear."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.ollama import is_valid_model_name
from quantdesk.ui.resources import icon
from quantdesk.ui.services.container import Services
from quantdesk.ui.services.pulls import PullState
from quantdesk.ui.widgets.actions import add_shortcut
from quantdesk.ui.widgets.download_notice import Toast, notify
from quantdesk.ui.widgets.download_row import DownloadRow
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader

if TYPE_CHECKING:
    from quantdesk.ui.pages.downloads_demo import DownloadsDemo


class DownloadsPage(QWidget):
    TITLE = "Downloads"
    ICON = "downloads"
    ready = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Downloads page")
        self._services = services
        self.pulls = services.pulls
        self.tray: QSystemTrayIcon | None = None  # else the window's own tray, if any
        self.rows: dict[str, DownloadRow] = {}

        self.header = PageHeader(
            "Downloads",
            "Pulls run one after another. Cancel keeps what was downloaded: Retry resumes "
            "from there. Free disk space is checked first when the daemon runs here.",
            self,
        )
        self.message = MessageLabel(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("Model to pull, e.g. llama3.2:3b-instruct-q4_K_M")
        self.name_edit.setAccessibleName("Model name to pull")
        self.name_edit.returnPressed.connect(self.pull_typed)
        self.pull_button = QPushButton(icon("downloads"), "Pull", self)
        self.pull_button.setAccessibleName("Pull the typed model")
        self.pull_button.clicked.connect(self.pull_typed)
        self.clear_button = QPushButton("Clear finished", self)
        self.clear_button.setAccessibleName("Clear finished downloads from the list")
        self.clear_button.clicked.connect(self.clear_finished)
        add_shortcut(self, "Cancel all downloads", QKeySequence("Ctrl+Shift+X"),
                     self.pulls.cancel_all)
        add_shortcut(self, "Clear finished downloads", QKeySequence("Ctrl+Shift+L"),
                     self.clear_finished)

        self.empty = QLabel(
            "Nothing is downloading. Pick a variant on the Variants page, or type a model "
            "name above.", self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._list = QWidget(self)
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._list)
        scroll.setAccessibleName("Download queue")

        top = QHBoxLayout()
        top.addWidget(self.name_edit, 1)
        top.addWidget(self.pull_button)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)

        self.pulls.added.connect(self._on_added)
        self.pulls.changed.connect(self._on_changed)
        self.pulls.removed.connect(self._on_removed)
        self.pulls.finished.connect(self._on_finished)
        self.pulls.failed.connect(self._on_failed)
        for state in self.pulls.states():
            self._on_added(state.name)
        self._update_empty()
        self._shown_once = False
        self._is_ready = False
        self._demo: DownloadsDemo | None = None

    def showEvent(self, event: object) -> None:  # noqa: N802
        super().showEvent(event)  # type: ignore[arg-type]
        if not self._shown_once:
            # The queue is local state: its first showing is its data being shown (in
            # screenshot mode, the demo queue says when it shows everything).
            self._shown_once = True
            if self._demo is None:
                self.mark_ready()

    def mark_ready(self) -> None:
        if not self._is_ready:
            self._is_ready = True
            self.ready.emit()

    def prepare_screenshot(self) -> None:
        """Screenshot mode: one pull finished, one failed, one downloading slowly."""
        from quantdesk.ui.pages.downloads_demo import start_demo

        self._demo = start_demo(self)

    def finish_screenshot(self) -> None:
        """After the capture: stop the demo pull so quitting asks nothing."""
        if self._demo is not None:
            self._demo.stop()
            self._demo = None

    def refresh(self) -> None:
        for state in self.pulls.states():
            self._on_changed(state.name, state)

    def pull_typed(self) -> None:
        name = self.name_edit.text().strip()
        if not name:
            return
        if not is_valid_model_name(name):
            self.message.show_error(
                f"'{name}' is not a valid model name. Names look like "
                "'llama3.2:3b' or 'namespace/model:tag'.")
            return
        self.message.clear_message()
        self.name_edit.clear()
        self.pulls.pull(name)

    def clear_finished(self) -> None:
        for state in self.pulls.states():
            if state.phase == "done":
                self.pulls.remove(state.name)

    def toast(self) -> Toast | None:
        return self.window().findChild(Toast)

    # -- service signals ---------------------------------------------------------------------

    def _on_added(self, name: str) -> None:
        state = self.pulls.state(name)
        if state is None:
            return
        row = self.rows.get(name)
        if row is None:
            row = DownloadRow(state, self._list)
            row.cancel_clicked.connect(self.pulls.cancel)
            row.retry_clicked.connect(self.pulls.retry)
            row.remove_clicked.connect(self.pulls.remove)
            self.rows[name] = row
        else:
            self._list_layout.removeWidget(row)
        # Queue order: a retried pull goes to the end, just before the stretch.
        self._list_layout.insertWidget(self._list_layout.count() - 1, row)
        row.set_state(state)
        self._update_empty()

    def _on_changed(self, name: str, state: PullState) -> None:
        row = self.rows.get(name)
        if row is not None:
            row.set_state(state)

    def _on_removed(self, name: str) -> None:
        row = self.rows.pop(name, None)
        if row is not None:
            self._list_layout.removeWidget(row)
            row.deleteLater()
        self._update_empty()

    def _tray(self) -> QSystemTrayIcon | None:
        """The window's tray icon, when the window has one (it owns it as a child)."""
        return self.tray or self.window().findChild(QSystemTrayIcon)

    def _on_finished(self, name: str) -> None:
        notify(self.window(), self._tray(), "Download finished", f"{name} is ready to use.")

    def _on_failed(self, name: str, message: str) -> None:
        notify(self.window(), self._tray(), f"Download of {name} failed", message, error=True)

    def _update_empty(self) -> None:
        self.empty.setVisible(not self.rows)
