"""The floor of the start-up benchmark: a bare PySide6 window with a five-row table, timed the
way ``bench_start`` times the app (interpreter start and imports count), so the app's figures
can be read against what Qt alone costs on the same machine in the same minute.

Prints ``ready <s> s cpu=<CPU s> rss=<bytes>`` once the table has been painted, then exits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STARTED = time.perf_counter()

from PySide6.QtCore import QTimer  # noqa: E402  (imports are part of what is timed)
from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView  # noqa: E402


def resident_bytes() -> int:
    # As the app reads it (quantdesk.ui.app.resident_bytes), without importing the app.
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    app = QApplication([])
    window = QMainWindow()
    model = QStandardItemModel(0, 3)
    for name in ("llama3.1:8b", "llama3.2:3b", "qwen2.5:7b", "mistral:7b", "gemma2:9b"):
        model.appendRow([QStandardItem(name), QStandardItem("4.9 GB"), QStandardItem("Q4_K_M")])
    table = QTableView()
    table.setModel(model)
    window.setCentralWidget(table)
    window.resize(1024, 640)
    window.show()

    def done() -> None:
        print(f"ready {time.perf_counter() - STARTED:.3f} s cpu={time.process_time():.3f} "
              f"rss={resident_bytes()}", flush=True)
        app.quit()

    QTimer.singleShot(0, done)  # after the first paint the shown window queued
    app.exec()


if __name__ == "__main__":
    main()
