"""Atomic file writes: a report file is either absent, the old one, or complete."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["atomic_write", "sweep_temporaries"]

_PREFIX = ".assess-tmp-"
_TEMP = re.compile(re.escape(_PREFIX) + r"(\d+)-")


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    A process killed at any moment leaves ``path`` as it was or complete, never half
    written; the rename is atomic on POSIX and Windows (:func:`os.replace`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{_PREFIX}{os.getpid()}-{path.name}")
    try:
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temporaries(folder: Path) -> int:
    """Delete temporary files left in ``folder`` by killed runs; returns how many."""
    if not folder.is_dir():
        return 0
    removed = 0
    for entry in folder.iterdir():
        match = _TEMP.match(entry.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
