"""Writing a file so that it is either wholly the new content or untouched.

The text goes to a temporary file in the same folder, is flushed to disk, and only then
renamed over the target (``os.replace`` is atomic on one file system). A full disk, a crash or
a kill part-way leaves the old file as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from quantdesk.core.errors import QuantDeskError

_CHUNK = 1 << 20


class AtomicWriteError(QuantDeskError):
    """The new content could not be written; the old file (if any) is unchanged. ``errno``
    is the operating system's reason code."""

    def __init__(self, message: str, errno_: int = 0) -> None:
        super().__init__(message)
        self.errno = errno_


def _why(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "no permission to write there"
    return exc.strerror or str(exc) or type(exc).__name__


def write_atomic(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data``; raises ``AtomicWriteError`` saying why, and then the
    file at ``path`` is exactly what it was before."""
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view[:_CHUNK])
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            # Keep the old file's permissions (mkstemp makes it private, 0600).
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise AtomicWriteError(f"cannot write {path}: {_why(exc)}", exc.errno or 0) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path
