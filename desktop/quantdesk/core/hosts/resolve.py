"""Which machine the verdicts are for: the daemon's, always.

In order: a what-if machine the user asked about; the host's profile (stated, a preset, or a
simulator's own machine), refined from the daemon's ``/api/ps`` when it answers; this
computer's probes for a daemon on loopback; and for a daemon elsewhere with no profile, this
computer's probes *labelled as an assumption*, with what to do about it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from pathlib import Path

from quantdesk.core.compare.results import now_iso
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hosts.profile import MachineView, describe_machine, host_key
from quantdesk.core.hosts.refine import refine
from quantdesk.core.hosts.store import load_profiles, save_profile
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.ollama.host import parse_host

Probe = Callable[[], Awaitable[Machine]]


def is_loopback(host: str) -> bool:
    name = parse_host(host).host
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def assumed_note(host: str) -> str:
    return (f"The daemon at {host} runs on another machine, whose hardware QuantDesk cannot "
            "probe: these verdicts use this computer's until you describe it, e.g. "
            f"`quantdesk host set {host} --preset rtx-3060-12gb` or "
            f"`quantdesk host set {host} --gpu-mem 12GB --ram 32GB`.")


async def daemon_machine(
    host: str,
    *,
    probe: Probe,
    client: OllamaClient | None = None,
    what_if: Machine | None = None,
    version: str | None = None,
    path: Path | None = None,
) -> MachineView:
    """The machine the daemon at ``host`` runs on, and where its figures came from.

    ``client`` (reachable) lets a profile be refined from ``/api/ps`` and saved; ``what_if``
    replaces everything (the user asked about that machine)."""
    key = host_key(host)
    profiles, skipped = load_profiles(path)
    profile = profiles.get(key)
    if what_if is not None:  # the machine asked about; the daemon's registry stays its own
        return MachineView(what_if, key, "what-if", describe_machine(what_if),
                           (what_if.override,) if what_if.override else (),
                           profile.registry or None if profile else None)
    if profile is not None:
        notes = [*profile.notes, *skipped]
        if client is not None and profile.source != "simulated":
            try:
                running = await client.ps()
            except QuantDeskError:
                running = []
            better = refine(profile, running, version=version, at=now_iso())
            if better is not None:
                profile = better
                try:
                    save_profile(profile, path)
                except OSError as exc:
                    notes.append(f"the refined profile could not be saved: {exc}")
        source = "refined" if profile.refined is not None else profile.source
        if profile.refined is not None:
            notes.append(f"usable VRAM {profile.refined.usable_vram_bytes / 1e9:.1f} GB, from "
                         f"{profile.refined.loads} loads the daemon reported")
        return MachineView(profile.machine(), key, source, profile.describe(), tuple(notes),
                           profile.registry or None)
    machine = await probe()
    if is_loopback(host):
        return MachineView(machine, key, "probed", describe_machine(machine), tuple(skipped))
    return MachineView(machine, key, "assumed", describe_machine(machine),
                       (assumed_note(key), *skipped))
