"""Atomic file writes: a reader never sees half a file, and a failed write loses nothing.

Every file the package writes (models, CSV, figures, reports, gradebooks) goes through
:func:`atomic_write_bytes`: a temporary file in the same directory, flushed to disk, then
renamed over the target with ``os.replace``, which POSIX makes atomic.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same directory, then ``os.replace``."""
    path = Path(path)
    # O_EXCL on a random name instead of tempfile.mkstemp: mkstemp's mode is 0600, this
    # file gets 0666 minus the umask, like any other file the user writes.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    atomic_write_bytes(path, text.encode("utf-8"))
