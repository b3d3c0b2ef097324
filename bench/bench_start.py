"""Start-up under a real X server: process start to the Library filled from a simulator, and
resident memory then, with Xvfb + openbox (``bench/xserver.py``) and with the offscreen
platform, median of 5 each (3 with QUANTDESK_BENCH_QUICK), runs alternating between the two.

The app measures nothing itself here: this process times ``quantdesk gui --exit-when-ready``
from ``Popen`` to its ``ready … cpu= rss=`` line (so interpreter start and imports count) and
reads the app's CPU seconds and resident memory from that line. On a shared, busy machine the
wall clock mostly measures the other processes; the CPU seconds show the app's own work.
Xvfb and openbox are installed first when missing and we are root (it says so); without them
the X half is skipped with the reason.

Each run of the app is followed by a run of a bare PySide6 window (``bench/start_floor.py``)
on the same display, so the floor Qt itself sets is measured in the same minute.

Targets (issue 11): 0.5 s and 110 MB under Xvfb.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time

import quantdesk
from bench.xserver import XDisplay, ensure_tools
from quantdesk.sim import SimDaemon

INSTALLED = ["llama3.1:8b", "llama3.2:3b", "qwen2.5:7b", "mistral:7b", "gemma2:9b"]
QUICK = bool(os.environ.get("QUANTDESK_BENCH_QUICK"))


Sample = tuple[float, float, int]  # wall seconds, CPU seconds, resident bytes


APP = ("-m", "quantdesk", "gui", "--host", "{host}", "--exit-when-ready")
FLOOR = ("-m", "bench.start_floor")  # a bare PySide6 window: what Qt alone costs


def launch(host: str, cfg: str, env: dict[str, str], program: tuple[str, ...] = APP) -> Sample:
    """Seconds from start to the ready line, and the CPU seconds and resident bytes it
    reports."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *(a.format(host=host) for a in program)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "QUANTDESK_CONFIG_DIR": cfg, "QUANTDESK_DATA_DIR": cfg,
             "QUANTDESK_CACHE_DIR": cfg, "QUANTDESK_LINGER_S": "0", **env})
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready "):
            elapsed = time.perf_counter() - t0
            proc.wait(timeout=30)
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            return elapsed, float(fields["cpu"]), int(fields["rss"])
    raise RuntimeError(f"{' '.join(program)} exited ({proc.wait()}) before it was ready")


def report(name: str, samples: list[Sample], floor: list[Sample]) -> None:
    times = [t for t, _, _ in samples]
    cpu = statistics.median(c for _, c, _ in samples)
    rss = statistics.median(r for _, _, r in samples) / 1e6
    print(f"start to filled Library, {name}: median {statistics.median(times):.3f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)}; CPU {cpu:.2f} s); resident memory "
          f"median {rss:.0f} MB (targets 0.5 s, 110 MB); load average {os.getloadavg()[0]:.1f}",
          flush=True)
    if floor:
        print(f"  bare PySide6 window, {name}, same runs interleaved: median "
              f"{statistics.median(t for t, _, _ in floor):.3f} s (CPU "
              f"{statistics.median(c for _, c, _ in floor):.2f} s), "
              f"{statistics.median(r for _, _, r in floor) / 1e6:.0f} MB", flush=True)


def compile_bytecode() -> None:
    """Bytecode for every module, as ``pip install`` writes it for an installed copy: an
    editable checkout under PYTHONDONTWRITEBYTECODE would otherwise compile every module
    from source at each start (about 0.3 s here) and the figure would measure the compiler."""
    compileall.compile_dir(os.path.dirname(quantdesk.__file__), quiet=1)


def main() -> None:
    runs = 3 if QUICK else 5
    compile_bytecode()
    why_not = ensure_tools()
    offscreen: list[Sample] = []
    xvfb: list[Sample] = []
    floor_off: list[Sample] = []
    floor_x: list[Sample] = []
    off_env = {"QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory() as cfg, SimDaemon(installed=INSTALLED,
                                                         loaded=INSTALLED[:1]) as sim:
        launch(sim.host, cfg, off_env)  # warm the disk cache
        launch(sim.host, cfg, off_env, FLOOR)
        if why_not is not None:
            for _ in range(runs):
                offscreen.append(launch(sim.host, cfg, off_env))
                floor_off.append(launch(sim.host, cfg, off_env, FLOOR))
        else:
            with XDisplay() as display:
                for _ in range(runs):
                    xvfb.append(launch(sim.host, cfg, display.env()))
                    floor_x.append(launch(sim.host, cfg, display.env(), FLOOR))
                    offscreen.append(launch(sim.host, cfg, off_env))
                    floor_off.append(launch(sim.host, cfg, off_env, FLOOR))
    if xvfb:
        report("Xvfb + openbox", xvfb, floor_x)
    else:
        print(f"start under Xvfb: skipped ({why_not})")
    report("offscreen", offscreen, floor_off)


if __name__ == "__main__":
    main()
