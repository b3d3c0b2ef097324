"""Refining a stated profile from what the daemon itself reports after loads.

``/api/ps`` gives, per loaded model, ``size`` and the part of it in VRAM (``size_vram``). Every
load is a lower bound on the daemon's usable VRAM: what its models hold there together, plus
the margin the daemon keeps free (the 1 GiB ``--fit`` target of llama-server, the 457 MiB
minimum before). A split load (``size_vram < size``) is also an upper bound: the daemon filled
the GPU and stopped, so the usable VRAM is about what it placed plus that margin. The usable
figure then replaces the stated free memory in the profile's machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from quantdesk.core.fit import rules
from quantdesk.core.hosts.profile import HostProfile, Refinement
from quantdesk.core.ollama import RunningModel

MiB = 1 << 20
SERVER_MARGIN = 1024 * MiB
OLD_MARGIN = 457 * MiB
SAME = 0.02  # a refinement within 2 % of what is known changes nothing


def margin(version: str | None) -> int:
    return SERVER_MARGIN if rules.parse_version(version) >= (0, 30, 0) else OLD_MARGIN


def refine(profile: HostProfile, running: Sequence[RunningModel], *, version: str | None,
           at: str) -> HostProfile | None:
    """The profile corrected by ``running`` (a /api/ps answer); None when it teaches nothing."""
    loads = [m for m in running if m.size_vram > 0]
    if not loads or not profile.gpus or profile.unified:
        return None
    keep = margin(version)
    in_use = sum(m.size_vram for m in loads)
    lower = in_use + keep
    split = any(m.size_vram < m.size for m in loads)
    stated = sum(g.vram_bytes for g in profile.gpus)
    known = profile.refined.usable_vram_bytes if profile.refined else stated
    # a split load filled the GPU: that is the usable memory; a full one only bounds it below
    usable = lower if split else max(known, lower)
    usable = min(usable, max(stated, lower))
    if abs(usable - known) <= SAME * known:
        return None
    count = (profile.refined.loads if profile.refined else 0) + len(loads)
    return replace(profile, refined=Refinement(count, usable, at))
