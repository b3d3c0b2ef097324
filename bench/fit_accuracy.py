"""How well the fit estimate predicts real loads, next to the naive "file size <= free VRAM".

For every case in ``data/fit-cases.json`` (real loads from issue threads and blog posts) with a
known model shape, predicts Ollama's size, GPU layers and verdict and compares them with what
was observed. Where a case leaves a field out, its "inferred" value is used and the table says
so; where not even that exists the assumption is spelt out. Writes a markdown table to stdout
and ``bench/out/fit_accuracy.md``.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import FitOptions, FitResult, estimate_fit
from quantdesk.core.machine import Cpu, Gpu, Machine, Ram
from quantdesk.core.quant import parse_quant

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "out" / "fit_accuracy.md"
GiB = 1 << 30

# Tags as the cases name them -> the entry of model-architectures.json with that shape.
ALIASES = {
    "llama3.1:8b-instruct-q8_0": "llama3.1:8b",
    "mistral": "mistral:latest",
}
# Facts the cases carry only in their free-text notes (copied from those notes).
RAM_FROM_NOTES: dict[str, tuple[float, float, float]] = {  # total, available, free swap GiB
    "case-01": (14.8, 9.7, 15.1),
    "case-21": (64.0, 44.3, 0.0),
}
ASSUMED_FREE_OF_NOMINAL = 0.5  # GiB a desktop and driver keep on a card whose free is not shown


@dataclass
class Row:
    case_id: str
    model: str
    quant: str
    version: str
    ctx: str
    free: str
    observed_size: int | None
    observed_layers: str
    observed_verdict: str | None
    ours: FitResult
    naive_size: int
    naive_verdict: str
    verdict_comparable: bool
    notes: list[str] = field(default_factory=list)

    @property
    def ours_error(self) -> float | None:
        return _err(self.ours.ps_size, self.observed_size)

    @property
    def naive_error(self) -> float | None:
        return _err(self.naive_size, self.observed_size)


def _err(pred: int, obs: int | None) -> float | None:
    return None if not obs else abs(pred - obs) / obs


def _first_int(text: Any) -> int | None:
    m = re.search(r"\d+", str(text)) if text is not None else None
    return int(m.group()) if m else None


def _version(text: str | None) -> str | None:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+|x))?", text or "")
    if not m:
        return None
    patch = m.group(3) if m.group(3) and m.group(3) != "x" else "0"
    return f"{m.group(1)}.{m.group(2)}.{patch}"


def _bytes(text: str | None) -> int | None:
    """ "6.5 GB" (decimal, as ps prints) or "4.8 GiB" (binary, as logs print) to bytes."""
    m = re.match(r"\s*([\d.]+)\s*(GiB|GB|MiB|MB)", text or "")
    if not m:
        return None
    scale = {"GiB": GiB, "GB": 10**9, "MiB": 1 << 20, "MB": 10**6}[m.group(2)]
    return int(float(m.group(1)) * scale)


def _observed_verdict(obs: dict[str, Any]) -> str | None:
    proc = (obs.get("processor") or "").upper()
    done, total = obs.get("layers_offloaded"), obs.get("layers_total")
    if "100% GPU" in proc:
        return "gpu"
    if "100% CPU" in proc or "CPU (" in proc or done == 0:
        return "cpu"
    if "/" in proc or re.match(r"\d+%", proc):
        return "partial"
    if done is not None and total:
        return "gpu" if done >= total else "partial"
    if done:
        return "gpu" if obs.get("processor") is None and done else None
    return None


def _pick(case: dict[str, Any], key: str, notes: list[str]) -> Any:
    value = case.get(key)
    inferred = (case.get("inferred") or {}).get(key)
    if value is None and inferred is not None:
        notes.append(f"{key} inferred: {str(inferred).split(' (')[0]}")
        return inferred
    return value


def _machine(
    case: dict[str, Any], obs_verdict: str | None, notes: list[str]
) -> tuple[Machine, bool]:
    """The case's machine; False when its free VRAM is unknown (verdicts not comparable)."""
    cid = case["case_id"]
    total_ram, avail, swap = RAM_FROM_NOTES.get(cid, (case.get("system_ram_GiB") or 64.0, 0, 0))
    if cid not in RAM_FROM_NOTES:
        avail = total_ram * 0.75
        notes.append("free RAM assumed 75% of total")
    ram = Ram(int(total_ram * GiB), int(avail * GiB), int(swap * GiB), int(swap * GiB))
    cpu = Cpu("unknown", 8)
    text = json.dumps(case).lower()
    vendor = "amd" if "rocm" in text else "nvidia"
    if case.get("gpus") is None:
        notes.append("GPU not shown; assumed large enough (observed on GPU)")
        return Machine((Gpu(vendor, 0, "GPU", 80 * GiB, 80 * GiB),), ram, cpu), False
    gpus = []
    comparable = True
    for i, g in enumerate(case["gpus"]):
        free = g.get("free_vram_GiB")
        total = g.get("total_vram_GiB") or g.get("nominal_vram_GB") or free
        if free is None:
            free = total - ASSUMED_FREE_OF_NOMINAL
            notes.append(f"free VRAM assumed {free:g} GiB of a {total:g} GB card")
        gpus.append(Gpu(vendor, i, g.get("name") or "GPU", int(total * GiB), int(free * GiB)))
    return Machine(tuple(gpus), ram, cpu), comparable and obs_verdict is not None


def _naive(weight_bytes: int, machine: Machine) -> tuple[int, str]:
    free = sum(g.free_bytes for g in machine.usable_gpus)
    if weight_bytes <= free:
        return weight_bytes, "gpu"
    return weight_bytes, "partial" if free > 0 else "cpu"


def evaluate() -> list[Row]:
    cases = json.loads((DATA / "fit-cases.json").read_text())["cases"]
    shapes = json.loads((DATA / "model-architectures.json").read_text())["models"]
    rows = []
    for case in cases:
        notes: list[str] = []
        tag = _pick(case, "model_tag", notes)
        key = ALIASES.get(str(tag).split(" ")[0], str(tag).split(" ")[0]) if tag else None
        if key not in shapes:
            continue
        shape = shapes[key]
        quant_text = str(_pick(case, "quant", notes) or shape["quant"])
        tokens = re.findall(r"[A-Za-z0-9_]+", quant_text)
        level = next(filter(None, map(parse_quant, tokens)), None) or parse_quant(shape["quant"])
        assert level is not None
        arch = Architecture.from_model_info(shape["model_info"])
        same_build = level.name == shape["quant"].upper()
        weight_bytes = shape["file_size_bytes"] if same_build else None
        obs = case["observed"]
        obs_verdict = _observed_verdict(obs)
        machine, comparable = _machine(case, obs_verdict, notes)
        version = _version(_pick(case, "ollama_version", notes))
        ctx = _first_int(_pick(case, "num_ctx", notes))
        parallel = case.get("num_parallel")
        opts = FitOptions(
            num_ctx=ctx,
            num_parallel=parallel,
            ollama_version=version,
            flash_attention=case.get("flash_attention"),
        )
        ours = estimate_fit(
            arch, machine, opts, quant=level, weight_bytes=weight_bytes, model=str(tag)
        )
        file_bytes = weight_bytes or ours.estimate.weights_bytes
        naive_size, naive_verdict = _naive(file_bytes, machine)
        observed_size = _bytes(obs.get("ps_size"))
        if observed_size is None and obs.get("memory_required_full"):
            observed_size = _bytes(obs["memory_required_full"])
            notes.append("size = log's memory.required.full")
        total_layers = obs.get("layers_total") or _first_int(
            (case.get("inferred") or {}).get("layers_total")
        )
        done = obs.get("layers_offloaded")
        rows.append(
            Row(
                case["case_id"],
                key,
                level.name,
                version or "newest",
                f"{ours.num_ctx}x{ours.num_parallel}",
                ", ".join(f"{g.free_bytes / GiB:.1f}" for g in machine.gpus) or "no GPU",
                observed_size,
                f"{done}/{total_layers}" if done is not None else "-",
                obs_verdict,
                ours,
                naive_size,
                naive_verdict,
                comparable,
                notes,
            )
        )
    return rows


def summary(rows: list[Row]) -> dict[str, float]:
    judged = [r for r in rows if r.verdict_comparable]
    sized = [r for r in rows if r.observed_size]
    ours_err = [r.ours_error for r in sized if r.ours_error is not None]
    naive_err = [r.naive_error for r in sized if r.naive_error is not None]
    return {
        "cases": len(rows),
        "verdict_cases": len(judged),
        "ours_verdicts": sum(r.ours.verdict == r.observed_verdict for r in judged),
        "naive_verdicts": sum(r.naive_verdict == r.observed_verdict for r in judged),
        "size_cases": len(sized),
        "ours_median_error": statistics.median(ours_err) if ours_err else 0.0,
        "naive_median_error": statistics.median(naive_err) if naive_err else 0.0,
    }


def _gb(n: int | None) -> str:
    return "-" if not n else f"{n / 1e9:.2f} GB"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def render(rows: list[Row]) -> str:
    s = summary(rows)
    lines = [
        "# Fit estimate accuracy on observed loads",
        "",
        "Observed = what `ollama ps` (or the server log) showed; ours = `quantdesk.core.fit`;"
        " naive = file size as the size, verdict `gpu` when it is <= free VRAM, else `partial`"
        " (or `cpu` without a GPU).",
        "",
        "| case | model | quant | version | ctx x par | free VRAM GiB | observed size |"
        " ours (err) | naive (err) | layers obs | layers ours | verdict obs | ours | naive |"
        " assumptions |",
        "|" + "---|" * 15,
    ]
    for r in rows:
        o = r.ours
        mark = "" if r.verdict_comparable else " (n/a)"
        lines.append(
            f"| {r.case_id} | {r.model} | {r.quant} | {r.version} | {r.ctx} | {r.free} | "
            f"{_gb(r.observed_size)} | {_gb(o.ps_size)} ({_pct(r.ours_error)}) | "
            f"{_gb(r.naive_size)} ({_pct(r.naive_error)}) | {r.observed_layers} | "
            f"{o.placement.gpu_layers}/{o.placement.total_layers} | "
            f"{r.observed_verdict or '-'}{mark} | {o.verdict} | {r.naive_verdict} | "
            f"{'; '.join(r.notes) or '-'} |"
        )
    lines += [
        "",
        f"Verdicts matched (of {s['verdict_cases']} cases with a known free VRAM): "
        f"ours {s['ours_verdicts']}, naive {s['naive_verdicts']}.",
        f"Median size error (of {s['size_cases']} cases with an observed size): "
        f"ours {_pct(s['ours_median_error'])}, naive {_pct(s['naive_median_error'])}.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    rows = evaluate()
    text = render(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(text)
    s = summary(rows)
    better = (
        s["ours_verdicts"] > s["naive_verdicts"]
        and s["ours_median_error"] < s["naive_median_error"]
    )
    return 0 if better else 1


if __name__ == "__main__":
    raise SystemExit(main())
