"""Runs every benchmark module: ``python -m bench [name ...]``.

A benchmark is a module ``bench/bench_<name>.py`` (or ``fit_accuracy.py``) with ``main() -> None``
that prints medians (and ratios) over several runs and may write a report under ``bench/out/``.
Set QUANTDESK_BENCH_QUICK=1 for shorter windows.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def _modules() -> list[str]:
    here = Path(__file__).parent
    names = [m.name for m in pkgutil.iter_modules([str(here)])]
    return sorted(n for n in names if n.startswith("bench_") or n == "fit_accuracy")


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failed = 0
    for name in _modules():
        if wanted and name not in wanted and name.removeprefix("bench_") not in wanted:
            continue
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            print(f"FAILED: {exc!r}", flush=True)
        print(f"({time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
