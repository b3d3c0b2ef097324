"""Library: the installed models in a sortable, filterable table, with their actions.

Load and unload go through the shared Running service; copy, delete and details through the
Library service. The Loaded column and the line about a model loaded or unloaded from here
render from ``services.loaded``, so they change the moment the daemon's state does. Each row
has a context menu (Chat, Variants, Compare, Copy name, Delete, Show in folder); several rows
can be deleted at once. The fit column is computed here, on the GUI thread (the estimate is pure and
fast), from each model's ``/api/show`` shape, the machine and the chosen context.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.loaded_state import LoadedState
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import LocalModel, ShowResponse
from quantdesk.ui.pages.eviction_bar import EvictionBar
from quantdesk.ui.pages.library_model import (
    FAMILY,
    FIT,
    FIT_ROLE,
    LOADED,
    MODIFIED,
    NAME,
    NAME_ROLE,
    PARAMS,
    QUANT,
    SIZE,
    LibraryFilterProxy,
    LibraryTableModel,
)
from quantdesk.ui.plain_text import plain_label
from quantdesk.ui.services.container import Services
from quantdesk.ui.widgets.actions import add_shortcut, labelled_button
from quantdesk.ui.widgets.column_fit import ColumnFit
from quantdesk.ui.widgets.fit_badge import context_words
from quantdesk.ui.widgets.fit_views import FitCalculator, FitInputs
from quantdesk.ui.widgets.library_copy import CopyDialog
from quantdesk.ui.widgets.library_delete import confirm_delete, delete_plan
from quantdesk.ui.widgets.library_details import DetailsDialog
from quantdesk.ui.widgets.library_menu import ModelMenu
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader
from quantdesk.ui.widgets.variant_delegates import FitBadgeDelegate

FILTER_DEBOUNCE_MS = 120
CONTEXTS = (2048, 4096, 8192, 16384, 32768, 65536, 131072)
DEFAULT_CONTEXT = 4096
EMPTY_WAITING = "Waiting for the Ollama daemon to list the installed models…"
EMPTY_NONE = ("No models installed yet. Find one on the Variants page, or type its name on "
              "the Downloads page, and pull it.")
EMPTY_FILTERED = "No installed model matches “{needle}”. Clear the filter to see all of them."

_RUNNING_ACTIONS = ("load", "unload", "switch")


class LibraryPage(QWidget):
    TITLE = "Library"
    ICON = "library"
    ready = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Library page")
        self._services = services
        self._is_ready = False
        self.library = services.library
        self.details_dialog: DetailsDialog | None = None
        self.fits = FitCalculator()

        self.header = PageHeader(
            "Library",
            "Installed models. The Fit column says how each runs on this machine at the "
            "context you choose. Type to filter; click a header to sort.",
            self,
        )
        self.message = MessageLabel(self)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by name, family, size or quantization")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter models")
        self.context_combo = QComboBox(self)
        self.context_combo.setAccessibleName("Context length for the fit column")
        self.context_combo.setToolTip("Context length the Fit column plans for")
        for ctx in CONTEXTS:
            self.context_combo.addItem(f"{context_words(ctx)} context", ctx)
        self._select_context(services.settings.default_context or DEFAULT_CONTEXT)

        self.model = LibraryTableModel(self)
        self.proxy = LibraryFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Installed models")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        # Fixed row heights and no per-row size hints keep 1,000 rows cheap to lay out.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(FIT, 190)
        # At 1024 px the name keeps its room: family and date give way first, then the rest.
        self.columns = ColumnFit(self.table, NAME, (FAMILY, MODIFIED, PARAMS, QUANT, LOADED,
                                                    SIZE), keep_width=(FIT,))
        self.table.setItemDelegateForColumn(FIT, FitBadgeDelegate(FIT_ROLE, parent=self))
        # Enter on a row and a double click both "activate" it: its details open.
        self.table.activated.connect(lambda _i: self.show_details())
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.menu: ModelMenu | None = None
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Model count")
        # An empty table says why it is empty and what to do next.
        self.empty_hint = plain_label(EMPTY_WAITING, self)  # quotes what the user typed
        self.empty_hint.setObjectName("pageHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAccessibleName("Why the list is empty")

        self.load_button = labelled_button(self, "Load", "play",
                                           "Load the selected model into memory")
        self.unload_button = labelled_button(self, "Unload", "unload",
                                             "Unload the selected model")
        self.copy_button = labelled_button(self, "Copy…", "library",
                                           "Copy the selected model to a new name")
        self.delete_button = labelled_button(self, "Delete…", "warning",
                                             "Delete the selected models")
        self.details_button = labelled_button(self, "Details", "search",
                                              "Show the selected model's details")
        self.refresh_button = labelled_button(self, "Refresh", "refresh",
                                              "Reload the installed models")
        self.chat_button = labelled_button(self, "Chat", "chat",
                                           "Chat with the selected model")
        self.chat_button.clicked.connect(self.chat_selected)
        self.eviction = EvictionBar(services, self)  # what a load will unload
        for button, slot, keys in (
            (self.load_button, self.load_selected, QKeySequence("Ctrl+L")),
            (self.unload_button, self.unload_selected, QKeySequence("Ctrl+U")),
            (self.copy_button, self.copy_selected, QKeySequence("Ctrl+Shift+C")),
            (self.delete_button, self.delete_selected, QKeySequence(QKeySequence.StandardKey.
                                                                    Delete)),
            (self.details_button, self.show_details, QKeySequence("Ctrl+I")),
        ):
            button.clicked.connect(slot)
            add_shortcut(self, button.accessibleName(), keys, slot)
        # F5 is the window's Refresh, which calls refresh() on the page shown: a page key of
        # its own made the two ambiguous, and Qt then runs neither.
        self.refresh_button.clicked.connect(self.refresh)
        add_shortcut(self, "Filter models", QKeySequence(QKeySequence.StandardKey.Find),
                     self._focus_filter)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.context_combo)
        bar.addWidget(self.refresh_button)
        actions = QHBoxLayout()
        for b in (self.load_button, self.unload_button, self.chat_button, self.copy_button,
                  self.delete_button, self.details_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.context_combo.currentIndexChanged.connect(lambda _i: self.recompute_fit())

        services.installed.changed.connect(self._on_models)
        services.installed.failed.connect(self._on_list_failed)
        self._watched: str | None = None  # the model last loaded or unloaded from here
        services.loaded.changed.connect(self._on_loaded)
        services.hardware.probed.connect(lambda _m: self.recompute_fit())
        services.config.changed.connect(lambda _s: self.recompute_fit())
        self.library.shown.connect(self._on_shown)
        self.library.details_ready.connect(self._on_details)
        self.library.details_failed.connect(
            lambda name, msg: self.message.show_error(f"No details for {name}: {msg}"))
        self.library.action_finished.connect(self._on_action_finished)
        self.library.action_failed.connect(self._on_action_failed)
        # A load's line comes from the loaded state; what it unloaded is offered back here.
        services.running.action_finished.connect(
            lambda _model, action: self.eviction.offer_restore() if action == "load" else None)
        if services.installed.models:
            self._on_models(services.installed.models)
        self._update_buttons()

    # -- small builders ----------------------------------------------------------------------

    def _select_context(self, ctx: int) -> None:
        i = self.context_combo.findData(ctx)
        if i < 0:
            self.context_combo.addItem(f"{context_words(ctx)} context", ctx)
            i = self.context_combo.count() - 1
        self.context_combo.setCurrentIndex(i)

    def _focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    # -- actions -----------------------------------------------------------------------------

    @property
    def context(self) -> int:
        return int(self.context_combo.currentData() or DEFAULT_CONTEXT)

    def refresh(self) -> None:
        self._services.installed.refresh()
        self._services.running.refresh()

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.proxy.set_needle(self.filter_edit.text())
        self._update_count()

    def selected_model(self) -> str | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return str(self.proxy.data(idx, NAME_ROLE))

    def select(self, name: str) -> bool:
        row = self.model.row_of(name)
        if row is None:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, NAME))
        if not idx.isValid():
            return False
        self.table.setCurrentIndex(idx)
        return True

    def selected_models(self) -> list[str]:
        """Every selected row's model, in view order (the current row when none is)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows(NAME)})
        names = [str(self.proxy.data(self.proxy.index(r, NAME), NAME_ROLE)) for r in rows]
        current = self.selected_model()
        return names or ([current] if current else [])

    def focus_target(self) -> QWidget:
        return self.table

    def load_selected(self) -> None:
        if name := self.selected_model():
            running = self._services.running

            def load() -> None:
                running.load(name)  # first: its operation is the line shown
                self._watch(name)

            self.eviction.guard([name], load, running.num_ctx)

    def chat_selected(self) -> None:
        if name := self.selected_model():
            self._services.chat.open_chat(name)

    def unload_selected(self) -> None:
        if name := self.selected_model():
            self._services.running.unload(name)
            self._watch(name)

    def copy_selected(self) -> None:
        name = self.selected_model()
        if not name:
            return
        dest = CopyDialog.ask(name, self._services.installed.names, self)
        if dest:
            self.message.show_notice(f"Copying {name} to {dest}…")
            self.library.copy(name, dest)

    def delete_selected(self) -> None:
        names = set(self.selected_models())
        if not names:
            return
        installed = self._services.installed.models
        chosen = [m for m in installed if m.name in names]
        plan = delete_plan(chosen, installed, self._services.loaded.state)
        if not plan.names or not confirm_delete(self, plan):
            return
        self._watched = None
        what = plan.names[0] if len(plan.names) == 1 else f"{len(plan.names)} models"
        self.message.show_notice(f"Deleting {what}…")
        self.library.delete_many(list(plan.names), unload_first=list(plan.loaded))

    def copy_name(self) -> None:
        if name := self.selected_model():
            QGuiApplication.clipboard().setText(name)
            self.message.show_notice(f"Copied “{name}” to the clipboard.")

    def menu_at(self, pos: QPoint) -> ModelMenu | None:
        """The context menu for the row at ``pos`` (viewport coordinates), not shown yet."""
        idx = self.table.indexAt(pos)
        if idx.isValid() and not self.table.selectionModel().isRowSelected(idx.row()):
            self.table.setCurrentIndex(idx)
        name = self.selected_model()
        if self.menu is not None:
            self.menu.deleteLater()  # one menu at a time, not one more child per right-click
        self.menu = ModelMenu(self, name, self.selected_models()) if name else None
        return self.menu

    def _context_menu(self, pos: QPoint) -> None:
        if (menu := self.menu_at(pos)) is not None:
            menu.popup(self.table.viewport().mapToGlobal(pos))

    def show_details(self) -> None:
        if name := self.selected_model():
            self.message.show_notice(f"Reading the details of {name}…")
            self.library.details(name)

    # -- fit ---------------------------------------------------------------------------------

    def _inputs(self) -> FitInputs | None:
        machine: Machine | None = self._services.hardware.machine
        if machine is None:
            return None
        settings = self._services.settings
        return FitInputs(machine, self.context, settings.kv_cache_type,
                         self._services.connection.state.version, settings.flash_attention)

    def recompute_fit(self) -> None:
        inputs = self._inputs()
        for row in self.model.rows():
            show = self.library.shape(row.model.digest)
            if show is not None:
                self.model.set_fit(row.model.name,
                                   self.fits.local(row.model, show, inputs) if inputs else None)

    def _on_shown(self, name: str, show: ShowResponse) -> None:
        row = self.model.row_of(name)
        if row is None:
            return
        inputs = self._inputs()
        model = self.model.rows()[row].model
        self.model.set_fit(name, self.fits.local(model, show, inputs) if inputs else None)

    # -- service signals ---------------------------------------------------------------------

    def _on_models(self, models: list[LocalModel]) -> None:
        selected = self.selected_model()
        self.model.set_models(models, self._services.loaded.state)  # keeps its sort order
        if selected:
            self.select(selected)
        first = not self._is_ready
        self._is_ready = True
        self._update_count()
        self._update_buttons()
        self.library.fetch_shapes(models)
        if first:
            self.ready.emit()

    def _on_list_failed(self, message: str) -> None:
        self.message.show_error(f"Could not list the installed models: {message}")

    def _on_loaded(self, state: LoadedState) -> None:
        self.model.set_loaded(state)
        self._update_buttons()
        self._show_watched()

    def _watch(self, name: str) -> None:
        self._watched = name
        self._show_watched()

    def _show_watched(self) -> None:
        """The line of the model acted on here, as the one state says it now: it cannot
        say "loaded" after the model has gone."""
        name = self._watched
        if name is None:
            return
        line = self._services.loaded.line(name)
        if line.state == "idle":
            self._watched = None
            self.message.clear_message()
        elif line.state == "failed":
            self.message.show_error(f"{name}: {line.text}")
        else:
            self.message.show_notice(f"{name}: {line.text}")

    def _on_action_finished(self, model: str, action: str) -> None:
        words = {"copy": "was copied", "delete": "was deleted"}
        if action in words:
            self.message.show_notice(f"{model} {words[action]}.")

    def _on_action_failed(self, model: str, action: str, message: str) -> None:
        if action not in _RUNNING_ACTIONS:
            subject = f" {model}" if model else ""
            self.message.show_error(f"Could not {action}{subject}: {message}")

    def _on_details(self, name: str, show: ShowResponse) -> None:
        self.message.clear_message()
        if self.details_dialog is not None:
            self.details_dialog.close()
        self.details_dialog = DetailsDialog(name, show, self)
        self.details_dialog.show()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "model" if total == 1 else "models"
        self.count_label.setText(f"{total} {noun}" if shown == total else
                                 f"{shown} of {total} {noun}")
        if total == 0:
            self.empty_hint.setText(EMPTY_NONE if self._is_ready else EMPTY_WAITING)
        elif shown == 0:
            self.empty_hint.setText(EMPTY_FILTERED.format(needle=self.filter_edit.text().strip()))
        self.empty_hint.setVisible(shown == 0)

    def _update_buttons(self, *_args: QModelIndex) -> None:
        name = self.selected_model()
        loaded = False
        if name is not None and (row := self.model.row_of(name)) is not None:
            loaded = self.model.rows()[row].loaded is not None
        for b in (self.load_button, self.copy_button, self.delete_button, self.details_button,
                  self.chat_button):
            b.setEnabled(name is not None)
        self.unload_button.setEnabled(loaded)
        n = len(self.selected_models())
        self.delete_button.setText(f"Delete {n}…" if n > 1 else "Delete…")
