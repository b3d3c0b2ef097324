"""The soak: ``python -m bench.soak --seconds N`` drives the demo app offscreen as a user does
for N seconds (``bench/soak_driver.py``: pulls queued and cancelled, loads, switches,
comparisons started and stopped, page switches, refreshes, the palette), in a child process so
that a segfault or an abort is caught and reported rather than taking this process with it.

Exit status 0 only when the app neither crashed nor hung, logged no WARNING or worse (Python
logging or Qt's own messages, bar the offscreen platform's known notice), hit no exception, and
its resident memory, as the system reports it, grew less than ``--max-growth`` percent
(default 20) from the start to the end. The start figure is taken after a warm-up of first use
(every page opened, then actions until each kind has been done once), both figures with the
actions paused and what was running wound down. Beside them it prints what the app still holds
once the garbage collector and glibc's ``malloc_trim`` have handed freed memory back (a
diagnosis: memory freed but kept by the allocator is only in the first figure), and what was
done. Settings, history and caches live in a temporary folder: the user's are untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections import deque

from bench.soak_driver import demo_daemon

RESULT_PREFIX = "soak-result "


def run_child(seconds: float, seed: int, time_scale: float, extra: list[str]
              ) -> tuple[int, dict[str, object] | None, list[str]]:
    """The child's exit status (negative: killed by that signal), its result, and the last
    lines it wrote (a crash's traceback from faulthandler is among them)."""
    with tempfile.TemporaryDirectory(prefix="quantdesk-soak-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "QUANTDESK_CONFIG_DIR": os.path.join(home, "config"),
               "QUANTDESK_DATA_DIR": os.path.join(home, "data"),
               "QUANTDESK_CACHE_DIR": os.path.join(home, "cache"),
               "PYTHONFAULTHANDLER": "1"}
        sim = demo_daemon(time_scale).start()
        cmd = [sys.executable, "-m", "bench.soak_driver", "--seconds", str(seconds),
               "--seed", str(seed), "--time-scale", str(time_scale), "--host", sim.host,
               "--registry", sim.url, *extra]
        try:
            return _watch(subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, text=True, env=env))
        finally:
            sim.stop()


def _watch(proc: subprocess.Popen[str]) -> tuple[int, dict[str, object] | None, list[str]]:
    tail: deque[str] = deque(maxlen=60)
    result: dict[str, object] | None = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
            continue
        tail.append(line.rstrip("\n"))
        if line.startswith("soak:"):
            print(line, end="", flush=True)
    try:
        code = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
        tail.append("soak: the app did not exit within 120 s of the end")
    return code, result, list(tail)


def verdict(code: int, result: dict[str, object] | None, max_growth: float) -> list[str]:
    """What went wrong; empty when the soak passed."""
    if code < 0:
        return [f"the app crashed: {signal.Signals(-code).name}"]
    if result is None:
        return [f"the app exited with status {code} before reporting"]
    problems = [f"{kind}: {text}" for kind in ("warning", "error")
                for text in result.get(kind + "s", [])]  # type: ignore[union-attr]
    start, end = int(result["raw_start"]), int(result["raw_end"])  # type: ignore[call-overload]
    growth = 100.0 * (end - start) / start
    if growth >= max_growth:
        problems.append(f"resident memory grew {growth:.1f} % (limit {max_growth:g} %)")
    if code != 0 and not problems:
        problems.append(f"the app exited with status {code}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=None,
                        help="the order of actions (default: a new one each run, printed)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="simulator speed-up (1: the live demo's real time)")
    parser.add_argument("--max-growth", type=float, default=20.0,
                        help="percent of resident-memory growth that fails the soak")
    parser.add_argument("--only", default="",
                        help="comma-separated kinds of action (default all), e.g. compare,load")
    parser.add_argument("--trace-memory", action="store_true",
                        help="print the Python allocations that grew most (slower)")
    args = parser.parse_args(argv)
    extra = (["--only", args.only] if args.only else []) + (
        ["--trace-memory"] if args.trace_memory else [])
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(3), "big")
    print(f"soak: {args.seconds:g} s, seed {seed}", flush=True)
    code, result, tail = run_child(args.seconds, seed, args.time_scale, extra)
    problems = verdict(code, result, args.max_growth)
    if result is not None:
        start, end = int(result["rss_start"]), int(result["rss_end"])  # type: ignore[call-overload]
        raw_start, raw_end = int(result["raw_start"]), int(result["raw_end"])  # type: ignore[call-overload]
        print(f"resident memory: at start (every page opened, then "
              f"{float(result.get('warm_s', 0)):.0f} s of actions; paused and wound down) "  # type: ignore[arg-type]
              f"{raw_start / 1e6:.1f} MB, at end (paused and wound down) {raw_end / 1e6:.1f} MB "
              f"({100.0 * (raw_end - raw_start) / raw_start:+.1f} %, limit {args.max_growth:g} %); "
              f"held after gc and malloc_trim: {start / 1e6:.1f} MB and {end / 1e6:.1f} MB "
              f"({100.0 * (end - start) / start:+.1f} %); first ready at "
              f"{int(result['rss_ready']) / 1e6:.1f} MB")  # type: ignore[call-overload]
        print("actions: " + ", ".join(f"{k} {v}" for k, v in
                                      sorted(result["actions"].items())))  # type: ignore[union-attr]
    if problems:
        print("soak FAILED:\n  " + "\n  ".join(problems))
        print("last output of the app:\n  " + "\n  ".join(tail[-40:]))
        return 1
    print("soak passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
