"""Refusing to start on a Qt binding known to corrupt reference counts.

PySide6-Essentials 6.12.0 drops one reference to ``True`` on every ``SignalInstance.emit()``,
on any thread and with any payload, so every signal the app emits brings the interpreter
closer to "Fatal Python error: bool_dealloc". The bridge keeps the I/O thread off signals
entirely, but pages and widgets emit on the GUI thread all the time; on such a binding the
app would abort within minutes. This check emits a few signals and counts.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

PROBE_EMITS = 64


class _Probe(QObject):
    poke = Signal()


def emit_loses_references(emits: int = PROBE_EMITS,
                          emit: Callable[[], object] | None = None) -> bool:
    """True when emitting a signal drops references it never took (a broken binding).
    ``emit`` stands in for a real signal emit (the test of this check)."""
    probe = _Probe()
    probe.poke.connect(lambda: None)
    fire = emit or probe.poke.emit
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(emits):
        fire()
    after = sys.getrefcount(True), sys.getrefcount(None)
    lost = [b - a for a, b in zip(after, before, strict=True)]
    # Give back what the probe itself cost, so the process can still exit cleanly after
    # saying why it will not start (else the interpreter aborts while shutting down).
    for singleton, count in zip((True, None), lost, strict=True):
        for _ in range(max(0, count)):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(singleton))
    return any(count >= emits // 2 for count in lost)


def binding_problem() -> str:
    """One sentence saying why this PySide6 cannot run the app ("" when it can)."""
    import PySide6

    if not emit_loses_references():
        return ""
    return (f"PySide6 {PySide6.__version__} loses a reference on every signal emit and would "
            "crash QuantDesk; install the tested version with "
            "`pip install -c requirements/lock.txt 'quantdesk[gui]'`.")
