"""Write outputs atomically and only where an output belongs.

A reader never sees a half-written report: data goes to a temporary file beside the output,
is fsynced and renamed over it. Before that, the output is checked: `-` (or /dev/stdout)
means standard output; a symlink is written through (its target is replaced, the link kept);
a directory, a device, a FIFO or one of the run's inputs is refused with one line. A disk that
is full or read-only becomes an OutputError naming the file, never a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import GeocheckError
from ..printable import printable

STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
NAME_MAX = 255  # bytes in one path component on every file system geocheck writes to
_RANDOM = 8  # characters tempfile adds to a temporary name
# Temporary names made here ('.NAME.RANDOM.tmp[.ext]') and what SQLite leaves beside them.
STALE_TEMPORARY = re.compile(r"^\..*\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?(-journal|-wal|-shm)?$")
# errno values that mean the output disk, not one file, is the problem
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}
# ... and how GDAL and SQLite word them
DISK_MESSAGES = {"no space left": errno.ENOSPC, "disk is full": errno.ENOSPC, "disk i/o error": errno.EIO,
                 "read-only file system": errno.EROFS, "readonly database": errno.EROFS,
                 "quota exceeded": errno.EDQUOT}


class OutputError(GeocheckError):
    """An output cannot be written (full or read-only disk, a refused target)."""


def is_stdout(path: str | os.PathLike | None) -> bool:
    """`-o -` and `-o /dev/stdout` (the usual ways to pipe a report) mean standard output."""
    return path is not None and str(path) in STDOUT_NAMES


def output_target(path: str | Path) -> Path:
    """The regular file an output is written to: `path` itself, or the file a symlink at `path`
    points to (the link stays). Refuses directories, devices, FIFOs and sockets."""
    path = Path(path)
    if len(path.name.encode()) > NAME_MAX:
        raise OutputError(f"file name is too long for the file system ({len(path.name.encode())} bytes, "
                          f"at most {NAME_MAX})", path)
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        st = target.stat()
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"cannot be written ({exc.strerror or exc})", path) from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError("is a directory; give a file name for the output", path)
    if not stat.S_ISREG(st.st_mode):
        raise OutputError("is not a regular file (a device, FIFO or socket); refusing to write there", path)
    return target


def refuse_inputs(output: str | Path, inputs: Iterable[str | Path], what: str = "output") -> None:
    """Refuse an output that is an input, lies inside an input folder, or is a sidecar of an
    input file (town.dbf for town.shp): writing it would change what is being checked."""
    out = Path(os.path.realpath(output))
    for given in inputs:
        src = Path(os.path.realpath(given))
        if out == src or (src.is_dir() and src in out.parents):
            raise OutputError(f"{what} would overwrite an input ({printable(given)}); choose another name", output)
        if src.is_file() and out.parent == src.parent and out.name.lower().startswith(src.stem.lower() + "."):
            raise OutputError(f"{what} would be written beside input {printable(given)} as one of its files; "
                              "choose another name", output)


def check_output(path: str | Path, inputs: Iterable[str | Path] = (), what: str = "output", *,
                 file_only: bool = False) -> None:
    """Refuse, before any work, an output that could not or must not be written (see
    output_target and refuse_inputs); standard output is fine unless `file_only` (a GeoPackage)."""
    if is_stdout(path):
        if file_only:
            raise OutputError(f"{what} is a file (a GeoPackage) and cannot go to standard output", path)
        return
    folder = output_target(path).parent
    if not folder.is_dir():
        raise OutputError("output folder does not exist", folder)
    refuse_inputs(path, inputs, what)


def _temp_prefix(name: str, suffix: str) -> str:
    """'.NAME.' cut so the temporary name fits NAME_MAX bytes (a valid long name stays writable)."""
    room = NAME_MAX - len(suffix.encode()) - _RANDOM - 2 - len("-journal")  # SQLite's file beside a GeoPackage
    cut = name.encode()[:max(room, 1)].decode("utf-8", "ignore")
    return f".{cut}."


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside the output to write to; on success it is fsynced and renamed
    over it, on error removed (an existing output is then left as it was). `suffix` ends the
    temporary name (GDAL drivers look at it). A symlink is written through, never replaced."""
    shown = Path(path)
    if is_stdout(shown):
        raise OutputError("this output is a file (e.g. a GeoPackage) and cannot go to standard output", shown)
    path = output_target(shown)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError("output folder does not exist", folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path.name, suffix), suffix=suffix, dir=folder)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
    except OSError as exc:
        raise output_error(exc, shown) from None
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise output_error(exc, shown) from None
    finally:
        for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            if os.path.lexists(leftover):
                os.unlink(leftover)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it; `-` is standard output."""
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    if is_stdout(path):
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)


def output_error(exc: OSError, path: str | Path) -> OutputError:
    """An OSError met while writing `path`, as one line naming it."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    return OutputError(f"cannot be written ({reason.lower()})", path)


def disk_problem(folder: str | Path, exc: BaseException | None = None) -> str | None:
    """'no space left on device' / 'read-only file system' when the disk under `folder` (not one
    file) stops writing; None otherwise. GDAL and SQLite report a full disk in words of their
    own, so the file system is asked too."""
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        return os.strerror(exc.errno).lower()
    text = str(exc).lower() if exc is not None else ""
    for words, code in DISK_MESSAGES.items():
        if words in text:
            return os.strerror(code).lower()
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    if st.f_flag & os.ST_RDONLY:
        return os.strerror(errno.EROFS).lower()
    if st.f_bavail * st.f_frsize < 1024 * 1024:
        return os.strerror(errno.ENOSPC).lower()
    return None


def remove_stale_temporaries(folder: str | Path, depth: int = 2) -> list[Path]:
    """Delete temporary files an earlier, killed run left in `folder` (and `depth` levels below)."""
    removed = []
    root = Path(folder)
    for here, dirs, files in os.walk(root):
        if len(Path(here).relative_to(root).parts) >= depth:
            dirs[:] = []
        for name in files:
            if STALE_TEMPORARY.match(name):
                p = Path(here) / name
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    pass
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
