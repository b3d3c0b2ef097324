"""The machine the fit verdicts are computed for: probed off the GUI thread, or the "what if"
override from the settings applied on top of the probe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.config import parse_hardware_override
from quantdesk.core.machine import Machine
from quantdesk.ui.io_thread import IoThread
from quantdesk.ui.services.bridge import Bridge
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:  # the host profiles (and what they import) are not needed to start
    from quantdesk.core.hosts import MachineView


class HardwareService(QObject):
    """Signals:
    probed(object): the Machine in use (override applied), after each probe
    failed(str): why the machine could not be described
    """

    probed = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        io: IoThread,
        bridge: Bridge,
        *,
        override: str = "",
        probed_machine: Machine | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs = Jobs(io, bridge, on_finished=self._on_finished,
                          on_failed=lambda _job, msg: self.failed.emit(msg))
        self._override = override
        # A machine given up front (demo mode, tests) replaces the probe.
        self._fixed = probed_machine
        self._probed: Machine | None = probed_machine
        self._machine: Machine | None = None
        self._view: MachineView | None = None  # a simulated daemon's own machine, when fixed

    @property
    def machine(self) -> Machine | None:
        """The machine in use, override applied; None until the first probe answered."""
        return self._machine

    @property
    def probed_machine(self) -> Machine | None:
        """What the probes found, before any override."""
        return self._probed

    @property
    def fixed_view(self) -> MachineView | None:
        """The view of a machine given with its source (a simulated daemon's), else None."""
        return self._view

    @property
    def overridden(self) -> bool:
        """True while a "what if" from the settings replaces the machine."""
        return bool(self._override.strip())

    def use_machine(self, machine: Machine, view: MachineView | None = None) -> None:
        """Judge for ``machine`` from now on instead of probing (a simulated daemon's)."""
        self._jobs.cancel_all()  # a probe still running must not replace it when it answers
        self._fixed = machine
        self._view = view
        self._publish(machine)

    def probe(self) -> None:
        if self._fixed is not None:
            self._publish(self._fixed)
            return
        # Imported here: the probes (and the platform module) are not needed before the
        # first screen, and the probe itself waits until then (ui.app).
        from quantdesk.core.hardware import probe_machine_async

        self._jobs.start("probe", probe_machine_async)

    def set_override(self, text: str) -> None:
        """Apply another "what if" (settings changed); re-uses the last probe."""
        self._override = text
        if self._probed is not None:
            self._publish(self._probed)

    def _on_finished(self, _job: str, machine: object) -> None:
        assert isinstance(machine, Machine)
        if self._fixed is not None:
            return  # a machine was given since the probe started: it stays
        self._publish(machine)

    def _publish(self, probed: Machine) -> None:
        from quantdesk.core.hardware import machine_override

        self._probed = probed
        try:
            spec = parse_hardware_override(self._override)
            machine = probed if spec is None else machine_override(
                probed, gpu_mem=list(spec.gpu_mem) or None, ram=spec.ram,
                unified=spec.unified, cpu_only=spec.cpu_only,
            )
        except Exception as exc:  # a bad override must not hide the real machine
            self.failed.emit(f"The hardware override was not applied: {exc}")
            machine = probed
        self._machine = machine
        self.probed.emit(machine)

    def shutdown(self) -> None:
        self._jobs.cancel_all()
