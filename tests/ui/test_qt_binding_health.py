"""The installed PySide6 keeps reference counts straight, and the start-up check that refuses
a binding which does not can tell the difference."""

from __future__ import annotations

import ctypes
import sys

import PySide6
from PySide6.QtCore import QObject, Signal

from quantdesk.ui.qt_health import PROBE_EMITS, binding_problem, emit_loses_references


class _Source(QObject):
    sig = Signal(str, object)


def test_the_installed_binding_emits_without_losing_references(qapp):
    source = _Source()
    source.sig.connect(lambda _k, _v: None)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(5000):
        source.sig.emit("k", (None, True, False)[i % 3])
    after = sys.getrefcount(True), sys.getrefcount(None)
    # 6.12.0 loses one reference to True per emit: -5000 here.
    assert all(abs(a - b) < 100 for a, b in zip(after, before, strict=True)), (
        PySide6.__version__, before, after)
    assert not emit_loses_references()
    assert binding_problem() == ""


def test_the_check_catches_a_binding_that_drops_a_reference_per_emit(qapp):
    true = ctypes.py_object(True)
    before = sys.getrefcount(True)
    # What 6.12.0's emit does to True, done on purpose; the check gives the references back.
    assert emit_loses_references(emit=lambda: ctypes.pythonapi.Py_DecRef(true))
    assert abs(sys.getrefcount(True) - before) < PROBE_EMITS // 4
