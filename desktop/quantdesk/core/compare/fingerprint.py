"""The fingerprint of a comparison: what could make a re-run differ.

Hardware (GPUs, RAM, CPU), the daemon's version, the fixed options and each variant's manifest
digest. Two comparisons with equal fingerprints ran the same models on the same setup; the
history's diff names the keys that changed. ``machine_key`` is a short stable hash of the
hardware part, used to group observed loads for the per-machine calibration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from quantdesk import __version__
from quantdesk.core.compare.results import CompareOptions
from quantdesk.core.machine import Machine


def hardware_summary(machine: Machine | None) -> dict[str, Any]:
    if machine is None:
        return {}
    return {
        "gpus": [{"vendor": g.vendor, "name": g.name, "total_bytes": g.total_bytes,
                  "unified": g.unified, "driver": g.driver_version}
                 for g in machine.usable_gpus],
        "ram_bytes": machine.ram.total_bytes,
        "cpu": machine.cpu.model,
        "cores": machine.cpu.cores,
        "override": machine.override,
    }


def machine_key(machine: Machine | None) -> str:
    """16 hex chars; free memory and drivers are left out so the key survives reboots and
    driver updates (the same card and RAM keep their calibration)."""
    summary = hardware_summary(machine)
    stable = {"gpus": [(g["vendor"], g["name"], g["total_bytes"], g["unified"])
                       for g in summary.get("gpus", [])],
              "ram": summary.get("ram_bytes"), "cpu": summary.get("cpu")}
    blob = json.dumps(stable, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def build_fingerprint(machine: Machine | None, daemon_version: str, options: CompareOptions,
                      digests: Mapping[str, str], host: str = "") -> dict[str, Any]:
    return {
        "hardware": hardware_summary(machine),
        "machine_key": machine_key(machine) if machine is not None else "",
        "daemon_version": daemon_version,
        "options": options.daemon_options(),
        "digests": dict(digests),
        "host": host,
        "quantdesk_version": __version__,
    }


def fingerprint_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Plain-words lines for every difference that could explain changed results."""
    lines = []
    if old.get("daemon_version") != new.get("daemon_version"):
        lines.append(f"Ollama version {old.get('daemon_version') or '?'} -> "
                     f"{new.get('daemon_version') or '?'}")
    old_d, new_d = old.get("digests") or {}, new.get("digests") or {}
    for model in sorted(set(old_d) | set(new_d)):
        a, b = old_d.get(model, ""), new_d.get(model, "")
        if a != b:
            lines.append(f"{model}: digest {a[:12] or 'none'} -> {b[:12] or 'none'}")
    if old.get("machine_key") != new.get("machine_key"):
        lines.append("hardware changed")
    if old.get("options") != new.get("options"):
        lines.append(f"options {old.get('options')} -> {new.get('options')}")
    if old.get("quantdesk_version") != new.get("quantdesk_version"):
        lines.append(f"QuantDesk {old.get('quantdesk_version')} -> "
                     f"{new.get('quantdesk_version')}")
    return lines
