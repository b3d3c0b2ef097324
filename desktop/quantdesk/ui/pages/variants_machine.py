"""The Variants page's machine line: which machine the verdicts are for, and where its figures
came from (this machine probed, a host profile stated by the user and maybe refined from the
daemon's loads, the simulator's own machine), with "Edit host profile…" for a daemon that
runs elsewhere."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from quantdesk.core.hosts import HostProfile, MachineView, presets
from quantdesk.ui.plain_text import plain_label, tip

# A profile can describe the daemon's machine for every source but these.
_NO_PROFILE = ("probed", "simulated", "what-if")


def source_words(view: MachineView, profile: HostProfile | None) -> str:
    """Where the figures came from, in words."""
    source = view.source
    if source == "probed":
        return "this machine, probed"
    if source == "simulated":
        return "the simulator's own machine"
    if source == "what-if":
        return "the what-if hardware in the settings"
    if source == "assumed":
        return ("this computer's hardware, assumed: the daemon runs elsewhere and has no host "
                "profile yet")
    name = view.description
    if profile is not None and profile.preset:
        known = presets().get(profile.preset)
        name = known.words() if known else profile.preset
    words = f'host profile "{name}" stated by you'
    if profile is not None and profile.refined is not None:
        loads = profile.refined.loads
        words += f", refined from {loads} load{'s' if loads != 1 else ''}"
    return words


def machine_line(view: MachineView, profile: HostProfile | None) -> str:
    """"Verdicts for the daemon at 10.0.0.5:11434: RTX 3060 12 GB, 32 GB RAM — from host
    profile "…" stated by you, refined from 3 loads." """
    return (f"Verdicts for the daemon at {view.host}: {view.description} — from "
            f"{source_words(view, profile)}.")


class MachineLine(QWidget):
    """Signals:
    edit_requested(): the user asked to describe the daemon's machine
    """

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = plain_label("", self)
        self.label.setAccessibleName("Machine the verdicts are for")
        self.label.setWordWrap(True)
        self.label.setObjectName("machineLine")
        self.edit_button = QPushButton("Edit host profile…", self)
        self.edit_button.setAccessibleName("Describe the daemon's machine")
        self.edit_button.clicked.connect(self.edit_requested.emit)
        self.edit_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.edit_button)
        self.view: MachineView | None = None

    def show_view(self, view: MachineView | None, profile: HostProfile | None) -> None:
        self.view = view
        if view is None:
            self.label.clear()
            self.edit_button.hide()
            return
        self.label.setText(machine_line(view, profile))
        self.label.setToolTip(tip("\n".join(view.notes)))
        self.edit_button.setVisible(view.source not in _NO_PROFILE)
