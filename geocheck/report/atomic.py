"""Write outputs atomically: a reader never sees a half-written report."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import GeocheckError


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside `path` to write to; on success it is fsynced and renamed
    over `path`, on error removed (an existing `path` is then left as it was). `suffix` ends
    the temporary name (GDAL drivers look at it)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise GeocheckError("output folder does not exist", folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it."""
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
