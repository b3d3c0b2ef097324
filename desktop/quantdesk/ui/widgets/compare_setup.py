"""What to compare: the variants (installed ones and a model's ladder), a prompt or a task
set, the fixed options, the reference and the mode."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.compare.planning import MAX_VARIANTS, MIN_VARIANTS, TogetherVerdict
from quantdesk.core.compare.results import CompareOptions, ComparisonSpec
from quantdesk.ui import theme
from quantdesk.ui.plain_text import set_tip, tip

TASK_SETS: tuple[tuple[str, str], ...] = (
    ("mixed", "Mixed"), ("arith", "Arithmetic"), ("letters", "Counting letters"),
    ("sort", "Sorting lists"), ("format", "Exact formats"), ("units", "Unit conversion"),
)
AUTO_REFERENCE = "Highest precision"
DEFAULT_PROMPT = "Explain in three sentences why the sky is blue."
NAME_ROLE = Qt.ItemDataRole.UserRole
INSTALLED_ROLE = Qt.ItemDataRole.UserRole + 1


class CompareSetup(QWidget):
    """Signals:
    selection_changed(): the checked variants or the context length changed
    ladder_requested(str): the user asked to add a model's quantization ladder
    """

    selection_changed = Signal()
    ladder_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._together = TogetherVerdict(False, "checking whether they fit together…")

        # -- variants ------------------------------------------------------------------------
        variants_box = QGroupBox("Variants (2–6)", self)
        self.variant_list = QListWidget(variants_box)
        self.variant_list.setAccessibleName("Variants to compare")
        self.variant_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # Names elide in the middle to the list's width ("llama3.1:8b…q8_0"): scrolled
        # sideways, three "llama3.1:8b-inst" rows could not be told apart.
        self.variant_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.variant_list.itemChanged.connect(self._on_item_changed)
        self.ladder_edit = QLineEdit(variants_box)
        self.ladder_edit.setPlaceholderText("Add a model's ladder, e.g. llama3.2:1b")
        self.ladder_edit.setAccessibleName("Model whose variants to add")
        self.ladder_button = QPushButton("Add", variants_box)
        self.ladder_button.setToolTip("List this model's quantization variants")
        self.ladder_button.clicked.connect(self._ask_ladder)
        self.ladder_edit.returnPressed.connect(self._ask_ladder)
        add_row = QHBoxLayout()
        add_row.addWidget(self.ladder_edit, 1)
        add_row.addWidget(self.ladder_button)
        vcol = QVBoxLayout(variants_box)
        vcol.addWidget(self.variant_list, 1)
        vcol.addLayout(add_row)

        # -- input ---------------------------------------------------------------------------
        input_box = QGroupBox("Input", self)
        self.prompt_radio = QRadioButton("Prompt", input_box)
        self.tasks_radio = QRadioButton("Task set", input_box)
        self.prompt_radio.setChecked(True)
        self._input_group = QButtonGroup(self)
        self._input_group.addButton(self.prompt_radio)
        self._input_group.addButton(self.tasks_radio)
        self.prompt_edit = QPlainTextEdit(DEFAULT_PROMPT, input_box)
        self.prompt_edit.setAccessibleName("Prompt")
        self.prompt_edit.setTabChangesFocus(True)
        self.task_combo = QComboBox(input_box)
        self.task_combo.setAccessibleName("Task set")
        for key, label in TASK_SETS:
            self.task_combo.addItem(label, key)
        self.task_count = QSpinBox(input_box)
        self.task_count.setRange(1, 1000)
        self.task_count.setValue(20)
        self.task_count.setAccessibleName("Number of tasks")
        self.task_count.setSuffix(" tasks")
        task_row = QHBoxLayout()
        task_row.addWidget(self.tasks_radio)
        task_row.addWidget(self.task_combo, 1)
        task_row.addWidget(self.task_count)
        icol = QVBoxLayout(input_box)
        icol.addWidget(self.prompt_radio)
        icol.addWidget(self.prompt_edit, 1)
        icol.addLayout(task_row)
        self.prompt_radio.toggled.connect(self._update_input)

        # -- options -------------------------------------------------------------------------
        options_box = QGroupBox("Options", self)
        form = QFormLayout(options_box)
        form.setVerticalSpacing(3)
        self.seed = self._spin(0, 2**31 - 1, 0, "Seed")
        self.num_ctx = self._spin(512, 1 << 20, 4096, "Context length (tokens)")
        self.num_ctx.setSingleStep(1024)
        self.num_predict = self._spin(1, 32768, 128, "Longest answer (tokens)")
        self.num_ctx.valueChanged.connect(lambda _v: self.selection_changed.emit())
        temperature = QLabel("0 (greedy, repeatable)", options_box)
        temperature.setWordWrap(True)
        self.reference_combo = QComboBox(options_box)
        self.reference_combo.setAccessibleName("Reference variant")
        # Long model names must not widen the page past a 1024 px window: they elide.
        self.reference_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reference_combo.setMinimumContentsLength(14)
        self.reference_combo.addItem(AUTO_REFERENCE, None)
        self.sequential_radio = QRadioButton("One after another", options_box)
        self.together_radio = QRadioButton("Run together", options_box)
        self.sequential_radio.setChecked(True)
        self.sequential_radio.setToolTip(
            "Each variant is loaded alone and unloaded before the next: fair speeds, no "
            "VRAM oversubscribed.")
        self._mode_group = QButtonGroup(self)
        self._mode_group.addButton(self.sequential_radio)
        self._mode_group.addButton(self.together_radio)
        mode_row = QVBoxLayout()  # stacked: side by side they set the page's minimum width
        mode_row.addWidget(self.sequential_radio)
        mode_row.addWidget(self.together_radio)
        form.addRow("Seed", self.seed)
        form.addRow("Context length", self.num_ctx)
        form.addRow("Longest answer", self.num_predict)
        form.addRow("Temperature", temperature)
        form.addRow("Reference", self.reference_combo)
        form.addRow("Mode", mode_row)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(variants_box, 5)
        row.addWidget(input_box, 4)
        row.addWidget(options_box, 3)
        self._update_input()
        self.set_together(self._together)

    def _spin(self, low: int, high: int, value: int, name: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setAccessibleName(name)
        return spin

    # -- variants ----------------------------------------------------------------------------

    def _item(self, name: str) -> QListWidgetItem | None:
        for i in range(self.variant_list.count()):
            item = self.variant_list.item(i)
            if item.data(NAME_ROLE) == name:
                return item
        return None

    def add_variant(self, name: str, installed: bool, *, checked: bool = False) -> None:
        """List ``name`` (once); a variant already listed keeps its check mark."""
        item = self._item(name)
        if item is None:
            item = QListWidgetItem()
            item.setData(NAME_ROLE, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.variant_list.addItem(item)
        self.variant_list.blockSignals(True)
        item.setData(INSTALLED_ROLE, installed)
        item.setText(name if installed else f"{name}  (not installed: pulled first)")
        item.setToolTip(tip(item.text()))  # the list is narrow at 1024 px: the whole name
        item.setForeground(self.palette().text() if installed else theme.color("info"))
        if checked:
            item.setCheckState(Qt.CheckState.Checked)
        self.variant_list.blockSignals(False)
        self._on_item_changed(item)

    def set_installed(self, names: list[str]) -> None:
        listed = {self.variant_list.item(i).data(NAME_ROLE)
                  for i in range(self.variant_list.count())}
        for name in names:
            self.add_variant(name, True)
        for name in listed - set(names):
            item = self._item(name)
            if item is not None and item.data(INSTALLED_ROLE):
                self.add_variant(name, False)

    def set_checked(self, names: list[str]) -> None:
        self.variant_list.blockSignals(True)
        for i in range(self.variant_list.count()):
            item = self.variant_list.item(i)
            on = item.data(NAME_ROLE) in names
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.variant_list.blockSignals(False)
        self._on_item_changed(None)

    def checked_models(self) -> list[str]:
        return [self.variant_list.item(i).data(NAME_ROLE)
                for i in range(self.variant_list.count())
                if self.variant_list.item(i).checkState() == Qt.CheckState.Checked]

    def not_installed(self) -> list[str]:
        return [m for m in self.checked_models()
                if not (item := self._item(m)) or not item.data(INSTALLED_ROLE)]

    def _on_item_changed(self, _item: QListWidgetItem | None) -> None:
        checked = self.checked_models()
        current = self.reference_combo.currentData()
        self.reference_combo.blockSignals(True)
        self.reference_combo.clear()
        self.reference_combo.addItem(AUTO_REFERENCE, None)
        for m in checked:
            self.reference_combo.addItem(m, m)
        i = self.reference_combo.findData(current)
        self.reference_combo.setCurrentIndex(max(i, 0))
        self.reference_combo.blockSignals(False)
        self.selection_changed.emit()

    def _ask_ladder(self) -> None:
        text = self.ladder_edit.text().strip()
        if text:
            self.ladder_requested.emit(text)

    # -- input, mode -------------------------------------------------------------------------

    def _update_input(self) -> None:
        prompt = self.prompt_radio.isChecked()
        self.prompt_edit.setEnabled(prompt)
        self.task_combo.setEnabled(not prompt)
        self.task_count.setEnabled(not prompt)

    def use_task_set(self, name: str, count: int) -> None:
        self.tasks_radio.setChecked(True)
        self.task_combo.setCurrentIndex(max(0, self.task_combo.findData(name)))
        self.task_count.setValue(count)

    def set_together(self, verdict: TogetherVerdict) -> None:
        """"Run together" is offered only when the fit says every variant fits at once."""
        self._together = verdict
        self.together_radio.setEnabled(verdict.ok)
        set_tip(self.together_radio,  # the reason names the variants
                f"Load all at once: {verdict.reason}." if verdict.ok
                else f"Not available: {verdict.reason}.")
        if not verdict.ok and self.together_radio.isChecked():
            self.sequential_radio.setChecked(True)

    def problem(self) -> str | None:
        """Why the comparison cannot start as set up, or None."""
        n = len(self.checked_models())
        if not MIN_VARIANTS <= n <= MAX_VARIANTS:
            return f"Check {MIN_VARIANTS} to {MAX_VARIANTS} variants to compare ({n} checked)."
        if self.prompt_radio.isChecked() and not self.prompt_edit.toPlainText().strip():
            return "Type a prompt, or choose a task set."
        return None

    def spec(self) -> ComparisonSpec:
        options = CompareOptions(seed=self.seed.value(), num_ctx=self.num_ctx.value(),
                                 num_predict=self.num_predict.value())
        prompt = self.prompt_edit.toPlainText().strip() if self.prompt_radio.isChecked() else None
        return ComparisonSpec(
            models=tuple(self.checked_models()), prompt=prompt,
            task_set=None if prompt is not None else self.task_combo.currentData(),
            task_count=0 if prompt is not None else self.task_count.value(),
            options=options, reference=self.reference_combo.currentData(),
            together=self.together_radio.isChecked() and self._together.ok)

    def show_spec(self, spec: ComparisonSpec) -> None:
        """Set the controls to a stored comparison's spec (reopen, re-run)."""
        for m in spec.models:
            if self._item(m) is None:
                self.add_variant(m, False)
        self.set_checked(list(spec.models))
        if spec.task_set:
            self.use_task_set(spec.task_set, spec.task_count)
        else:
            self.prompt_radio.setChecked(True)
            self.prompt_edit.setPlainText(spec.prompt or "")
        self.seed.setValue(spec.options.seed)
        self.num_ctx.setValue(spec.options.num_ctx)
        self.num_predict.setValue(spec.options.num_predict)
        i = self.reference_combo.findData(spec.reference)
        self.reference_combo.setCurrentIndex(max(i, 0))
