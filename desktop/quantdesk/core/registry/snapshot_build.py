"""Builds the library snapshot from the project's fact files (maintainers only).

    python -m quantdesk.core.registry.snapshot_build ../shared

Sizes come from ``registry-sizes.json`` (exact bytes where it has them, else the size as the
tags page prints it), architectures from ``model-architectures.json`` and, for popular models
it lacks, ``data/snapshot-architectures.json`` (public config.json figures). A tag nobody
published a size for gets the size its shape and quant mix imply (``core.fit.from_shape``), and
says so. Tags follow the library's ``<size>-instruct-<quant>`` ladder. ``snapshot_refresh``
replaces all of it with what a live registry says.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quantdesk.core.architecture import Architecture
from quantdesk.core.datafiles import load_json
from quantdesk.core.fit import from_shape
from quantdesk.core.quant import parse_quant
from quantdesk.core.registry.snapshot import FORMAT, RESOURCE

LADDER = ("q2_K", "q3_K_S", "q3_K_M", "q3_K_L", "q4_0", "q4_1", "q4_K_S", "q4_K_M", "q5_0",
          "q5_1", "q5_K_S", "q5_K_M", "q6_K", "q8_0", "fp16")
SHORT = ("q4_K_M", "q8_0", "fp16")


@dataclass(frozen=True)
class Family:
    repo: str
    size: str
    arch: str  # key in model-architectures.json or snapshot-architectures.json
    pattern: str  # the ladder's tag pattern
    aliases: dict[str, str]  # alias -> quant it points at
    facts: dict[str, tuple[str, str]] = field(default_factory=dict)  # quant -> (model, tag key)
    quants: tuple[str, ...] = LADDER


L31 = "llama3.1:8b"
FAMILIES: tuple[Family, ...] = (
    Family("llama3.1", "8b", L31, "8b-instruct-{q}", {"latest": "q4_K_M", "8b": "q4_K_M"},
           {q: (L31, f"8b-instruct-{q}") for q in LADDER}),
    Family("llama3.1", "70b", "llama3.1:70b", "70b-instruct-{q}", {"70b": "q4_K_M"}),
    Family("llama3.2", "3b", "llama3.2:3b", "3b-instruct-{q}", {"latest": "q4_K_M", "3b": "q4_K_M"},
           {"q4_K_M": ("llama3.2", "3b / latest (q4_K_M)"),
            "q8_0": ("llama3.2", "3b-instruct-q8_0")}),
    Family("llama3.2", "1b", "llama3.2:1b", "1b-instruct-{q}", {"1b": "q8_0"},
           {"q8_0": ("llama3.2", "1b")}),
    Family("qwen2.5", "0.5b", "qwen2.5:0.5b", "0.5b-instruct-{q}", {"0.5b": "q4_K_M"},
           {"q4_K_M": ("qwen2.5", "0.5b (q4_K_M)")}),
    Family("qwen2.5", "1.5b", "qwen2.5:1.5b", "1.5b-instruct-{q}", {"1.5b": "q4_K_M"}),
    Family("qwen2.5", "3b", "qwen2.5:3b", "3b-instruct-{q}", {"3b": "q4_K_M"},
           {"q4_K_M": ("qwen2.5", "3b (q4_K_M)")}),
    Family("qwen2.5", "7b", "qwen2.5:7b", "7b-instruct-{q}", {"latest": "q4_K_M", "7b": "q4_K_M"},
           {"q4_K_M": ("qwen2.5", "7b / latest (q4_K_M)"),
            "q8_0": ("qwen2.5", "7b-instruct-q8_0"), "fp16": ("qwen2.5", "7b-instruct-fp16")}),
    Family("qwen2.5", "14b", "qwen2.5:14b", "14b-instruct-{q}", {"14b": "q4_K_M"},
           {"q4_K_M": ("qwen2.5", "14b (q4_K_M)")}),
    Family("qwen2.5", "32b", "qwen2.5:32b", "32b-instruct-{q}", {"32b": "q4_K_M"}),
    Family("mistral", "7b", "mistral:latest", "7b-instruct-v0.3-{q}",
           {"latest": "q4_K_M", "7b": "q4_K_M"},
           {"q4_K_M": ("mistral:7b", "7b / 7b-instruct-v0.3-q4_K_M (current default)")}),
    Family("gemma2", "2b", "gemma2:2b", "2b-instruct-{q}", {"2b": "q4_0"},
           {"q4_0": ("gemma2", "2b")}),
    Family("gemma2", "9b", "gemma2:9b", "9b-instruct-{q}", {"latest": "q4_0", "9b": "q4_0"},
           {"q4_0": ("gemma2", "9b / latest (q4_0 era)"),
            "q8_0": ("gemma2", "9b-instruct-q8_0")}),
    Family("gemma2", "27b", "gemma2:27b", "27b-instruct-{q}", {"27b": "q4_0"},
           {"q4_0": ("gemma2", "27b")}),
    Family("qwen3", "4b", "qwen3:4b", "4b-{q}", {"latest": "q4_K_M", "4b": "q4_K_M"},
           quants=SHORT),
    Family("deepseek-r1", "7b", "deepseek-r1:7b", "7b-qwen-distill-{q}",
           {"latest": "q4_K_M", "7b": "q4_K_M"},
           {"q4_K_M": ("deepseek-r1", "7b / latest (qwen2 distill, q4_K_M)")}, quants=SHORT),
    Family("deepseek-r1", "8b", L31, "8b-llama-distill-{q}", {"8b": "q4_K_M"},
           {"q4_K_M": ("deepseek-r1", "8b (llama distill, q4_K_M)")}, quants=SHORT),
    Family("mixtral", "8x7b", "mixtral:8x7b-instruct-v0.1-q4_K_M", "8x7b-instruct-v0.1-{q}",
           {"latest": "q4_K_M", "8x7b": "q4_K_M"}),
)


def _printed_bytes(text: str) -> int | None:
    m = re.match(r"~?\s*([\d.]+)\s*(GB|MB)", text.replace(" ", ""))
    if not m:
        return None
    return round(float(m.group(1)) * (1e9 if m.group(2) == "GB" else 1e6))


def _size(fact: dict[str, Any] | None, arch: Architecture, quant: str) -> dict[str, Any]:
    if fact and isinstance(fact.get("bytes"), int):
        return {"size_bytes": fact["bytes"], "size_source": "published exact bytes"}
    printed = _printed_bytes(str(fact.get("size") or "")) if fact else None
    if printed:
        how = "as the tags page prints it (rounded)"
        if fact and fact.get("secondary"):
            how += ", a third-party figure"
        return {"size_bytes": printed, "size_source": how}
    w = from_shape(arch, parse_quant(quant))
    est = sum(w.blocks) + w.output + w.token_embd + w.projector
    return {"size_bytes": est, "model_bytes": est,
            "size_source": "estimated from the shape and the quant mix"}


def build(shared: Path, today: str | None = None) -> dict[str, Any]:
    sizes = json.loads((shared / "registry-sizes.json").read_text())["models"]
    archs = json.loads((shared / "model-architectures.json").read_text())["models"]
    archs = {**load_json("snapshot-architectures.json")["models"], **archs}
    models: dict[str, Any] = {}
    missing: list[str] = []
    for fam in FAMILIES:
        arch_entry = archs.get(fam.arch)
        if arch_entry is None:  # no architecture, no fit: the family waits for its facts
            missing.append(f"{fam.repo}:{fam.size}")
            continue
        info = dict(arch_entry["model_info"])
        arch = Architecture.from_model_info(info)
        entry = models.setdefault(fam.repo, {"sizes": {}, "tags": []})
        entry["sizes"][fam.size] = {"model_info": info, "source": arch_entry["source"]}
        for q in fam.quants:
            level = parse_quant(q)
            assert level is not None, q
            fact_key = fam.facts.get(q)
            fact = sizes.get(fact_key[0], {}).get("tags", {}).get(fact_key[1]) if fact_key else None
            digest = fact.get("digest") if fact else None
            size = _size(fact, arch, q)
            entry["tags"].append({
                "tag": fam.pattern.format(q=q), "quant": level.name,
                "size_bytes": size["size_bytes"], "model_bytes": size.get("model_bytes"),
                "size_source": size["size_source"],
                "digest": f"sha256:{digest}" if digest else None,
                "aliases": sorted(a for a, target in fam.aliases.items() if target == q),
            })
    return {
        "format": FORMAT,
        "taken": today or dt.date.today().isoformat(),
        "source": "built by quantdesk.core.registry.snapshot_build from registry-sizes.json, "
                  "model-architectures.json and data/snapshot-architectures.json",
        "models": models,
        "missing": missing,
    }


def target() -> Path:
    return Path(__file__).resolve().parents[1] / RESOURCE


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared")
    out = target()
    out.write_text(json.dumps(build(shared), indent=1) + "\n", encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
