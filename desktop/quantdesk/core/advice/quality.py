"""Quality before download: published figures for each quant type, and the order of quality.

The figures are llama.cpp's KL-divergence scoreboard (``data/quality-reference.json``, source
cited there): mean KL divergence from fp16 in nats, the share of tokens where both rank the same
token first, and the perplexity increase. They were measured on one model (Llama 3 8B; Llama 2
7B and Mistral 7B for a few types), so each figure carries ``measured_on`` and is never
presented as a measurement of the model at hand. Where this model has been compared here, the
Compare history's own figures replace them (``measured.py``).

Quality order: lower mean KLD on Llama 3 8B is better (Q5_K_M beats the larger Q5_1, Q4_K_M
beats Q4_1); a type the scoreboard lacks is placed by its bits per weight between its
neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from quantdesk.core.datafiles import load_json
from quantdesk.core.quant import QuantLevel, all_levels, parse_quant

LLAMA3 = "Llama 3 8B"
LLAMA2 = "Llama 2 7B"
MISTRAL = "Mistral 7B"
# The threshold of a pick worth recommending: q4_K_M-class or better.
GOOD_FLOOR = "Q4_K_M"


@dataclass(frozen=True, slots=True)
class Quality:
    mean_kld: float | None  # nats per token against the reference weights
    same_top_p_percent: float | None  # how often both pick the same next token
    delta_ppl: float | None  # perplexity increase on Wikitext-2
    measured_on: str  # "Llama 3 8B", or "this model, here (Compare …)"
    source: str
    kind: Literal["reference", "measured"] = "reference"

    def to_json(self) -> dict[str, Any]:
        return {"mean_kld": self.mean_kld, "same_top_p_percent": self.same_top_p_percent,
                "delta_ppl": self.delta_ppl, "measured_on": self.measured_on,
                "source": self.source, "kind": self.kind}

    def words(self) -> str:
        """"KLD 0.031, same top token 91.9% (Llama 3 8B)"."""
        parts = []
        if self.mean_kld is not None:
            parts.append(f"KLD {self.mean_kld:.3g}")
        if self.same_top_p_percent is not None:
            parts.append(f"same top token {self.same_top_p_percent:.1f}%")
        if not parts:
            return ""
        return ", ".join(parts) + f" ({self.measured_on})"


def _reference() -> dict[str, Any]:
    return load_json("quality-reference.json")


def _key(quant: str) -> str:
    level = parse_quant(quant)
    return level.name if level else quant.upper()


@cache
def _llama3() -> dict[str, dict[str, float]]:
    data = _reference()
    rows = {_key(r["quant"]): dict(r) for r in data["llama-3-8b"]}
    for quant, same in data["same_top_p_percent"]["llama-3-8b"].items():
        rows.setdefault(_key(quant), {})["same_top_p_percent"] = same
    bf16 = data.get("llama-3-8b_bf16_vs_fp16") or {}
    if bf16:
        rows["BF16"] = {"mean_kld": bf16["mean_kld"],
                        "same_top_p_percent": bf16["same_top_p_percent"]}
    return rows


def _family_rows(family: str) -> tuple[str, dict[str, dict[str, float]], str] | None:
    """Figures of a closer family than Llama 3 8B, when the file has them."""
    data = _reference()
    name = family.lower()
    if name.startswith(("llama2", "llama-2", "llama:")) or name == "llama":
        kld = data.get("llama-2-7b_mean_kld") or {}
        same = data["same_top_p_percent"].get("llama-2-7b") or {}
        rows = {_key(q): {"mean_kld": v, "same_top_p_percent": same.get(q)}
                for q, v in kld.items()}
        return LLAMA2, rows, data["source"]
    if name.startswith("mistral"):
        for report in data.get("other_reports", []):
            if report.get("model") == "mistral-7b":
                rows = {_key(q): {"mean_kld": v} for q, v in report["mean_kld"].items()}
                return MISTRAL, rows, str(report["source"])
    return None


def reference_quality(level: QuantLevel | None, family: str = "") -> Quality | None:
    """The published figures for ``level``, from the closest family the file has."""
    if level is None:
        return None
    closer = _family_rows(family) if family else None
    if closer is not None and level.name in closer[1]:
        on, rows, source = closer
        row = rows[level.name]
        return Quality(row.get("mean_kld"), row.get("same_top_p_percent"), None, on, source)
    general = _llama3().get(level.name)
    if general is None:
        return None
    return Quality(general.get("mean_kld"), general.get("same_top_p_percent"),
                   general.get("delta_ppl"),
                   LLAMA3, _reference()["source"])


@cache
def _order() -> dict[str, float]:
    """Quant name -> -log10(mean KLD on Llama 3 8B): higher is closer to the original."""
    known = {name: -math.log10(row["mean_kld"]) for name, row in _llama3().items()
             if row.get("mean_kld")}
    points = sorted((lvl.file_bpw, known[lvl.name]) for lvl in all_levels()
                    if lvl.name in known and lvl.file_bpw < 16)
    out = dict(known)
    for lvl in all_levels():
        if lvl.name in out:
            continue
        if lvl.file_bpw >= 16:
            # unmeasured full-precision types: no worse than the best measured one
            out[lvl.name] = max(known.values()) + (0.5 if lvl.file_bpw > 16 else 0.0)
            continue
        out[lvl.name] = _interpolate(points, lvl.file_bpw)
    return out


def _interpolate(points: list[tuple[float, float]], bpw: float) -> float:
    below = [p for p in points if p[0] <= bpw]
    above = [p for p in points if p[0] > bpw]
    if not below:
        lo, hi = points[0], points[1]
    elif not above:
        lo, hi = points[-2], points[-1]
    else:
        lo, hi = below[-1], above[0]
    if hi[0] == lo[0]:
        return lo[1]
    return lo[1] + (hi[1] - lo[1]) * (bpw - lo[0]) / (hi[0] - lo[0])


def quality_rank(level: QuantLevel | None) -> float:
    """Orders levels by quality (higher is better); unknown levels last."""
    if level is None:
        return float("-inf")
    return _order().get(level.name, float("-inf"))


def is_good(level: QuantLevel | None) -> bool:
    """q4_K_M-class or better: what a headline pick must be when anything like it fits."""
    floor = parse_quant(GOOD_FLOOR)
    return level is not None and quality_rank(level) >= quality_rank(floor)
