"""The GGUF reader's failures, each a sentence a user can act on.

One family so callers can catch ``GGUFError`` alone; the subclasses let the fit view tell a
broken download (truncated) from a file we refuse to read (limits, version) or a network fault.
"""

from __future__ import annotations

from quantdesk.core.errors import QuantDeskError


class GGUFError(QuantDeskError):
    """Any failure to read a GGUF header."""


class NotGGUFError(GGUFError):
    """The bytes do not start with the GGUF magic."""


class GGUFVersionError(GGUFError):
    """A GGUF version (or byte order) this reader does not handle."""


class GGUFTruncatedError(GGUFError):
    """The source ended before the header did."""


class GGUFLimitError(GGUFError):
    """A declared count or length is beyond a safety limit (hostile or corrupt header)."""


class GGUFFormatError(GGUFError):
    """The header breaks the format: unknown value type, duplicate key, bad alignment."""


class GGUFSourceError(GGUFError):
    """The file or URL could not be read at all (missing file, HTTP error, network failure)."""
