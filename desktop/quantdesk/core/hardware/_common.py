"""Small pieces every probe shares: the failure a probe reports, and byte units."""

from __future__ import annotations

GiB = 1 << 30
MiB = 1 << 20


class ProbeUnavailable(Exception):
    """A probe could not run; the message is the reason shown as ``unavailable: <reason>``."""


def gib(n: int) -> str:
    """Sizes of memory in GiB, the unit GPU makers and Ollama's logs use (``24.0 GiB``)."""
    return f"{n / GiB:.1f} GiB"
