"""Desktop app: start-up time, memory, idle CPU and Library filter latency.

- start-up: process start to the main window shown with the Library filled from a simulator
  (``quantdesk gui --exit-when-ready``), median of 5 subprocess runs, timed by this process;
- resident memory of the app when ready (psutil, reported by the app itself);
- idle CPU: the app left open, ready, for 30 s (5 s with QUANTDESK_BENCH_QUICK), as % of one
  core (includes the /api/ps polling);
- filter keystroke latency on 1,000 models (the Library page's model + proxy), median and worst.

Targets on the reference machine: < 1 s, < 150 MB, < 1 % of a core, < 16 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import psutil

from quantdesk.sim import SimDaemon

INSTALLED = ["llama3.1:8b", "llama3.2:3b", "qwen2.5:7b", "mistral:7b", "gemma2:9b"]
QUICK = bool(os.environ.get("QUANTDESK_BENCH_QUICK"))


def _env(cfg: str, linger_s: float = 0.0) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "QUANTDESK_CONFIG_DIR": cfg, "QUANTDESK_LINGER_S": str(linger_s)}


def _launch(host: str, cfg: str, linger_s: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "quantdesk", "gui", "--host", host, "--exit-when-ready"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env(cfg, linger_s),
    )


def _ready_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready "):
            return line
    raise RuntimeError(f"the app exited ({proc.wait()}) before it was ready")


def startup(host: str, cfg: str, runs: int = 5) -> tuple[list[float], list[int]]:
    times, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = _launch(host, cfg)
        line = _ready_line(proc)
        times.append(time.perf_counter() - t0)
        rss.append(int(line.rsplit("rss=", 1)[1]))
        proc.wait(timeout=30)
    return times, rss


def idle_cpu(host: str, cfg: str, window_s: float) -> float:
    proc = _launch(host, cfg, linger_s=window_s + 5)
    _ready_line(proc)
    ps = psutil.Process(proc.pid)
    time.sleep(1.0)  # let the first polls and paints settle
    before = ps.cpu_times()
    t0 = time.perf_counter()
    time.sleep(window_s)
    after = ps.cpu_times()
    elapsed = time.perf_counter() - t0
    proc.terminate()
    proc.wait(timeout=30)
    used = (after.user - before.user) + (after.system - before.system)
    return 100.0 * used / elapsed


def filter_latency(n: int = 1000) -> tuple[float, float] | None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from quantdesk.ui.pages.library_model import LibraryFilterProxy, LibraryTableModel
    except ImportError:
        return None
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QApplication, QTableView

    from quantdesk.core.ollama import LocalModel, ModelDetails

    app = QApplication.instance() or QApplication([])
    families = ["llama3.1", "qwen2.5", "mistral", "gemma2", "phi3", "deepseek-r1"]
    quants = ["q4_0", "q4_K_M", "q5_K_M", "q8_0", "fp16"]
    models = [
        LocalModel(name=f"{families[i % 6]}-{i}:8b-instruct-{quants[i % 5]}",
                   model=f"m{i}", size=4_000_000_000 + i, digest=f"{i:064x}",
                   modified_at=datetime.now(UTC),
                   details=ModelDetails(family=families[i % 6], parameter_size="8.0B",
                                        quantization_level=quants[i % 5].upper()))
        for i in range(n)
    ]
    source = LibraryTableModel()
    source.set_models(models)
    proxy = LibraryFilterProxy()
    proxy.setSourceModel(source)
    view = QTableView()
    view.setModel(proxy)
    view.resize(1200, 700)
    view.show()
    app.processEvents()
    samples = []
    for text in ("q", "qw", "qwe", "qwen", "qwen2", "qwen2.", "qwen2.5", "l", "ll", "lla",
                 "llam", "llama", "k_m", ""):
        t0 = time.perf_counter()
        proxy.set_needle(text)
        view.viewport().repaint()  # the keystroke is done when the rows are painted
        samples.append(time.perf_counter() - t0)
    view.close()
    return statistics.median(samples), max(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as cfg, SimDaemon(installed=INSTALLED,
                                                         loaded=INSTALLED[:1]) as sim:
        times, rss = startup(sim.host, cfg, runs=3 if QUICK else 5)
        print(f"start-up to filled Library: median {statistics.median(times):.3f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)}; target < 1 s)")
        print(f"resident memory when ready: median {statistics.median(rss) / 1e6:.0f} MB "
              "(target < 150 MB)")
        window = 5.0 if QUICK else 30.0
        cpu = idle_cpu(sim.host, cfg, window)
        print(f"idle CPU over {window:.0f} s: {cpu:.2f} % of one core (target < 1 %)")
    latency = filter_latency()
    if latency is None:
        print("filter latency: skipped (no Library page in this build)")
    else:
        med, worst = latency
        print(f"filter keystroke on 1,000 models: median {med * 1000:.1f} ms, "
              f"worst {worst * 1000:.1f} ms (target < 16 ms)")


if __name__ == "__main__":
    main()
