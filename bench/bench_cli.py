"""Cold start of ``quantdesk ls --json`` against the simulator, next to the interpreter's floor.

Every run is a fresh ``python -m quantdesk`` process, so the figure is what a script calling
the CLI pays per call: interpreter start, imports, argument parsing, one ``/api/tags`` round
trip and the JSON print. ``python -c pass`` and ``python -c "import httpx"`` run interleaved
with it so the reader sees how much of that is ours. One ``-X importtime`` run then names the
imports that cost the most, and one run under an import audit hook flags heavy packages (Qt,
numpy, sqlite3, ...) that ``ls`` should never need, with the chain of modules that pulled them in.

``QUANTDESK_BENCH_QUICK`` set: 3 runs of each instead of 7.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from quantdesk.sim import SimDaemon

INSTALLED = ["llama3.1:8b", "llama3.2:1b", "qwen2.5:7b", "mistral:7b"]
# Packages a plain `ls` has no business loading: a GUI toolkit, array maths, hardware probes,
# the database. Seeing one in the import list is a finding, not a failure.
HEAVY = ("PySide6", "shiboken6", "numpy", "gguf", "sqlite3", "pynvml", "psutil", "rich", "click")
TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Import:
    """One line of ``-X importtime``."""

    name: str
    self_us: int
    cumulative_us: int


def runs() -> int:
    return 3 if os.environ.get("QUANTDESK_BENCH_QUICK") else 7


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OLLAMA_HOST", None)  # --host is given; a stray OLLAMA_HOST must not matter
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


Completed = subprocess.CompletedProcess[str]


def _timed(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, Completed]:
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                          check=False)
    return time.perf_counter() - t, done


def _check_ls(done: Completed) -> None:
    """The timed command must really have listed the simulator's models."""
    if done.returncode != 0:
        raise RuntimeError(f"quantdesk ls exited {done.returncode}: {done.stderr.strip()}")
    names = [m["name"] for m in json.loads(done.stdout)]
    if names != INSTALLED:
        raise RuntimeError(f"quantdesk ls listed {names}, expected {INSTALLED}")


def parse_importtime(stderr: str) -> list[Import]:
    out = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|", 2)
        out.append(Import(name.strip(), int(self_us), int(cum_us)))
    return out


# Runs `quantdesk ls` in-process with an audit hook that, at the first import of a heavy package,
# records the modules on the call stack: the real chain, including imports made through
# importlib (the dispatcher loads commands that way, and -X importtime does not see those).
_CHAIN_PROBE = """
import json, runpy, sys
heavy, found = set(sys.argv[1].split(",")), {}
def hook(event, args):
    if event != "import" or args[0] not in heavy or args[0] in found or args[0] in sys.modules:
        return
    chain, frame = [args[0]], sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name and not name.startswith(("importlib", "_frozen_importlib", "runpy")) \\
                and name not in chain:
            chain.append(name)
        frame = frame.f_back
    found[args[0]] = [("quantdesk.__main__" if n == "__main__" else n) for n in chain[::-1]]
sys.addaudithook(hook)
sys.argv = ["quantdesk", *sys.argv[2:]]
try:
    runpy.run_module("quantdesk", run_name="__main__", alter_sys=True)
finally:
    sys.stderr.write("\\nCHAINS " + json.dumps(found) + "\\n")
"""


def heavy_imports(ls_args: Sequence[str], env: dict[str, str]) -> dict[str, list[str]]:
    """Each heavy package ``quantdesk ls`` imports, with the modules that led to it."""
    _, done = _timed([sys.executable, "-c", _CHAIN_PROBE, ",".join(HEAVY), *ls_args], env)
    _check_ls(done)
    marker = done.stderr.rsplit("\nCHAINS ", 1)
    if len(marker) != 2:
        raise RuntimeError(f"the import probe failed: {done.stderr.strip()[-500:]}")
    chains: dict[str, list[str]] = json.loads(marker[1])
    return chains


@dataclass(frozen=True, slots=True)
class ColdStart:
    runs: int
    ls_median_s: float
    ls_min_s: float
    python_median_s: float
    httpx_median_s: float
    imports_total_s: float
    top_cumulative: list[Import]
    heavy: dict[str, list[str]]


def measure(n: int | None = None) -> ColdStart:
    n = n or runs()
    env = _env()
    py = sys.executable
    with SimDaemon(installed=INSTALLED) as sim:
        ls = [py, "-m", "quantdesk", "ls", "--json", "--host", sim.url]
        commands = {"ls": ls, "pass": [py, "-c", "pass"], "httpx": [py, "-c", "import httpx"]}
        for cmd in commands.values():  # untimed: writes .pyc files and warms the page cache
            _timed(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(n):
            for key, cmd in commands.items():  # interleaved, so load drift hits all alike
                elapsed, done = _timed(cmd, env)
                if key == "ls":
                    _check_ls(done)
                elif done.returncode != 0:
                    raise RuntimeError(f"{cmd} exited {done.returncode}: {done.stderr.strip()}")
                times[key].append(elapsed)
        _, traced = _timed([py, "-X", "importtime", *ls[1:]], env)
        _check_ls(traced)
        heavy = heavy_imports(ls[3:], env)
    imports = parse_importtime(traced.stderr)
    return ColdStart(
        runs=n,
        ls_median_s=statistics.median(times["ls"]),
        ls_min_s=min(times["ls"]),
        python_median_s=statistics.median(times["pass"]),
        httpx_median_s=statistics.median(times["httpx"]),
        imports_total_s=sum(i.self_us for i in imports) / 1e6,
        top_cumulative=sorted(imports, key=lambda i: i.cumulative_us, reverse=True)[:5],
        heavy=heavy,
    )


def main() -> int:
    r = measure()
    print(f"quantdesk ls --json cold start over {r.runs} runs: "
          f"median {r.ls_median_s * 1000:.0f} ms, min {r.ls_min_s * 1000:.0f} ms")
    print(f"  floor: python -c pass {r.python_median_s * 1000:.0f} ms, "
          f"python -c 'import httpx' {r.httpx_median_s * 1000:.0f} ms; ls costs "
          f"{(r.ls_median_s - r.httpx_median_s) * 1000:+.0f} ms over importing httpx")
    # -X importtime only sees `import` statements: the command modules the dispatcher loads
    # through importlib are missing as such, and what they import shows up as top level.
    print(f"  imports (-X importtime, one run): {r.imports_total_s * 1000:.0f} ms seen; "
          "top 5 by cumulative time:")
    for imp in r.top_cumulative:
        print(f"    {imp.cumulative_us / 1000:7.1f} ms  {imp.name}")
    if r.heavy:
        print("  heavy packages imported by ls (who imported whom):")
        for top, chain in r.heavy.items():
            print(f"    {top}: {' -> '.join(chain)}")
    else:
        print("  no heavy package (" + ", ".join(HEAVY) + ") imported by ls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
