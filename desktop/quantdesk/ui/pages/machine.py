"""Machine: what the probes found (GPUs, unified memory, RAM, CPU), what each probe said, the
"what if" override in use, and the correction real loads taught about this machine."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.fit import Calibration
from quantdesk.core.machine import Machine
from quantdesk.ui.formatting import card_size, human_bytes
from quantdesk.ui.plain_text import plain_label, tip
from quantdesk.ui.resources import icon
from quantdesk.ui.services.container import Services
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader

GPU_COLUMNS = ("GPU", "Vendor", "Total", "Free", "Kind", "Usable by Ollama", "Note")
PROBE_LABELS = {
    "nvml": "NVIDIA (NVML)",
    "amd_sysfs": "AMD (Linux sysfs)",
    "apple_sysctl": "Apple Silicon (sysctl)",
    "psutil": "CPU and RAM (psutil)",
}


class MachinePage(QWidget):
    TITLE = "Machine"
    ICON = "machine"
    ready = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Machine page")
        self._services = services
        self._is_ready = False
        self.header = PageHeader(
            "Machine",
            "The memory every fit verdict is computed against. Set a \"what if\" machine in "
            "Settings → Hardware override.",
            self,
        )
        self.message = MessageLabel(self)
        self.override_label = plain_label("", self)  # the settings file's words
        self.override_label.setWordWrap(True)
        self.override_label.setAccessibleName("Hardware override in use")

        self.gpus = QTableWidget(0, len(GPU_COLUMNS), self)
        self.gpus.setHorizontalHeaderLabels(GPU_COLUMNS)
        self.gpus.setAccessibleName("Graphics processors")
        self.gpus.verticalHeader().hide()
        self.gpus.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gpus.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.gpus.horizontalHeader().setStretchLastSection(True)

        memory_box = QGroupBox("Memory and CPU", self)
        form = QFormLayout(memory_box)
        self.ram_label = QLabel("—", memory_box)
        self.swap_label = QLabel("—", memory_box)
        self.cpu_label = plain_label("—", memory_box)  # the OS's CPU name
        self.vram_label = QLabel("—", memory_box)
        self.calibration_label = plain_label("No loads observed yet", memory_box)
        self.calibration_label.setWordWrap(True)
        for text, label in (("GPU memory for models", self.vram_label), ("RAM", self.ram_label),
                            ("Swap", self.swap_label), ("CPU", self.cpu_label),
                            ("Predicted sizes", self.calibration_label)):
            label.setAccessibleName(text)
            form.addRow(text, label)

        probe_box = QGroupBox("What each probe said", self)
        self.probe_form = QFormLayout(probe_box)

        self.reprobe_button = QPushButton(icon("refresh"), "Probe again", self)
        self.reprobe_button.setAccessibleName("Probe the hardware again")
        self.reprobe_button.setToolTip("Probe the hardware again (F5)")  # the window's Refresh
        self.reprobe_button.clicked.connect(self.refresh)

        top = QHBoxLayout()
        top.addWidget(self.override_label, 1)
        top.addWidget(self.reprobe_button)
        boxes = QHBoxLayout()
        boxes.addWidget(memory_box, 1)
        boxes.addWidget(probe_box, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(self.gpus)
        layout.addLayout(boxes)
        layout.addStretch(1)

        self._predictions = services.predictions
        self._predictions.calibration_changed.connect(self.show_calibration)
        if self._predictions.calibration is not None:
            self.show_calibration(self._predictions.calibration)
        services.hardware.probed.connect(self.show_machine)
        services.hardware.probed.connect(self._read_calibration)
        services.hardware.failed.connect(self.message.show_error)
        if services.hardware.machine is not None:
            self.show_machine(services.hardware.machine)
            self._read_calibration()

    def show_calibration(self, calibration: Calibration) -> None:
        self.calibration_label.setText(calibration.describe())

    def _read_calibration(self, _machine: object = None) -> None:
        if self._predictions.learns(self._predictions.machine):
            self._predictions.read_calibration()
        else:
            self.calibration_label.setText("Learnt from loads on a real machine only, not on "
                                           "this simulated one")

    def refresh(self) -> None:
        self.message.clear_message()
        self._services.hardware.probe()

    def show_machine(self, machine: Machine) -> None:
        self.override_label.setText(
            f"Override in use: {machine.override}" if machine.override
            else "Using the probed hardware (no override)."
        )
        self.gpus.setRowCount(len(machine.gpus))
        for row, g in enumerate(machine.gpus):
            kind = "unified memory" if g.unified else "dedicated"
            cells = (g.name, g.vendor, card_size(g.total_bytes), human_bytes(g.free_bytes), kind,
                     "yes" if g.usable else "no", g.note)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip(text))  # driver and tool output
                self.gpus.setItem(row, col, item)
        if not machine.gpus:
            self.gpus.setRowCount(1)
            self.gpus.setItem(0, 0, QTableWidgetItem("No GPU found: models run on the CPU"))
            for col in range(1, len(GPU_COLUMNS)):
                self.gpus.setItem(0, col, QTableWidgetItem(""))
        # As tall as its rows: the space below belongs to memory and probes, not blank rows.
        rows_height = sum(self.gpus.rowHeight(r) for r in range(self.gpus.rowCount()))
        self.gpus.setFixedHeight(self.gpus.horizontalHeader().height() + rows_height
                                 + 2 * self.gpus.frameWidth() + 6)
        self.vram_label.setText(card_size(machine.total_vram_bytes) if machine.usable_gpus
                                else "none (CPU only)")
        ram = machine.ram
        # Nominal total ("32 GB" of RAM is 32 GiB) beside a decimal free figure would read
        # "32 GB total, 34 GB available": the free share says it without a second unit.
        share = ram.available_bytes / ram.total_bytes if ram.total_bytes else 0
        self.ram_label.setText(f"{card_size(ram.total_bytes)}, {share:.0%} available "
                               f"({human_bytes(ram.available_bytes)})")
        self.swap_label.setText(
            f"{human_bytes(ram.swap_total_bytes)}, {human_bytes(ram.swap_free_bytes)} free"
            if ram.swap_total_bytes else "none")
        threads = f", {machine.cpu.threads} threads" if machine.cpu.threads else ""
        self.cpu_label.setText(f"{machine.cpu.model} — {machine.cpu.cores} cores{threads}")
        while self.probe_form.rowCount():
            self.probe_form.removeRow(0)
        for name, said in machine.probes.items():
            label = plain_label(said, self)  # what a probe (a tool's output) said
            label.setWordWrap(True)
            label.setAccessibleName(f"{PROBE_LABELS.get(name, name)} probe result")
            self.probe_form.addRow(PROBE_LABELS.get(name, name), label)
        if not self._is_ready:
            self._is_ready = True
            self.ready.emit()
