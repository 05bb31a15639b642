"""Opening inputs without touching them and without hanging on them.

Every file geocheck reads (submissions, reference layers, profiles, configs, manifests) goes
through here first:

- only regular files are opened: a FIFO waits forever for a writer, /dev/zero never ends, a
  socket cannot be read; all are refused before any read (opened non-blocking, then checked);
- small text inputs (profiles, configs, manifests) are read up to a cap;
- SQLite-based datasets (GeoPackage, SpatiaLite) are handed to GDAL as a read-only
  /vsisubfile/ view. Opened by name, SQLite and GDAL write next to the file: a WAL-mode
  GeoPackage (as QGIS leaves it) gets -wal/-shm files, a pending -wal is checkpointed into the
  .gpkg (new bytes) and deleted, and GDAL even reopens a read-only WAL database in update mode
  to clean up. Through /vsisubfile/ SQLite can do none of that. Because that view cannot see a
  -wal, a database whose -wal holds changes not yet in the file (or with a hot rollback
  journal) is refused with a clear line instead of being read in a stale state.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import struct
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..gdal_config import ignored_warnings

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_HEADER = 32
WAL_FRAME_HEADER = 24
# Profiles, configs and manifests are a few KB; a batch manifest of thousands of rows < 1 MB.
MAX_TEXT_INPUT_BYTES = 8 * 1024**2

_KIND = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def file_kind(mode: int) -> str:
    return _KIND.get(stat.S_IFMT(mode), "not a regular file")


def stat_input(path, shown=None, *, allow_dir: bool = False, error=InputError) -> os.stat_result:
    """stat() following symlinks, with every failure a clean InputError naming the path."""
    shown = path if shown is None else shown
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise error("does not exist", shown) from None
    except PermissionError:
        raise error("is not readable (permission denied)", shown) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error("is a symbolic link loop", shown) from None
        if exc.errno == errno.ENAMETOOLONG:
            raise error("name is too long for the file system", shown) from None
        raise error(f"cannot be examined ({exc.strerror or exc})", shown) from None
    if stat.S_ISREG(st.st_mode) or (allow_dir and stat.S_ISDIR(st.st_mode)):
        return st
    raise error(f"is {file_kind(st.st_mode)}, not a regular file; refusing to read it", shown)


def read_capped(path, shown=None, *, max_bytes: int = MAX_TEXT_INPUT_BYTES, error=InputError) -> bytes:
    """All bytes of a small regular file, refusing FIFOs, devices and anything over `max_bytes`.

    The file is opened non-blocking (a FIFO swapped in after a stat() cannot hang the open) and
    checked with fstat() on the very descriptor that is read.
    """
    shown = path if shown is None else shown
    stat_input(path, shown, error=error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise error(f"cannot be read ({exc.strerror or exc})", shown) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"is {file_kind(st.st_mode)}, not a regular file; refusing to read it", shown)
        if st.st_size > max_bytes:
            raise error(f"is {st.st_size:,} bytes, more than the {max_bytes:,} bytes allowed for it", shown)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise error(f"is more than the {max_bytes:,} bytes allowed for it", shown)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot be read ({exc.strerror or exc})", shown) from None
    finally:
        os.close(fd)


def read_text_capped(path, shown=None, *, encoding="utf-8", error=InputError, what="file") -> str:
    data = read_capped(path, shown, error=error)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not {encoding.upper()} text (byte {exc.start})", path if shown is None else shown) from None


def sqlite_readonly(path):
    """A sqlite3 connection that cannot write anything: immutable=1 means no locks, no journal,
    no -wal/-shm. Only for files readonly_gdal_path accepted (no pending -wal or journal)."""
    import sqlite3
    from urllib.parse import quote

    return sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?immutable=1", uri=True, check_same_thread=False)


class ReadonlySqlite:
    """sqlite_readonly connections to one submission's files, each opened on first use and all
    closed together: a GeoPackage's schema is parsed once, not once per layer read."""

    def __init__(self) -> None:
        self._connections: dict[str, sqlite3.Connection] = {}

    def connection(self, path):
        key = str(path)
        if key not in self._connections:
            self._connections[key] = sqlite_readonly(path)
        return self._connections[key]

    def close(self) -> None:
        while self._connections:
            self._connections.popitem()[1].close()

    def __enter__(self) -> "ReadonlySqlite":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_sqlite(path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def readonly_gdal_path(path, shown=None) -> str:
    """What GDAL should open for a regular file so that reading it cannot change anything.

    Only SQLite files need it (see the module docstring); others are returned as they are.
    """
    path = Path(path)
    shown = path if shown is None else shown
    st = stat_input(path, shown, allow_dir=True)
    if not stat.S_ISREG(st.st_mode) or not is_sqlite(path):
        return str(path)
    refuse_pending_journal(path, shown)
    return f"/vsisubfile/0_{st.st_size},{path.resolve()}"


def refuse_pending_journal(path: Path, shown) -> None:
    """Refuse a SQLite database whose committed state is not all in the file itself."""
    journal = Path(f"{path}-journal")
    if _size(journal) > 0 and _hot_journal(journal):
        raise InputError(f"has a rollback journal ({journal.name}) left by an interrupted write: the "
                         "database may be half-written; open and close it in QGIS or GDAL to recover it, "
                         "then re-run (geocheck never modifies an input)", shown)
    wal = Path(f"{path}-wal")
    if _size(wal) > 0:
        pending = pending_wal_pages(path, wal)
        if pending:
            raise InputError(f"has {pending} page(s) of changes in its write-ahead log ({wal.name}) that are "
                             "not yet in the file (is it open in QGIS?): close it there, or checkpoint it, "
                             "then re-run (geocheck never modifies an input)", shown)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _hot_journal(journal: Path) -> bool:
    """A rollback journal is hot when its header is not zeroed (SQLite zeroes it on commit)."""
    try:
        with open(journal, "rb") as fh:
            return any(fh.read(28))
    except OSError:
        return True


def pending_wal_pages(db: Path, wal: Path) -> int:
    """Pages in a WAL's committed frames whose content differs from the database file.

    Each valid frame carries the WAL header's salts; frames after the last commit frame (a
    non-zero "database size" field) belong to no committed transaction and are ignored, as
    SQLite does. A WAL that cannot be parsed counts as pending (refused, never guessed).
    """
    try:
        with open(wal, "rb") as w, open(db, "rb") as d:
            head = w.read(WAL_HEADER)
            if len(head) < WAL_HEADER or struct.unpack(">I", head[:4])[0] not in (0x377F0682, 0x377F0683):
                return 1
            page_size = struct.unpack(">I", head[8:12])[0]
            if page_size == 1:
                page_size = 65536
            if page_size < 512 or page_size & (page_size - 1):
                return 1
            salts = head[16:24]
            size = os.fstat(w.fileno()).st_size
            latest: dict[int, int] = {}  # page number → offset of its newest copy in the WAL
            committed: dict[int, int] = {}
            offset = WAL_HEADER
            while offset + WAL_FRAME_HEADER + page_size <= size:
                w.seek(offset)
                frame = w.read(WAL_FRAME_HEADER)
                if frame[8:16] != salts:
                    break
                number, commit = struct.unpack(">II", frame[:8])
                latest[number] = offset + WAL_FRAME_HEADER
                if commit:
                    committed.update(latest)
                    latest.clear()
                offset += WAL_FRAME_HEADER + page_size
            differ = 0
            for number, at in committed.items():  # pages compared one at a time: bounded memory
                w.seek(at)
                d.seek((number - 1) * page_size)
                if d.read(page_size) != w.read(page_size):
                    differ += 1
            return differ
    except OSError:
        return 1


@contextmanager
def quiet_gdal(*, listing: bool = False):
    """GDAL's notices about an input reach the user as notes or errors, never as warnings.

    They come as RuntimeWarnings (e.g. GDAL's retry of a WAL-mode GeoPackage through the
    read-only view with IMMUTABLE=YES, or an undecodable message in a Chinese locale).
    pyogrio's UserWarnings (dropped M values …) are kept for a reader that turns them into
    notes, and silenced while only `listing` layers. Only this thread's warnings are touched.
    """
    with ignored_warnings(lambda w: issubclass(w.category, RuntimeWarning)
                          or (listing and issubclass(w.category, UserWarning))):
        yield
