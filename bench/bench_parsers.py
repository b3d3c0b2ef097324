"""The tags-page tree and the Hugging Face listing on hostile input: before and after.

Before: the code as it was up to commit ``b6900e2`` (read from git, run side by side with the
current one), where an end tag scanned every open element and a listing built a set of all
tags per file. After: the current modules. Inputs grow 2x per step, so a linear parser's time
doubles per step and a quadratic one's quadruples. Medians of 3 runs (1 run for a "before"
step past 2 s). Without git (or that commit) only the "after" rows are printed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

from quantdesk.core.registry import html_tree
from quantdesk.core.registry.endpoints import Endpoints
from quantdesk.core.registry.huggingface import GgufFile, variants_from_files

BEFORE = "b6900e2"
REPO = Path(__file__).resolve().parents[1]
RUNS = 3


def _old_module(path: str) -> types.ModuleType | None:
    try:
        source = subprocess.run(["git", "-C", str(REPO), "show", f"{BEFORE}:{path}"],
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType(f"bench_before_{Path(path).stem}")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, path, "exec"), module.__dict__)  # our own old code, for comparison
    return module


def _median(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if times[-1] > 2.0:
            break
    return statistics.median(times)


def _page(n: int) -> str:
    # n unclosed elements, then n end tags of an element that is not open.
    return "<div>" * n + "</p>" * n


def _files(n: int) -> list[GgufFile]:
    return [GgufFile(f"dir/model-{i}.Q4_K_M.gguf", 1000 + i, "ab" * 32) for i in range(n)]


def _feed(module: types.ModuleType, text: str) -> None:
    builder = module._Builder()
    builder.feed(text)
    builder.close()


def _row(n: int, before: Callable[[], object] | None, after: Callable[[], object]) -> None:
    shown = f"{_median(before):10.3f}" if before is not None else f"{'-':>10}"
    print(f"{n:>8} {shown} {_median(after):10.3f}")


def main() -> None:
    old_tree = _old_module("desktop/quantdesk/core/registry/html_tree.py")
    old_hf = _old_module("desktop/quantdesk/core/registry/huggingface.py")
    print("tags page: n open <div> then n stray </p> (building the tree)")
    print(f"{'n':>8} {'before s':>10} {'after s':>10}")
    for n in (2_000, 4_000, 8_000, 16_000, 32_000):
        text = _page(n)
        old = (lambda t=text: _feed(old_tree, t)) if old_tree and n <= 8_000 else None
        _row(n, old, lambda t=text: html_tree.parse_html(t))
    print("\nHugging Face listing: n GGUF files with one quant label (variants from files)")
    print(f"{'n':>8} {'before s':>10} {'after s':>10}")
    for n in (1_000, 2_000, 4_000, 8_000, 16_000):
        files = _files(n)
        old = ((lambda f=files: old_hf.variants_from_files("o", "r", f, Endpoints()))
               if old_hf and n <= 8_000 else None)
        _row(n, old, lambda f=files: variants_from_files("o", "r", f, Endpoints()))
