"""The machine as JSON for programs (``quantdesk hw --json`` and anything scripting it).

Contract: top-level keys exactly ``gpus``, ``ram``, ``cpu``, ``probes``, ``override``; each GPU
has at least vendor, index, name, total_bytes, free_bytes, unified; ram has total_bytes and
available_bytes; cpu has model and cores. ``override`` is null for a probed machine.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from quantdesk.core.machine import Machine


def machine_to_json(m: Machine) -> dict[str, Any]:
    return {
        "gpus": [asdict(g) for g in m.gpus],
        "ram": asdict(m.ram),
        "cpu": asdict(m.cpu),
        "probes": dict(m.probes),
        "override": m.override or None,
    }
