"""Compare: the same prompt (or task set) through 2–6 variants, side by side, with speed,
memory and quality, a ranked summary, charts and the stored history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.compare.diff import ComparisonDiff
from quantdesk.core.compare.planning import TogetherVerdict, choose_reference, quant_of
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.ollama import LocalModel, PullProgress
from quantdesk.core.store import ComparisonSummary
from quantdesk.ui.formatting import local_time
from quantdesk.ui.pages.eviction_bar import EvictionBar
from quantdesk.ui.plain_text import ask
from quantdesk.ui.resources import icon
from quantdesk.ui.services.compare import RunRequest
from quantdesk.ui.services.container import Services
from quantdesk.ui.widgets.actions import add_shortcut
from quantdesk.ui.widgets.column_fit import ColumnFit
from quantdesk.ui.widgets.compare_diff import diff_text
from quantdesk.ui.widgets.compare_history import HistoryPanel
from quantdesk.ui.widgets.compare_panes import PaneRow
from quantdesk.ui.widgets.compare_setup import CompareSetup
from quantdesk.ui.widgets.compare_summary import (
    COLUMNS,
    DETAIL_COLUMNS,
    STATE_COLUMN,
    SummaryModel,
)
from quantdesk.ui.widgets.elided_label import ElidedLabel
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader

ACCURACY_COLUMN = COLUMNS.index("Accuracy")
GIVE_WAY = tuple(COLUMNS.index(c) for c in (
    "First token", "Load", "Bits/weight", "Diverges", "Predicted", "State", "Ollama size",
    "Gen. tok/s"))
CHECK_DELAY_MS = 300  # wait for the user to stop clicking before asking the daemon
POLL_WAIT_MS = 2000
RESTORE_NOTE_WIDTH = 480  # the tabs keep the rest of their row


def _ask_pull(parent: QWidget, models: list[str]) -> bool:
    return ask(parent, "Pull first?",
               f"Not installed: {', '.join(models)}. Pull before comparing? (The comparison "
               "starts when the pulls finish.)")


class ComparePage(QWidget):
    TITLE = "Compare"
    ICON = "compare"
    ready = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Compare page")
        self._services = services
        self.store = services.compare_store
        self.service = services.compare
        self.history = services.compare_history
        self.confirm_pull: Callable[[list[str]], bool] = lambda ms: _ask_pull(self, ms)
        self.result: ComparisonResult | None = None
        self.charts: QWidget | None = None  # built on first show (pyqtgraph is heavy)
        self._runs: dict[str, RunResult] = {}
        self._pending_rerun: str | None = None
        self._created: dict[str, str] = {}  # comparison id -> when it ran, in local time
        self._screenshot_mode = False
        self._is_ready = False
        self._ladders_connected = False

        self.header = PageHeader(
            "Compare",
            "The same prompt or task set through several quantizations, one after another "
            "(fair speeds): what each costs in memory and gives up in quality against the "
            "reference.", self)
        self.message = MessageLabel(self)
        self.setup = CompareSetup(self)
        self.setup.setMaximumHeight(190)
        self.setup_button = QPushButton("Hide setup", self)
        self.setup_button.setCheckable(True)
        self.setup_button.setChecked(True)
        self.setup_button.setToolTip("Show or hide the comparison setup (Ctrl+E)")
        self.setup_button.toggled.connect(self._show_setup)
        self.run_button = QPushButton(icon("play"), "Run", self)
        self.run_button.setToolTip("Start the comparison (Ctrl+Enter)")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setToolTip("Stop every run at once (Esc)")
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.run_comparison)
        self.stop_button.clicked.connect(self.stop)
        # No silent evictions: say what the runs will unload, put it back afterwards.
        self.eviction = EvictionBar(services, self, at_bottom=True)
        self.restore_check = QCheckBox("Put back unloaded models", self)
        self.restore_check.setToolTip("After the comparison, load again the models it had to "
                                      "unload, as they were")
        self.restore_check.setChecked(services.compare.restore_after)
        self.restore_check.toggled.connect(
            lambda on: setattr(services.compare, "restore_after", on))
        self.chat_button = QToolButton(self)
        self.chat_button.setText("Chat with…")
        self.chat_button.setToolTip("Open a chat with one of the compared variants")
        self.chat_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.chat_button.setMenu(QMenu(self.chat_button))
        self.chat_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.setup_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.restore_check)
        buttons.addWidget(self.chat_button)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)

        self.panes = PaneRow(self)
        self.summary = SummaryModel()
        self.summary_view = QTableView(self)
        self.summary_view.setModel(self.summary)
        self.summary_view.setAccessibleName("Ranked variants")
        self.summary_view.verticalHeader().hide()
        self.summary_view.setAlternatingRowColors(True)
        self.summary_view.setWordWrap(False)
        header = self.summary_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The variant name takes what is left (elided in the middle, full in its tooltip),
        # so the ranked table never scrolls sideways beside the charts; on a narrow window
        # the timings and sizes give way and the quality columns (agreement, approx. KL,
        # accuracy) stay.
        self.summary_columns = ColumnFit(self.summary_view, 1, GIVE_WAY, min_stretch=120)
        self.summary_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.setToolTip("Right-click to choose the columns")
        self.hidden_columns: set[int] = set(DETAIL_COLUMNS)  # the user's choice
        self.results_tab = QWidget(self)
        self._results_row = QHBoxLayout(self.results_tab)
        self._results_row.setContentsMargins(0, 4, 0, 0)
        self._results_row.addWidget(self.summary_view, 9)
        self.history_panel = HistoryPanel(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.results_tab, "Results")
        self.tabs.addTab(self.history_panel, "History")
        # "… is loaded again" after a run, beside the tabs: no line over the results.
        self.restore_note = ElidedLabel("", self.tabs)
        self.restore_note.setObjectName("restoreNote")
        self.restore_note.setAccessibleName("Models put back")
        self.restore_note.setMaximumWidth(RESTORE_NOTE_WIDTH)
        self.restore_note.hide()
        self.tabs.setCornerWidget(self.restore_note, Qt.Corner.TopRightCorner)
        self.eviction.note = self.restore_note
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.panes)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.setup)
        layout.addLayout(buttons)
        layout.addWidget(self.splitter, 1)

        add_shortcut(self, "Run comparison", QKeySequence("Ctrl+Return"), self.run_comparison)
        add_shortcut(self, "Stop comparison", QKeySequence("Escape"), self.stop)
        add_shortcut(self, "Show or hide the setup", QKeySequence("Ctrl+E"),
                     self.setup_button.toggle)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self._check_together)
        self._connect()
        self._on_installed(services.installed.models)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _connect(self) -> None:
        s = self.service
        s.started.connect(self._on_started)
        s.run_changed.connect(self._on_run)
        s.tokens.connect(self._on_tokens)
        s.pull_progress.connect(self._on_pull)
        s.finished.connect(self._on_finished)
        s.failed.connect(self._on_failed)
        s.cancelled.connect(self._on_cancelled)
        s.rerun_diff.connect(self._on_diff)
        s.together_checked.connect(self._on_together)
        s.restore_started.connect(lambda names: self.eviction.show_restoring(names))
        s.restored.connect(self.eviction.show_restored)
        h = self.history
        h.listed.connect(self._on_listed)
        h.opened.connect(self._on_opened)
        h.exported.connect(lambda path: self.message.show_notice(f"Exported to {path}."))
        h.deleted.connect(lambda _cid: self.message.show_notice("Deleted the comparison."))
        h.failed.connect(self.message.show_error)
        p = self.history_panel
        p.reopen_requested.connect(self.history.open)
        p.rerun_requested.connect(self.rerun)
        p.delete_requested.connect(self.history.delete)
        p.export_requested.connect(lambda cid, path: self.history.export(cid, Path(path)))
        self.setup.selection_changed.connect(self._check_timer.start)
        self.setup.ladder_requested.connect(self._load_ladder)
        self._services.installed.changed.connect(self._on_installed)
        self._services.connection.connected.connect(lambda _v: self._check_timer.start())

    # -- starting and stopping ---------------------------------------------------------------

    def run_comparison(self) -> None:
        if self.service.active:
            return
        problem = self.setup.problem()
        if problem:
            self.message.show_error(problem)
            return
        missing = self.setup.not_installed()
        if missing and not self.confirm_pull(missing):
            self.message.show_notice("Not started: pull the missing variants first.")
            return
        request = RunRequest(self.setup.spec(), pull_missing=bool(missing))
        note = ("{They} {are} put back afterwards." if self.service.restore_after
                else "{They} {stay} unloaded afterwards.")
        self.eviction.guard(list(request.spec.models), lambda: self.start(request),
                            request.spec.options.num_ctx, note=note)

    def start(self, request: RunRequest) -> None:
        spec = request.spec
        self.result = None
        self._runs = {m: RunResult(m, i) for i, m in enumerate(spec.models)}
        self.panes.reset(list(spec.models), _likely_reference(spec))
        self.summary.set_runs(list(self._runs.values()), _likely_reference(spec) or "")
        self._show_charts()
        self.message.show_notice("Pulling, then comparing…" if request.pull_missing
                                 else "Comparing…")
        self._set_running(True)
        self.setup_button.setChecked(False)  # the panes need the room while they stream
        self.service.start(request)

    def stop(self) -> None:
        if self.service.stop():
            self.panes.stop_unfinished()
            self.message.show_notice("Stopping…")

    def rerun(self, comparison_id: str) -> None:
        self._pending_rerun = comparison_id
        self.history.open(comparison_id)

    def _show_setup(self, shown: bool) -> None:
        self.setup.setVisible(shown)
        self.setup_button.setText("Hide setup" if shown else "Show setup")

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.setup.setEnabled(not running)
        self.history_panel.setEnabled(not running)

    # -- comparison signals ------------------------------------------------------------------

    def _on_started(self, result: ComparisonResult) -> None:
        self.result = result
        self.panes.set_reference(result.reference)
        self._runs.update({r.model: r for r in result.runs})
        self._refresh_summary()

    def _on_run(self, model: str, run: RunResult) -> None:
        self._runs[model] = run
        self.panes.show_run(run)
        self._refresh_summary()

    def _on_tokens(self, model: str, text: str) -> None:
        pane = self.panes.pane(model)
        if pane is not None:
            pane.append_text(text)

    def _on_pull(self, model: str, progress: PullProgress) -> None:
        pane = self.panes.pane(model)
        if pane is not None:
            pane.set_pull(progress)

    def _on_finished(self, result: ComparisonResult) -> None:
        self._set_running(False)
        self._offer_chat([r.model for r in result.runs if r.state == "done"])
        self._after_run()
        self.result = result
        self._runs = {r.model: r for r in result.runs}
        for run in result.runs:
            self.panes.show_run(run)
        self._refresh_summary()
        self._show_charts()
        failed = [r.model for r in result.runs if r.state != "done"]
        if failed:
            self.message.show_error(
                f"Finished with failures ({', '.join(failed)}); kept in the history as "
                "incomplete. Hover a failed row for the reason.")
        else:
            self.message.show_notice(
                f"Done. Saved in the History tab ({local_time(result.created_at)}).")
        self.history.refresh()
        # The runs loaded and unloaded models: the status bar's gauge should say so now.
        running = self._services.running
        if self._screenshot_mode:
            running.models_changed.connect(self._ready_after_poll)
            QTimer.singleShot(POLL_WAIT_MS, self._mark_ready)  # bounded, should it not answer
        running.refresh()

    def _after_run(self) -> None:
        if not self.service.restore_after:
            self.eviction.offer_restore()  # not put back by itself: offer it

    def _offer_chat(self, models: list[str]) -> None:
        menu = self.chat_button.menu()
        menu.clear()
        for name in models:
            menu.addAction(name, lambda n=name: self._services.chat.open_chat(n))
        self.chat_button.setEnabled(bool(models))

    def _ready_after_poll(self, _models: object) -> None:
        self._services.running.models_changed.disconnect(self._ready_after_poll)
        self._mark_ready()

    def _on_failed(self, message: str) -> None:
        self._set_running(False)
        self.panes.fail_unfinished(message)
        self.message.show_error(message)
        self._after_run()
        self.history.refresh()

    def _on_cancelled(self) -> None:
        self._set_running(False)
        self.panes.stop_unfinished()
        self._after_run()
        self.message.show_notice("Stopped. What ran so far is in the History tab, marked "
                                 "incomplete.")
        self.history.refresh()

    def _on_diff(self, diff: ComparisonDiff) -> None:
        when = self._created.get(diff.old_id, "before")
        self.message.show_notice(diff_text(diff, when))

    def _refresh_summary(self) -> None:
        reference = self.result.reference if self.result else ""
        runs = list(self._runs.values())
        self.summary.set_runs(runs, reference)
        hidden = set(self.hidden_columns)
        # Accuracy exists only for a task set: no empty column for a prompt. Once every run
        # is done, the rank column says as much as the state column would.
        if all(r.accuracy is None for r in runs):
            hidden.add(ACCURACY_COLUMN)
        if runs and all(r.state == "done" for r in runs):
            hidden.add(STATE_COLUMN)
        self.summary_columns.set_page_hidden(hidden)

    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for column, name in enumerate(COLUMNS):
            if column in (0, 1):  # rank and variant always show
                continue
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(column not in self.hidden_columns)
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))
        menu.popup(self.summary_view.horizontalHeader().mapToGlobal(pos))

    def show_column(self, column: int, shown: bool) -> None:
        """Show or hide a summary column (the header's context menu)."""
        if shown:
            self.hidden_columns.discard(column)
        else:
            self.hidden_columns.add(column)
        self._refresh_summary()

    def _show_charts(self) -> None:
        if self.charts is None:
            return
        if self.result is None:
            self.charts.clear()  # type: ignore[attr-defined]
        else:
            self.charts.show_result(  # type: ignore[attr-defined]
                self.result, self._services.hardware.machine)

    # -- history -----------------------------------------------------------------------------

    def _on_listed(self, items: list[ComparisonSummary]) -> None:
        self.history_panel.set_summaries(items)
        if not self._screenshot_mode:
            self._mark_ready()

    def _on_opened(self, result: ComparisonResult) -> None:
        if self._pending_rerun == result.id:
            self._pending_rerun = None
            self._created[result.id] = local_time(result.created_at)
            self.setup.show_spec(result.spec)
            self.start(RunRequest(result.spec, rerun_of=result))
            return
        self.show_result(result)

    def show_result(self, result: ComparisonResult) -> None:
        """Show a stored comparison as if it had just finished."""
        self.result = result
        self._runs = {r.model: r for r in result.runs}
        self.setup.show_spec(result.spec)
        self.panes.show_result(result)
        self._refresh_summary()
        self._show_charts()
        self._created[result.id] = local_time(result.created_at)
        state = "" if result.complete else " (incomplete)"
        self.message.show_notice(f"The comparison of {local_time(result.created_at)}{state}.")

    # -- setup helpers -----------------------------------------------------------------------

    def _on_installed(self, models: list[LocalModel]) -> None:
        self.setup.set_installed([m.name for m in models])

    def _check_together(self) -> None:
        models = self.setup.checked_models()
        if len(models) < 2:
            self.setup.set_together(TogetherVerdict(False, "check at least two variants"))
            return
        self.service.check_together(models, self.setup.num_ctx.value(),
                                    self._services.installed.names)

    def _on_together(self, verdict: TogetherVerdict) -> None:
        self.setup.set_together(verdict)

    def _load_ladder(self, query: str) -> None:
        service = self._services.compare_ladders
        if not self._ladders_connected:
            service.ladder_ready.connect(self._on_ladder)
            service.failed.connect(lambda _q, msg: self.message.show_error(msg))
            self._ladders_connected = True
        self.message.show_notice(f"Looking up the variants of {query}…")
        service.load(query)

    def _on_ladder(self, query: str, ladder: object) -> None:
        variants = [v for v in getattr(ladder, "variants", []) if v.pullable]
        for v in variants:
            self.setup.add_variant(v.name, v.installed)
        self.message.show_notice(f"Added {len(variants)} variants of {query}; check the ones "
                                 "to compare.")

    # -- page life ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self.charts is None:
            # pyqtgraph is imported here, the first time the page is shown, never at start-up.
            from quantdesk.ui.charts.compare_charts import CompareCharts

            self.charts = CompareCharts(self.results_tab)
            self._results_row.addWidget(self.charts, 8)
            # The panes (answers and ten metrics each) get the larger share; the ranked
            # table needs a row per variant and the charts stay readable below it.
            self.splitter.setSizes([460, 360])
            self._show_charts()
            self.history.refresh()

    def _mark_ready(self) -> None:
        if not self._is_ready:
            self._is_ready = True
            self.ready.emit()

    def prepare_screenshot(self) -> None:
        """Screenshot mode: run a demo comparison against the simulator (history kept in a
        temporary file); ``ready`` fires when it has finished."""
        from quantdesk.ui.pages.compare_demo import start_demo

        self._screenshot_mode = True
        start_demo(self)

    def shutdown(self) -> None:
        """The app is quitting: stop what runs (the container closes the history file)."""
        self._check_timer.stop()
        self.service.stop()


def _likely_reference(spec: ComparisonSpec) -> str | None:
    """The reference the runner will pick, to mark the pane before it says so."""
    levels = {m: quant_of(m) for m in spec.models}
    try:
        return choose_reference(spec.models, levels, spec.reference)
    except Exception:
        return None
