"""Describe the machine a daemon runs on: a preset (common cards and Macs) or the what-if
fields (GPU memory, RAM, unified memory), saved as its host profile through ``core.hosts``.

QuantDesk cannot probe a daemon on another machine; until it is described, verdicts use this
computer's hardware and say so. Once the daemon has loaded models, its ``/api/ps`` refines the
profile by itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.hosts import (
    HostProfile,
    StatedGpu,
    host_key,
    presets,
    profile_from_preset,
    remove_profile,
    save_profile,
)
from quantdesk.core.units import GiB
from quantdesk.ui import theme
from quantdesk.ui.plain_text import plain_label

CUSTOM = "Custom: the fields below"


def _spin(maximum: float, value: float, parent: QWidget) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setRange(0, maximum)
    box.setDecimals(1)
    box.setSuffix(" GB")
    box.setValue(value)
    return box


class HostProfileDialog(QDialog):
    """``saved`` (the profile written) or ``forgotten`` is set once the dialog is accepted."""

    def __init__(self, host: str, profile: HostProfile | None, *, path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Host profile")
        self.setAccessibleName("Host profile")
        self.host = host_key(host)
        self._path = path
        self.saved: HostProfile | None = None
        self.forgotten = False
        intro = plain_label(
            f"The daemon at {self.host} runs on a machine QuantDesk cannot probe. Describe "
            "it so that every verdict is for that machine; its own reports after loads "
            "refine what you state.", self)
        intro.setWordWrap(True)
        self.preset = QComboBox(self)
        self.preset.setAccessibleName("Hardware preset")
        self.preset.addItem(CUSTOM, "")
        for key, preset in presets().items():
            self.preset.addItem(preset.words(), key)
        self.gpu_name = QLineEdit(self)
        self.gpu_name.setAccessibleName("GPU name")
        self.gpu_name.setPlaceholderText("NVIDIA GeForce RTX 3060 (empty: no GPU)")
        self.vram = _spin(512, 0, self)
        self.vram.setAccessibleName("GPU memory")
        self.ram = _spin(4096, 32, self)
        self.ram.setAccessibleName("RAM")
        self.unified = QCheckBox("Unified memory (Apple silicon)", self)
        self.error = plain_label("", self)
        self.error.setStyleSheet(f"color: {theme.color('error').name()};")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Preset:", self.preset)
        form.addRow("GPU:", self.gpu_name)
        form.addRow("GPU memory:", self.vram)
        form.addRow("RAM:", self.ram)
        form.addRow("", self.unified)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        self.forget = QPushButton("Forget this profile", self)
        self.forget.setEnabled(profile is not None)
        buttons.addButton(self.forget, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.forget.clicked.connect(self._forget)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.preset.currentIndexChanged.connect(lambda _i: self._apply_preset())
        if profile is not None:
            self._show(profile)

    def _show(self, profile: HostProfile) -> None:
        if profile.preset:
            self.preset.setCurrentIndex(max(0, self.preset.findData(profile.preset)))
        gpu = profile.gpus[0] if profile.gpus else None
        self.gpu_name.setText(gpu.name if gpu else "")
        self.vram.setValue((gpu.vram_bytes if gpu else 0) / GiB)
        self.ram.setValue(profile.ram_bytes / GiB)
        self.unified.setChecked(profile.unified)

    def _apply_preset(self) -> None:
        key = self.preset.currentData()
        preset = presets().get(key) if key else None
        if preset is None:
            return
        self.gpu_name.setText(preset.name)
        self.unified.setChecked(preset.unified)
        if preset.unified:
            self.vram.setValue(0)  # Metal's share follows from the unified memory
            self.ram.setValue(preset.memory_bytes / GiB)
        else:
            self.vram.setValue(preset.memory_bytes / GiB)

    def profile(self) -> HostProfile:
        """The profile the fields describe (a preset's, with the RAM as stated)."""
        ram = int(self.ram.value() * GiB)
        key = self.preset.currentData()
        preset = presets().get(key) if key else None
        if preset is not None and preset.name == self.gpu_name.text().strip() and (
                preset.unified or int(self.vram.value() * GiB) == preset.memory_bytes):
            return profile_from_preset(self.host, preset.key,
                                       ram_bytes=None if preset.unified else ram)
        name = self.gpu_name.text().strip()
        vram = int(self.vram.value() * GiB)
        unified = self.unified.isChecked()
        if unified:
            gpus: tuple[StatedGpu, ...] = (StatedGpu(name or "Apple GPU", vram, "apple"),)
        elif name or vram:
            gpus = (StatedGpu(name or "GPU", vram),)
        else:
            gpus = ()
        return HostProfile(self.host, gpus, ram, "stated", unified=unified)

    def save(self) -> None:
        if self.ram.value() <= 0:
            self._fail("State the machine's RAM (more than 0 GB).")
            return
        if not self.unified.isChecked() and self.gpu_name.text().strip() and \
                self.vram.value() <= 0:
            self._fail("State the GPU's memory, or leave the GPU empty for a machine "
                       "without one.")
            return
        profile = self.profile()
        try:
            save_profile(profile, self._path)
        except OSError as exc:
            self._fail(f"The profile could not be saved: {exc}")
            return
        self.saved = profile
        self.accept()

    def _forget(self) -> None:
        try:
            remove_profile(self.host, self._path)
        except OSError as exc:
            self._fail(f"The profile could not be removed: {exc}")
            return
        self.forgotten = True
        self.accept()

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
