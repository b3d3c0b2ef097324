"""Running: the models the daemon holds in memory, with unload, unload all and switch.

The table, the line above it and the empty hint all render from ``services.loaded`` (one
``LoadedState``): "Loading X…" lasts exactly as long as the load, and "X is loaded" only while
``/api/ps`` lists X.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.ollama import LocalModel, RunningModel
from quantdesk.ui.pages.running_model import RunningTableModel
from quantdesk.ui.services.container import Services
from quantdesk.ui.widgets.actions import add_shortcut, labelled_button
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader
from quantdesk.ui.widgets.running_detail import RunningDetail
from quantdesk.ui.widgets.view_hint import ViewHint

EMPTY_HINT = ("No model is loaded. Pick an installed model on the right and press Switch to, "
              "or load one on the Library page.")


class RunningPage(QWidget):
    TITLE = "Running"
    ICON = "running"
    ready = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Running models page")
        self._services = services
        self._running = services.running
        self._is_ready = False
        self._row_name: str | None = None  # the row last shown in the details panel
        self.detail = RunningDetail(self)
        self._predictions = services.predictions
        self._predictions.predicted.connect(self._on_predicted)
        self._predictions.observed.connect(self.detail.set_observation)
        self._predictions.calibration_changed.connect(self.detail.set_calibration)
        if self._predictions.calibration is not None:  # read before this page was built
            self.detail.set_calibration(self._predictions.calibration)

        self.header = PageHeader(
            "Running",
            "Models loaded in memory now. Switching unloads the others first, then loads the "
            "one you pick and keeps it loaded for the keep-alive time in Settings.",
            self,
        )
        self.message = MessageLabel(self)
        self.model = RunningTableModel()
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Loaded models")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)

        self.unload_button = labelled_button(self, "Unload", "unload", "Unload the selected model")
        self.unload_all_button = labelled_button(self, "Unload all", "unload", "Unload every model")
        self.refresh_button = labelled_button(self, "Refresh", "refresh",
                                              "Refresh the loaded models")
        self.switch_combo = QComboBox(self)
        self.switch_combo.setAccessibleName("Model to switch to")
        self.switch_combo.view().setAccessibleName("Installed models")
        self.switch_combo.setMinimumContentsLength(28)
        self.switch_combo.setPlaceholderText("Pick an installed model")
        self.switch_button = labelled_button(self, "Switch to", "switch",
                                             "Unload the others and load this model")
        self.unload_button.clicked.connect(self.unload_selected)
        self.unload_all_button.clicked.connect(self._running.unload_all)
        self.refresh_button.clicked.connect(self.refresh)
        self.switch_button.clicked.connect(self.switch_to_chosen)

        add_shortcut(self, "Unload selected", QKeySequence.StandardKey.Delete, self.unload_selected)
        # Unload all is Ctrl+Shift+U everywhere (the Models menu): the same key here as well
        # made Qt see an ambiguous shortcut and run neither.
        add_shortcut(self, "Switch to chosen model", QKeySequence("Ctrl+Return"),
                     self.switch_to_chosen)

        buttons = QHBoxLayout()
        buttons.addWidget(self.unload_button)
        buttons.addWidget(self.unload_all_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.switch_combo)
        buttons.addWidget(self.switch_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        # Inside the empty table: the table does not move when it appears.
        self.empty_hint = ViewHint(EMPTY_HINT, self.table)
        self.empty_hint.setAccessibleName("Why the list is empty")
        self.empty_hint.hide()
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        # What the recorded (predicted, measured) pairs taught about this machine.
        self.calibration_label = self.detail.calibration_label

        # The countdown ticks only while the page is on screen and something is loaded.
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.model.tick)

        self._loaded = services.loaded
        self._shown_models: tuple[RunningModel, ...] | None = None
        self._loaded.changed.connect(self._on_state)
        services.installed.changed.connect(self._on_installed)
        self._on_state(self._loaded.state)
        self._on_installed(services.installed.models)

    # -- actions -----------------------------------------------------------------------------

    def refresh(self) -> None:
        self._running.refresh()
        self._services.installed.refresh()

    def selected_model(self) -> str | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return str(self.model.data(idx, Qt.ItemDataRole.UserRole))

    def unload_selected(self) -> None:
        name = self.selected_model()
        if name:
            self._running.unload(name)

    def switch_to_chosen(self) -> None:
        name = self.switch_combo.currentText().strip()
        if name:
            self._running.switch_to(name)

    def focus_target(self) -> QWidget:
        return self.table if self.model.rowCount() else self.switch_combo

    def status_text(self) -> str:
        return "" if self.message.isHidden() else self.message.text()

    # -- the one state -----------------------------------------------------------------------

    def _on_state(self, state: LoadedState) -> None:
        if state.models != self._shown_models or (not self._is_ready
                                                  and state.polled_at is not None):
            self._shown_models = state.models
            self._on_models(list(state.models))
        lines = self._loaded.lines()
        if lines.error:
            self.message.show_error(lines.error)
        elif lines.busy or state.models:
            self.message.show_notice(lines.headline)
        else:  # nothing loaded, nothing under way: the empty hint (or the banner) says it
            self.message.clear_message()
        self.empty_hint.setVisible(not state.models and state.polled_at is not None
                                   and state.reachable)

    # -- service signals ---------------------------------------------------------------------

    def _on_models(self, models: list[RunningModel]) -> None:
        selected = self.selected_model()
        self.model.set_models(models)
        names = [m.name for m in models]
        # Keep the user's row; else the first one, so the details panel always has a model.
        if models:
            self.table.selectRow(names.index(selected) if selected in names else 0)
        else:
            self._row_name = None
        self._show_detail()
        has = bool(models)
        self.unload_all_button.setEnabled(has)
        self.unload_button.setEnabled(has)
        self._update_tick()
        self._predictions.request([m for m in models])
        if not self._is_ready and self._running.polls > 0:
            self._is_ready = True
            self.ready.emit()

    def _on_installed(self, models: list[LocalModel]) -> None:
        current = self.switch_combo.currentText()
        self.switch_combo.blockSignals(True)
        self.switch_combo.clear()
        self.switch_combo.addItems([m.name for m in models])
        # Keep the user's pick; else offer a loaded model, else the first installed one.
        loaded = [m.name for m in self._running.models]
        for name in (current, *loaded, *(m.name for m in models[:1])):
            i = self.switch_combo.findText(name)
            if name and i >= 0:
                self.switch_combo.setCurrentIndex(i)
                break
        self.switch_combo.blockSignals(False)
        self.switch_button.setEnabled(self.switch_combo.currentIndex() >= 0)

    def _on_row(self, current: QModelIndex, _prev: QModelIndex) -> None:
        name = self.model.data(current, Qt.ItemDataRole.UserRole) if current.isValid() else None
        # A poll reselects the same row: that must not undo the user's pick in the combo.
        if name and name != self._row_name:
            i = self.switch_combo.findText(str(name))
            if i >= 0:
                self.switch_combo.setCurrentIndex(i)
        if name:  # a model reset clears the current row for a moment: keep the name
            self._row_name = str(name)
        self._show_detail()

    def _show_detail(self) -> None:
        name = self.selected_model()
        self.detail.set_model(next((m for m in self.model.rows if m.name == name), None))

    def _on_predicted(self, name: str, total: int) -> None:
        self.model.set_prediction(name, total)

    def _update_tick(self) -> None:
        if self.isVisible() and self.model.rowCount() > 0:
            self._tick.start()
        else:
            self._tick.stop()

    def showEvent(self, event: object) -> None:  # noqa: N802
        super().showEvent(event)  # type: ignore[arg-type]
        self.model.tick()
        self._update_tick()

    def hideEvent(self, event: object) -> None:  # noqa: N802
        super().hideEvent(event)  # type: ignore[arg-type]
        self._tick.stop()
