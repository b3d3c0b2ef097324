"""Variants: a model's whole quantization ladder with a live fit verdict for each level.

Discovery runs in the Variants service; every verdict is recomputed here on the GUI thread
when the context slider or the KV cache type changes (the estimate is pure and takes well
under a millisecond per variant). One click on Pull hands a variant to the Downloads queue.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.advice import Alternative, Evaluator, Measured, Plan, PlanSettings, make_plan
from quantdesk.core.config import FLASH_ATTENTION, KV_CACHE_TYPES, ConfigError
from quantdesk.core.hosts import HostProfile, MachineView
from quantdesk.core.ollama import LocalModel, same_model
from quantdesk.core.registry import Variant, local_digests
from quantdesk.core.transformers import SafetensorsRepo
from quantdesk.ui.dialogs.host_profile import HostProfileDialog
from quantdesk.ui.pages.variants_advice import AdvicePanel
from quantdesk.ui.pages.variants_machine import MachineLine
from quantdesk.ui.pages.variants_model import (
    ADVICE,
    BEST_ROLE,
    BPW,
    FIT,
    FIT_ROLE,
    MEMORY,
    PULL,
    PULLABLE_ROLE,
    QUALITY,
    QUANT,
    SPEED,
    STATUS,
    TAG,
    VARIANT_ROLE,
    VariantLadderModel,
)
from quantdesk.ui.pages.variants_transformers import TransformersSection
from quantdesk.ui.pages.variants_words import (
    DEFAULT_CONTEXT,
    MIN_CONTEXT,
    as_sentence,
    best_sentence,
    context_steps,
    most_relevant,
    repositories,
    repository_of,
)
from quantdesk.ui.plain_text import plain, tip
from quantdesk.ui.resources import icon
from quantdesk.ui.services.container import Services
from quantdesk.ui.services.pulls import PullState
from quantdesk.ui.services.variants import Ladder
from quantdesk.ui.widgets.actions import add_shortcut
from quantdesk.ui.widgets.column_fit import ColumnFit
from quantdesk.ui.widgets.fit_badge import FitView, context_words
from quantdesk.ui.widgets.fit_views import fit_view, unknown_view
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader
from quantdesk.ui.widgets.variant_delegates import (
    FitBadgeDelegate,
    MemoryBarDelegate,
    PullButtonDelegate,
)

__all__ = ["DEFAULT_CONTEXT", "MIN_CONTEXT", "VariantsPage", "as_sentence", "best_sentence",
           "context_steps", "most_relevant", "repositories", "repository_of"]


class VariantsPage(QWidget):
    TITLE = "Variants"
    ICON = "variants"
    ready = Signal()
    ladder_shown = Signal(str)  # the query, each time its ladder is on screen

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Variants page")
        self._services = services
        self._is_ready = False
        self._asked = False  # a ladder was asked for (by the user or on first show)
        self.service = services.variants
        self.pulls = services.pulls
        self.evaluator = Evaluator()
        self.ladder: Ladder | None = None
        self.view: MachineView | None = None  # the daemon's machine, as the ladder was read
        self.plan: Plan | None = None
        self.profile: HostProfile | None = None  # the daemon's host profile, if it has one
        self.measured = Measured()  # Compare's own figures for the model shown

        self.header = PageHeader(
            "Variants",
            "Every quantization of a model and how each runs on the daemon's machine. Move the "
            "context slider to see verdicts change; the highlighted row is the recommendation.",
            self,
        )
        self.message = plain(MessageLabel(self))
        self.machine_line = MachineLine(self)
        self.machine_line.edit_requested.connect(self.edit_host_profile)
        self.model_combo = QComboBox(self)
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setMinimumContentsLength(26)
        self.model_combo.setAccessibleName("Model to show the variants of")
        self.model_combo.lineEdit().setPlaceholderText("llama3.1, qwen2.5:7b, hf.co/owner/repo")
        self.model_combo.lineEdit().returnPressed.connect(self.show_typed)
        self.model_combo.activated.connect(lambda _i: self.show_typed())
        self.show_button = QPushButton(icon("search"), "Show ladder", self)
        self.show_button.setAccessibleName("Show the variants of the typed model")
        self.show_button.clicked.connect(self.show_typed)

        self.context_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.context_slider.setAccessibleName("Context length")
        self.context_slider.setPageStep(1)
        self.context_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.context_label = QLabel(self)
        self.context_label.setMinimumWidth(110)
        self.kv_combo = QComboBox(self)
        self.kv_combo.setAccessibleName("KV cache type")
        self.kv_combo.setToolTip("KV cache type (OLLAMA_KV_CACHE_TYPE); quantised types need "
                                 "flash attention")
        self.kv_combo.addItems(list(KV_CACHE_TYPES))
        kv = services.settings.kv_cache_type
        self.kv_combo.setCurrentIndex(max(0, self.kv_combo.findText(kv)))
        self._steps = context_steps(131072)
        self._set_steps(self._steps, services.settings.default_context or DEFAULT_CONTEXT)
        self.flash_combo = QComboBox(self)
        self.flash_combo.setAccessibleName("Flash attention")
        self.flash_combo.setToolTip(tip("Flash attention (OLLAMA_FLASH_ATTENTION): auto leaves "
                                        "it to the daemon; a q8_0 or q4_0 KV cache needs it "
                                        "on. Saved to the settings."))
        self.flash_combo.addItems(list(FLASH_ATTENTION))
        fa = services.settings.flash_attention
        self.flash_combo.setCurrentIndex(max(0, self.flash_combo.findText(fa)))
        self.flash_note = plain(QLabel(self))
        self.flash_note.setAccessibleName("Flash attention and KV cache note")
        self.flash_note.setWordWrap(True)
        self.flash_note.setObjectName("pageHint")
        self.flash_note.hide()
        self.context_slider.valueChanged.connect(lambda _v: self.recompute())
        self.kv_combo.currentIndexChanged.connect(lambda _i: self.recompute())
        self.flash_combo.currentIndexChanged.connect(lambda _i: self._save_flash())

        self.advice = AdvicePanel(self)
        self.advice.apply_requested.connect(self.apply)
        self.best_label = self.advice.headline
        self.transformers = TransformersSection(self)
        self.transformers.hide()
        self.model = VariantLadderModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Quantization ladder")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setMouseTracking(True)
        self.table.setItemDelegateForColumn(FIT, FitBadgeDelegate(FIT_ROLE, BEST_ROLE, self))
        self.table.setItemDelegateForColumn(MEMORY, MemoryBarDelegate(FIT_ROLE, self._budget,
                                                                      self))
        self.pull_delegate = PullButtonDelegate(PULLABLE_ROLE, self)
        self.pull_delegate.clicked.connect(self._on_pull_clicked)
        self.table.setItemDelegateForColumn(PULL, self.pull_delegate)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MEMORY, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(MEMORY, 140)
        header.setSectionResizeMode(ADVICE, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)  # one line per variant; the tooltip has it all
        # Narrow windows: Advice keeps its room and Max GPU context stays; bits per weight,
        # the quantization (the tag names it), the speed estimate, the status, the bar and the
        # quality figures give way, in that order (each row's tooltip still has them all).
        self.columns = ColumnFit(self.table, ADVICE,
                                 (BPW, QUANT, SPEED, STATUS, MEMORY, QUALITY),
                                 min_stretch=200, keep_width=(MEMORY,))
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.legend = QLabel(
            "Memory bar: the green span is GPU memory, the grey span system RAM; the bar is "
            "what the variant needs (lighter where it spills into RAM).", self)
        self.legend.setWordWrap(True)
        self.legend.setObjectName("pageHint")

        add_shortcut(self, "Pull the selected variant", QKeySequence("Ctrl+P"),
                     self.pull_selected)
        add_shortcut(self, "Larger context", QKeySequence("Ctrl+]"),
                     lambda: self.context_slider.setValue(self.context_slider.value() + 1))
        add_shortcut(self, "Smaller context", QKeySequence("Ctrl+["),
                     lambda: self.context_slider.setValue(self.context_slider.value() - 1))
        add_shortcut(self, "Choose a model", QKeySequence("Ctrl+M"), self._focus_combo)
        # F5 (show the ladder again) is the window's Refresh, which calls refresh().

        # Lead-in to the Chat page for an installed variant.
        self.chat_button = QPushButton("Chat with this variant", self)
        self.chat_button.setToolTip("Open a chat with the selected variant (installed ones)")
        self.chat_button.setEnabled(False)
        self.chat_button.clicked.connect(self.chat_selected)
        self.table.selectionModel().currentRowChanged.connect(
            lambda *_a: self.chat_button.setEnabled(bool(self.selected_installed())))

        top = QHBoxLayout()
        top.addWidget(self.model_combo, 1)
        top.addWidget(self.show_button)
        top.addWidget(self.chat_button)
        knobs = QHBoxLayout()
        knobs.addWidget(QLabel("Context:", self))
        knobs.addWidget(self.context_slider, 1)
        knobs.addWidget(self.context_label)
        knobs.addWidget(QLabel("KV cache:", self))
        knobs.addWidget(self.kv_combo)
        knobs.addWidget(QLabel("Flash attention:", self))
        knobs.addWidget(self.flash_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addWidget(self.machine_line)
        layout.addLayout(top)
        layout.addLayout(knobs)
        layout.addWidget(self.flash_note)
        layout.addWidget(self.advice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.transformers, 1)
        layout.addWidget(self.legend)

        self.service.ladder_ready.connect(self._on_ladder)
        self.service.safetensors_ready.connect(self._on_safetensors)
        self.service.failed.connect(self._on_failed)
        services.installed.changed.connect(self._on_installed)
        services.hardware.probed.connect(lambda _m: self.recompute())
        services.config.changed.connect(self._on_settings)
        self.pulls.changed.connect(self._on_pull_changed)
        self._on_installed(services.installed.models)

    # -- small builders ----------------------------------------------------------------------

    def _focus_combo(self) -> None:
        self.model_combo.setFocus()
        self.model_combo.lineEdit().selectAll()

    def _set_steps(self, steps: list[int], wanted: int) -> None:
        self._steps = steps
        self.context_slider.blockSignals(True)
        self.context_slider.setRange(0, len(steps) - 1)
        nearest = min(range(len(steps)), key=lambda i: abs(steps[i] - wanted))
        self.context_slider.setValue(nearest)
        self.context_slider.blockSignals(False)
        self._update_context_label()

    def _update_context_label(self) -> None:
        text = f"{context_words(self.context)} tokens"
        self.context_label.setText(text)
        self.context_slider.setAccessibleDescription(text)

    def _budget(self) -> tuple[int, int]:
        machine = self._services.hardware.machine
        if machine is None:
            return 0, 0
        return machine.total_vram_bytes, machine.ram.total_bytes

    # -- state -------------------------------------------------------------------------------

    @property
    def context(self) -> int:
        return self._steps[self.context_slider.value()]

    def set_context(self, tokens: int, *, exact: bool = False) -> None:
        """Move the slider to the step nearest ``tokens`` (``exact``: to ``tokens`` itself,
        made a step of its own when it is not one)."""
        if exact and tokens not in self._steps:
            self._set_steps(sorted({*self._steps, tokens}), tokens)
            self.recompute()
            return
        self.context_slider.setValue(min(range(len(self._steps)),
                                         key=lambda i: abs(self._steps[i] - tokens)))

    @property
    def flash_attention(self) -> str:
        return self.flash_combo.currentText()

    @property
    def kv_cache_type(self) -> str:
        return self.kv_combo.currentText()

    def fit_of(self, name: str) -> FitView | None:
        row = self.model.row_of(name)
        return None if row is None else self.model.rows()[row].fit

    # -- actions -----------------------------------------------------------------------------

    def show_model(self, query: str) -> None:
        query = query.strip()
        if not query:
            return
        self._asked = True
        self.model_combo.setEditText(query)
        self.message.show_notice(f"Looking up the variants of {query}…")
        self.service.load(query)

    def show_typed(self) -> None:
        self.show_model(self.model_combo.currentText())

    def refresh(self) -> None:
        query = self.ladder.query if self.ladder else self.model_combo.currentText()
        if query.strip():
            self.show_model(query)
        else:
            self._services.installed.refresh()

    def pull(self, variant: Variant) -> None:
        self.pulls.pull(variant.name, variant.size_bytes or 0)
        self.message.show_notice(f"{variant.name} is in the Downloads queue.")

    def selected_installed(self) -> str:
        """The selected variant's name when it is installed, else ''."""
        idx = self.table.currentIndex()
        variant = self.model.data(idx, VARIANT_ROLE) if idx.isValid() else None
        if not isinstance(variant, Variant):
            return ""
        names = self._services.installed.names
        return next((n for n in names if same_model(n, variant.name)), "")

    def chat_selected(self) -> None:
        name = self.selected_installed()
        if name:
            self._services.chat.open_chat(name)

    def pull_selected(self) -> None:
        idx = self.table.currentIndex()
        if idx.isValid() and self.model.data(self.model.index(idx.row(), PULL), PULLABLE_ROLE):
            self.pull(self.model.data(idx, VARIANT_ROLE))

    def _on_pull_clicked(self, index: QModelIndex) -> None:
        variant = self.model.data(index, VARIANT_ROLE)
        if isinstance(variant, Variant):
            self.pull(variant)

    def _machine_view(self) -> MachineView | None:
        """The daemon's machine; this computer's latest probe while the daemon is local."""
        machine = self._services.hardware.machine
        view = self.view
        if view is None or machine is None:
            return None
        if view.source in ("probed", "what-if", "assumed"):
            return MachineView(machine, view.host, view.source, view.description, view.notes)
        return view

    def plan_settings(self) -> PlanSettings:
        return PlanSettings(
            num_ctx=self.context, kv_cache_type=self.kv_cache_type,  # type: ignore[arg-type]
            flash_attention=self.flash_attention,  # type: ignore[arg-type]
            ollama_version=self._services.connection.state.version or None)

    def recompute(self) -> None:
        """Every verdict and the recommendation again, for the slider's context, the KV
        cache type and flash attention (core.advice.make_plan)."""
        self._update_context_label()
        if self.transformers.repo is not None and self._services.hardware.machine is not None:
            self.transformers.update_fits(self.context, self._services.hardware.machine)
        ladder, view = self.ladder, self._machine_view()
        if ladder is None or view is None:
            return
        self.plan = make_plan(ladder, view, self.plan_settings(), evaluator=self.evaluator,
                              measured=self.measured)
        by_name = {r.name: r for r in self.plan.rows}
        fits: list[FitView | None] = []
        figures = []
        for row in self.model.rows():
            planned = by_name.get(row.variant.name)
            figures.append((planned.quality, planned.speed) if planned else (None, None))
            if planned is None:
                fits.append(None)
            elif planned.fit is None:
                fits.append(unknown_view(planned.fit_error) if planned.fit_error else None)
            else:
                fits.append(fit_view(planned.fit, self.kv_cache_type))
        pick = self.plan.recommendation.pick
        self.model.set_fits(fits, self.context,
                            self.model.row_of(pick.name) if pick is not None else None,
                            figures)
        flash = self.plan.flash
        note = flash.note if flash is not None else ""
        self.flash_note.setText(note)
        self.flash_note.setVisible(bool(note))
        self._update_best()

    def _update_best(self) -> None:
        best = self.model.best
        rec = self.plan.recommendation if self.plan is not None else None
        if best is None or rec is None:
            self.advice.show_nothing(
                f"Nothing in this ladder runs on the GPU at {context_words(self.context)} "
                "context." if self.model.rowCount() else "")
            if rec is not None and self.model.rowCount():
                self.advice.show_recommendation(rec, self.context, as_sentence(rec.why))
            return
        row = self.model.rows()[best]
        fit = row.fit
        assert fit is not None
        text = as_sentence(rec.why)
        if fit.verdict == "gpu":
            if fit.max_gpu_ctx > self.context:
                text += (f" It stays fully on the GPU up to {context_words(fit.max_gpu_ctx)} "
                         "of context.")
            level = row.variant.quant.words if row.variant.quant else ""
            text = f"{text} {as_sentence(level)}".rstrip()
        self.advice.show_recommendation(rec, self.context, text)
        self.advice.headline.setToolTip(tip(row.advice))
        self.table.scrollTo(self.model.index(best, TAG))

    def apply(self, alt: Alternative) -> None:
        """Apply an alternative's change: the context, the KV cache (with the flash attention
        it needs) or flash attention."""
        if alt.change == "context":
            self.set_context(int(alt.to), exact=True)
        elif alt.change == "kv_cache":
            if alt.requires.get("flash_attention") == "on":
                self.flash_combo.setCurrentText("on")
            self.kv_combo.setCurrentText(str(alt.to))
        elif alt.change == "flash_attention":
            self.flash_combo.setCurrentText(str(alt.to))

    def _save_flash(self) -> None:
        """The flash-attention control is a setting (the CLI reads it too)."""
        value = self.flash_attention
        config = self._services.config
        if config.settings.flash_attention != value:
            try:
                config.save(replace(config.settings, flash_attention=value))
            except (ConfigError, OSError) as exc:
                self.message.show_error(f"Flash attention was not saved: {exc}")
        self.recompute()

    def _on_settings(self, settings: object) -> None:
        fa = getattr(settings, "flash_attention", self.flash_attention)
        if fa != self.flash_attention:
            self.flash_combo.blockSignals(True)
            self.flash_combo.setCurrentText(fa)
            self.flash_combo.blockSignals(False)
        self.recompute()

    def edit_host_profile(self) -> HostProfileDialog:
        """Describe the daemon's machine; the ladder is judged again once it is saved."""
        dialog = HostProfileDialog(self._services.host, self.profile, parent=self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    # -- service signals ---------------------------------------------------------------------

    def _on_ladder(self, query: str, ladder: Ladder) -> None:
        loaded = self.service.loaded(query)
        self.view = self.service.view_for(query)
        self.profile = loaded.profile if loaded else None
        self.measured = loaded.measured if loaded else Measured()
        self.machine_line.show_view(self.view, self.profile)
        self.message.clear_message()
        notes = [*ladder.notes, *(loaded.notes if loaded else ())]
        if ladder.problems and len(ladder.problems) == len(ladder.variants):
            self.message.show_error("No fit verdicts: " + next(iter(ladder.problems.values())))
        elif ladder.from_snapshot:
            self.message.show_notice(f"No registry reachable: this ladder is {ladder.origin}.")
        elif notes:
            self.message.show_notice("Note: " + "; ".join(notes))
        self.ladder = ladder
        self.transformers.clear()
        self.transformers.hide()
        self.table.show()
        self.legend.show()
        self.model.set_variants(ladder.variants)
        for state in self.pulls.states():
            self._on_pull_changed(state.name, state)
        self._set_steps(context_steps(max(ladder.max_context, MIN_CONTEXT)), self.context)
        self.recompute()
        self.ladder_shown.emit(query)
        self._mark_ready()

    def _on_safetensors(self, query: str, repo: SafetensorsRepo) -> None:
        """A Hugging Face repository without GGUF: the transformers section instead."""
        self.message.clear_message()
        self.ladder = None
        self.plan = None
        self.model.set_variants([])
        self.table.hide()
        self.legend.hide()
        self.advice.show_nothing("")
        machine = self._services.hardware.machine
        view = self._services.hardware.fixed_view
        self.machine_line.show_view(view, None)
        if machine is None:
            self.message.show_error("No estimate: this computer's hardware is not known yet.")
        else:
            self.transformers.show_repo(repo, self.context, machine)
            self.transformers.show()
        self.ladder_shown.emit(query)
        self._mark_ready()

    def _on_failed(self, query: str, message: str) -> None:
        self.message.show_error(f"Could not list the variants of {query}: {message}")
        self._mark_ready()  # the reason is what the page has to show

    def _mark_ready(self) -> None:
        if not self._is_ready:
            self._is_ready = True
            self.ready.emit()

    def _on_installed(self, models: list[LocalModel]) -> None:
        current = self.model_combo.currentText()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItems(repositories(models))
        self.model_combo.setEditText(current)
        self.model_combo.blockSignals(False)
        if self.ladder is not None:
            self.ladder = self.ladder.with_installed(local_digests(models))
            self.model.update_variants(self.ladder.variants)
        elif self.isVisible():
            self._show_first()
        if not models and self._services.connection.is_connected:
            self._mark_ready()  # nothing installed: the empty page is what there is to show

    def _show_first(self) -> None:
        """Opening the page with nothing chosen shows the family that matters now: the loaded
        model's, else the most recently used or pulled one's."""
        if self._asked or not self.model_combo.count():
            return
        running = self._services.running
        family = most_relevant(self._services.installed.models,
                               [m.name for m in running.models], running.recent)
        self.show_model(family or self.model_combo.itemText(0))

    def showEvent(self, event: object) -> None:  # noqa: N802
        super().showEvent(event)  # type: ignore[arg-type]
        self._show_first()

    def _on_pull_changed(self, name: str, state: PullState) -> None:
        if state.phase == "queued":
            text = "Queued"
        elif state.phase == "pulling":
            text = f"Downloading {state.fraction * 100:.0f}%"
        else:
            text = ""
        self.model.set_pulling(name, text)
