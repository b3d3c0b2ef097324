"""What every probe shares: the failure a probe reports (byte units live in core.units)."""

from __future__ import annotations


class ProbeUnavailable(Exception):
    """A probe could not run; the message is the reason shown as ``unavailable: <reason>``."""
