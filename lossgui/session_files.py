"""Text files on disk for sessions and exported tables: atomic writes, bounded reads."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from lossgui.session_fields import SessionError

__all__ = ["MAX_FILE_BYTES", "read_session_text", "write_text_atomically"]

#: The largest file opened as a session.
MAX_FILE_BYTES = 2 * 1024**3


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to a temporary file beside ``path``, then rename.

    A crash mid-write leaves the previous file intact, never a truncated one; an
    existing file keeps its permissions, a new one gets 0o644.

    Raises
    ------
    OSError
        The file could not be written (the previous file is untouched).
    """
    target = Path(path)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_session_text(source: str | bytes | os.PathLike[str]) -> str:
    """The JSON text of ``source``: a str starting with '{' or '[' is text, else a path.

    Raises
    ------
    SessionError
        Not UTF-8, larger than :data:`MAX_FILE_BYTES`, not a file, or unreadable.
    """
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SessionError("the session is not UTF-8 text") from None
    if isinstance(source, str) and (not source.strip() or source.lstrip()[0] in "{["):
        return source
    try:
        path = Path(source)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SessionError(f"{path.name} is {size / 1024**3:.1f} GiB, too large for a session")
        if not path.is_file():
            raise SessionError(f"{os.fspath(source)[:200]!r} is not a file")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SessionError(f"{Path(source).name} is not UTF-8 text, so not a session") from None
    except (OSError, ValueError) as err:
        if isinstance(err, SessionError):
            raise
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise SessionError(f"cannot read {os.fspath(source)[:200]!r}: {reason}") from None
