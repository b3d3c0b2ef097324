"""Text from outside made inert before it reaches a terminal (or any plain-text display).

A model name, a digest, an error message, GGUF metadata and generated text all come from a
daemon, a registry or a model, none of which is trusted. A terminal acts on control
characters: ESC starts CSI (``ESC [2J`` clears the screen), OSC (``ESC ]0;title BEL`` renames
the window, ``ESC ]8;;URL`` makes a hyperlink), DCS and the rest; the C1 code points
U+0080–U+009F are 8-bit forms of the same; a bare CR lets a later text overwrite what was
printed before it. Every such character is shown visibly escaped (``\\x1b``) instead, so the
rest of the sequence is plain printable text and nothing is hidden from the reader.

For the GUI, ``inert`` is what a plain-text widget shows; ``inert_html`` is for the displays
that always interpret rich text (a tool tip), where an ``<img src=…>`` would otherwise be
loaded.

Kept: tab and newline; CR LF becomes LF. Also escaped: the bidirectional embedding, override
and isolate controls (they reorder what the reader sees) and lone surrogates (a JSON ``\\ud800``
escape decodes to one, and writing it to a UTF-8 stream raises).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TextIO

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_CRLF = "\r\n"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object) -> str:
    """``text`` (any object, through ``str``) with every control character visibly escaped."""
    s = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(s) is None:
        return s
    return _UNSAFE.sub(_escape, s.replace(_CRLF, "\n"))


def brief(text: object, limit: int = 400) -> str:
    """``inert(text)`` cut to about ``limit`` characters: for untrusted text inside a message
    (a 20 MB error body says nothing more useful than its first lines)."""
    s = text if isinstance(text, str) else str(text)
    if len(s) > limit:
        s = f"{s[:limit]}… ({len(s) - limit:,} more characters)"
    return inert(s)


def inert_html(text: object) -> str:
    """``inert(text)`` with HTML's ``& < > " '`` escaped: for a display that reads rich text
    whatever it is told (Qt tool tips), so the text shows as itself and loads nothing."""
    return html.escape(inert(text), quote=True)


class InertStream:
    """``inert`` for text that arrives in pieces (streamed tokens): a CR at the end of one
    piece is held back until the next shows whether it is half of a CR LF."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        if text.endswith("\r"):
            text, self._held = text[:-1], "\r"
        return inert(text)

    def flush(self) -> str:
        """What is still held back, escaped (call when the stream ends)."""
        held, self._held = self._held, ""
        return inert(held)


class InertWriter(io.TextIOBase):
    """A text stream that makes everything written to it inert before passing it on.

    ``raw`` is the stream underneath, for the few writers that mean their control characters
    (a progress bar's CR) or were asked for unfiltered bytes (``--raw``).
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw
        self._stream = InertStream()

    def write(self, s: str) -> int:
        self.raw.write(self._stream.feed(s))
        return len(s)

    def flush(self) -> None:
        # A held CR stays held: the next token may be its LF.
        self.raw.flush()

    def finish(self) -> None:
        """Write what is held back and flush; the writer may still be used afterwards."""
        if tail := self._stream.flush():
            self.raw.write(tail)
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    # TextIO declares encoding a plain attribute; a read-only property mirrors the raw stream.
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8")


def raw_stream(stream: TextIO) -> TextIO:
    """The unfiltered stream under ``stream`` (itself when it is not an ``InertWriter``)."""
    return stream.raw if isinstance(stream, InertWriter) else stream


@contextmanager
def inert_stdio() -> Iterator[None]:
    """While inside, ``sys.stdout`` and ``sys.stderr`` make everything written inert."""
    import sys

    saved = sys.stdout, sys.stderr
    out, err = InertWriter(saved[0]), InertWriter(saved[1])
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        for writer in (out, err):
            # A closed or broken pipe at exit: there is no one left to tell.
            with suppress(OSError, ValueError):
                writer.finish()
