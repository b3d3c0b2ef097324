"""Helpers shared by the shell's GUI tests (imported by name; pytest puts this folder on
sys.path)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

GIB = 1 << 30


def fake_machine(vram_gib: int = 24) -> Machine:
    return Machine(
        gpus=(Gpu(vendor="nvidia", index=0, name="Test GPU", total_bytes=vram_gib * GIB,
                  free_bytes=vram_gib * GIB),),
        ram=Ram(total_bytes=32 * GIB, available_bytes=32 * GIB),
        cpu=Cpu(model="Test CPU", cores=8, threads=16),
        probes={"nvml": "ok", "psutil": "ok"},
    )


def wait_connected(qtbot: Any, window: Any, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: window.services.connection.is_connected, timeout=timeout)


def on_next_box(handle: Any, *, tries: int = 200) -> None:
    """Call ``handle(box)`` once the next modal message box is open (its ``exec`` runs an event
    loop of its own, so this polls from a timer)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def poke(left: int) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if left > 0:
                QTimer.singleShot(20, lambda: poke(left - 1))
            return
        handle(box)

    QTimer.singleShot(0, lambda: poke(tries))


def answer_next_dialog(button_text: str, seen: list[str] | None = None, *,
                       tries: int = 200) -> list[str]:
    """Click ``button_text`` in the next modal message box once it is open; ``seen`` gets the
    box's text and button labels."""
    seen = [] if seen is None else seen

    def answer(box: Any) -> None:
        labels = [b.text() for b in box.buttons()]
        seen.append(box.text())
        seen.append(" | ".join(labels))
        target = next((b for b in box.buttons() if b.text() == button_text), None)
        if target is None:
            box.reject()
            return
        target.click()

    on_next_box(answer, tries=tries)
    return seen


def go_human_bytes(b: int) -> str:
    """Ollama's format.HumanBytes (format/bytes.go), written out here as the oracle: decimal
    units, a whole number (truncated) from 10 up, one decimal below unless it is whole."""
    value, unit = float(b), "B"
    for size, name in ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "KB")):
        if b >= size:
            value, unit = b / size, name
            break
    if value >= 10 or value == int(value):
        return f"{int(value)} {unit}"
    return f"{value:.1f} {unit}"


@contextlib.contextmanager
def official_client(host: str) -> Iterator[Any]:
    """The official ``ollama`` Python client, its connection closed afterwards."""
    import ollama

    client = ollama.Client(host=host)
    try:
        yield client
    finally:
        client._client.close()


def official_ps(host: str) -> list[Any]:
    """``/api/ps`` as the official ``ollama`` Python client reads it."""
    with official_client(host) as client:
        return list(client.ps().models)
