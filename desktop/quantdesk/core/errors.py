"""The root of every error QuantDesk shows a user.

Each subclass carries a sentence a person can act on (``str(err)``); the CLI prints it on
stderr and exits 1, the GUI shows it where the work was shown.
"""

from __future__ import annotations


class QuantDeskError(Exception):
    """An expected failure with a message written for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
