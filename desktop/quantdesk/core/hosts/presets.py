"""Presets for a daemon's machine: common graphics cards and Macs (``data/host-presets.json``).

A card preset names the card and its nominal memory; the RAM of the machine it sits in is the
user's to state (else a typical 32 GB, said so). A Mac preset is the chip and its unified
memory; Metal's share of it follows from the RAM as on a real Mac.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quantdesk.core.datafiles import load_json
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hosts.profile import HostProfile, StatedGpu, host_key
from quantdesk.core.units import GiB


class UnknownPreset(QuantDeskError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no hardware preset {key!r}; list them with: quantdesk host presets")


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    name: str  # the card or the chip
    memory_bytes: int  # the card's VRAM, or the Mac's unified memory
    unified: bool
    vendor: str = "other"
    compute_capability: str = ""

    def words(self) -> str:
        what = "unified memory" if self.unified else "VRAM"
        return f"{self.name}, {self.memory_bytes // GiB} GB {what}"


def _data() -> dict[str, Any]:
    return load_json("host-presets.json")


def presets() -> dict[str, Preset]:
    data = _data()
    out = {k: Preset(k, v["name"], v["vram_gib"] * GiB, False, v["vendor"],
                     v["compute_capability"]) for k, v in data["cards"].items()}
    out.update({k: Preset(k, v["chip"], v["ram_gib"] * GiB, True, "apple")
                for k, v in data["macs"].items()})
    return out


def default_ram() -> int:
    return int(_data()["default_ram_gib"]) * GiB


def profile_from_preset(host: str, key: str, *, ram_bytes: int | None = None) -> HostProfile:
    """A profile for the daemon at ``host`` from preset ``key`` (RAM as given or typical)."""
    preset = presets().get(key.strip().lower())
    if preset is None:
        raise UnknownPreset(key)
    notes: tuple[str, ...] = ()
    if preset.unified:
        ram = preset.memory_bytes
        gpus = (StatedGpu(preset.name, 0, "apple"),)
    else:
        ram = ram_bytes or default_ram()
        # preset.vendor is a plain str in the table; every preset names one of the Vendor values.
        gpus = (StatedGpu(preset.name, preset.memory_bytes, preset.vendor,  # type: ignore[arg-type]
                          compute_capability=preset.compute_capability),)
        if ram_bytes is None:
            notes = (f"RAM not stated: a typical {ram // GiB} GB assumed",)
    return HostProfile(host_key(host), gpus, ram, "preset", unified=preset.unified,
                       preset=preset.key, notes=notes)
