"""Failures of remote variant discovery, each with a sentence a user can act on."""

from __future__ import annotations

from quantdesk.core.errors import QuantDeskError


class RegistryError(QuantDeskError):
    """The registry, the library pages or Hugging Face gave nothing usable."""


class RegistryUnreachable(RegistryError):
    """No connection to a remote catalogue (DNS, refused, timeout)."""

    def __init__(self, url: str, reason: str = "") -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"cannot reach {url}{detail}; check your network connection or the --registry address"
        )
        self.url = url


class RemoteModelNotFound(RegistryError):
    """The model (or the tag asked for) does not exist remotely."""

    def __init__(self, name: str, where: str) -> None:
        super().__init__(
            f"'{name}' was not found on {where}; check the spelling on ollama.com/library "
            "or huggingface.co"
        )
        self.name = name


class RegistryResponseError(RegistryError):
    """The remote answered, but with an error status or a body that cannot be read."""

    def __init__(self, url: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{url} answered {detail}; try again later")
        self.url = url
        self.status = status
