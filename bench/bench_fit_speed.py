"""Median time of one full fit computation (estimate + placement + max_gpu_ctx search)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitOptions, estimate_fit
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram

DATA = Path(__file__).resolve().parent / "data"
GiB = 1 << 30
BUDGET_MS = 1.0


def _machines() -> list[Machine]:
    ram = Ram(64 * GiB, 48 * GiB, 8 * GiB, 8 * GiB)
    cpu = Cpu("bench", 8, 16)
    return [
        Machine((Gpu("nvidia", 0, "RTX 3060", 12 * GiB, int(11.2 * GiB)),), ram, cpu),
        Machine((Gpu("nvidia", 0, "laptop", 4 * GiB, int(3.3 * GiB)),), ram, cpu),
        Machine(
            (Gpu("nvidia", 0, "A", 24 * GiB, 23 * GiB), Gpu("nvidia", 1, "B", 24 * GiB, 23 * GiB)),
            ram,
            cpu,
        ),
        Machine((Gpu("apple", 0, "M2", 21 * GiB, 21 * GiB, unified=True),), ram, cpu),
    ]


def measure(repeats: int = 200) -> dict[str, float]:
    models = json.loads((DATA / "model-architectures.json").read_text())["models"]
    cases = []
    for name in ("llama3.1:8b", "gemma3:27b", "qwen3.6:27b"):
        m = models[name]
        arch = Architecture.from_model_info(m["model_info"])
        cases.append((arch, m["quant"], m["file_size_bytes"]))
    timings = []
    for version in ("0.12.10", "0.20.0", None):
        opts = FitOptions(num_ctx=8192, ollama_version=version)
        for arch, quant, size in cases:
            for machine in _machines():
                estimate_fit(arch, machine, opts, quant=quant, weight_bytes=size)  # warm caches
                for _ in range(max(1, repeats // 20)):
                    t = time.perf_counter()
                    estimate_fit(arch, machine, opts, quant=quant, weight_bytes=size)
                    timings.append((time.perf_counter() - t) * 1000)
    p90 = sorted(timings)[int(len(timings) * 0.9)]
    return {"median_ms": statistics.median(timings), "p90_ms": p90, "runs": float(len(timings))}


def main() -> int:
    result = measure()
    print(
        f"fit: median {result['median_ms']:.3f} ms, p90 {result['p90_ms']:.3f} ms "
        f"over {int(result['runs'])} runs (budget {BUDGET_MS} ms)"
    )
    return 0 if result["median_ms"] < BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
