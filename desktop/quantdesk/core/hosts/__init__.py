"""The daemon's machine: host profiles (stated, preset, simulated, refined from ``/api/ps``)
and the view every verdict states. ``await daemon_machine(host, probe=..., client=...)``
answers which machine the verdicts are for."""

from quantdesk.core.hosts.presets import Preset, UnknownPreset, presets, profile_from_preset
from quantdesk.core.hosts.profile import (
    HostProfile,
    MachineView,
    Refinement,
    Source,
    StatedGpu,
    describe_machine,
    host_key,
)
from quantdesk.core.hosts.refine import refine
from quantdesk.core.hosts.resolve import daemon_machine, is_loopback
from quantdesk.core.hosts.store import load_profiles, profile_for, remove_profile, save_profile

__all__ = [
    "HostProfile",
    "MachineView",
    "Preset",
    "Refinement",
    "Source",
    "StatedGpu",
    "UnknownPreset",
    "daemon_machine",
    "describe_machine",
    "host_key",
    "is_loopback",
    "load_profiles",
    "presets",
    "profile_for",
    "profile_from_preset",
    "refine",
    "remove_profile",
    "save_profile",
]
