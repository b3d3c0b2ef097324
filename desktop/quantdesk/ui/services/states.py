"""The value types services publish, for widgets to show: plain immutable data, no Qt.

Widgets import from ``quantdesk.ui.services`` only this module (an import-linter contract
checks it); the services themselves stay out of the widgets' reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quantdesk.core.ollama.host import parse_host
from quantdesk.core.pulls import LayerState, PullState

Status = Literal["connecting", "connected", "unreachable"]

__all__ = ["ConnectionState", "LayerState", "PullState", "Status"]


@dataclass(frozen=True, slots=True)
class ConnectionState:
    host: str  # as the user gave it
    status: Status
    version: str = ""
    reason: str = ""  # why it is unreachable, in words a user can act on
    retry_in_ms: int = 0  # when the next automatic attempt happens

    @property
    def connected(self) -> bool:
        return self.status == "connected"

    @property
    def display_host(self) -> str:
        try:
            return parse_host(self.host).netloc
        except Exception:  # a host the parser rejects is still worth showing as typed
            return self.host
