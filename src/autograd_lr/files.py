"""Where the package writes: atomic files, and the user's cache folders.

Every file the package writes (models, CSV, figures, reports, gradebooks) goes through
:func:`atomic_write_bytes`: a temporary file in the same directory, flushed to disk, then
renamed over the target with ``os.replace``, which POSIX makes atomic. Every cache it
keeps between processes lives in a folder from :func:`user_cache_folder`.
"""

from __future__ import annotations

import os
import secrets
import tempfile
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


# The values of a cache's environment variable that turn the cache off.
CACHE_OFF = ("0", "off", "no", "false", "none")


def user_cache_folder(env: str, name: str) -> Path | None:
    """A cache folder, created and writable, or ``None`` when it is off or cannot be written.

    ``$env`` names the folder (or turns the cache off: ``off``, ``0``, ``no``, ``false``,
    ``none``); unset, it is ``$XDG_CACHE_HOME/autograd-lr/name``
    (``~/.cache/autograd-lr/name``). A folder that cannot be created or written (a
    read-only home, a grader's sandbox) gives ``None``: the caller then works without it.
    """
    setting = os.environ.get(env, "").strip()
    if setting.lower() in CACHE_OFF:
        return None
    if setting:
        folder = Path(setting).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "autograd-lr" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass  # writable: a file can be created (and is removed on close)
    except OSError:
        return None
    return folder
