"""Zip archives, read in place: never extracted, so an entry named ../../x can do nothing.

GDAL reads members through /vsizip/; the checks here look at the central directory first and
refuse archives that are corrupt, would expand past a sane size (a zip bomb), or hold entries
whose names escape the archive (absolute or ..): such a name is either an attack or a broken
tool, and GDAL's own path handling of it should not be relied on.

Member names: a zip made on Chinese Windows stores GBK names without the UTF-8 flag, which
every reader then shows as CP437 mojibake (╣µ╗«╖╢╬º for 规划范围). Names are shown (and matched
to roles) decoded: the UTF-8 flag if set, else strict UTF-8, else GB18030, else CP437 as
stored; `--encoding` picks the codec instead. GDAL still opens members by their stored name.
"""

from __future__ import annotations

from collections import Counter

import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import InputError

# A planning submission is a few MB; reference layers can be a few hundred. 2 GiB is generous.
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_ENTRIES = 10_000
# What zipfile raises on a damaged archive: bad headers, an unknown version or compression
# method (NotImplementedError), corrupt deflate data (zlib.error), a bad CRC, a short read.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
              zlib.error, struct.error, OverflowError)


class Archive:
    """The members of a zip file: names, sizes and bytes, read without extracting."""

    def __init__(self, path: Path, name_encoding: str | None = None):
        self.path = path
        try:
            with zipfile.ZipFile(path) as zf:
                infos = [i for i in zf.infolist() if not i.is_dir()]
        except ZIP_ERRORS as exc:
            raise InputError(f"is not a readable zip archive ({exc})", path) from None
        if len(infos) > MAX_ENTRIES:
            raise InputError(f"zip archive has {len(infos)} entries (more than {MAX_ENTRIES}); refusing", path)
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise InputError(
                f"zip archive would expand to {total / 1024**3:.1f} GiB (limit "
                f"{MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GiB); refusing a possible zip bomb", path)
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise InputError(f"zip entry '{info.filename}' points outside the archive; refusing", path)
        self.sizes = {i.filename: i.file_size for i in infos}
        if len(self.sizes) < len(infos):  # zipfile would read the last copy, GDAL the first
            dup = next(name for name, n in Counter(i.filename for i in infos).items() if n > 1)
            raise InputError(f"zip archive holds the entry '{dup}' more than once; refusing an "
                             "ambiguous archive", path)
        decoded = {i.filename: member_name(i, name_encoding) for i in infos}
        self.names = {k: v[0] for k, v in decoded.items()}  # stored → as shown
        self.name_codecs = {k: v[1] for k, v in decoded.items() if v[1]}  # stored → codec, where not CP437

    def read(self, name: str, limit: int = -1) -> bytes:
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(name) as member:
                return member.read(limit)
        except ZIP_ERRORS as exc:
            raise InputError(f"zip entry '{name}' cannot be read ({exc})", self.path) from None

    def open(self, name: str):
        """A member for binary reading (seekable: zipfile re-reads from its start to seek back)."""
        try:
            zf = zipfile.ZipFile(self.path)
            return _Member(zf, zf.open(name), name, self.path)
        except ZIP_ERRORS as exc:
            raise InputError(f"zip entry '{name}' cannot be read ({exc})", self.path) from None

    main = None  # every vector member of an archive is a layer source

    def shown(self, name: str) -> str:
        return f"{self.path}/{self.names.get(name, name)}"

    def name_note(self, name: str) -> tuple[str, str] | None:
        """(zh, en) saying how a member's unflagged name was decoded, or None."""
        codec = self.name_codecs.get(name)
        if codec is None:
            return None
        return (f"压缩包成员名未带 UTF-8 标志（按 CP437 显示为“{name}”），按 {codec.upper()} 解码为“{self.names[name]}”",
                f"the zip member name has no UTF-8 flag (shown as '{name}' in CP437); decoded as {codec.upper()}: "
                f"'{self.names[name]}' (use --encoding if it looks wrong)")

    def gdal_path(self, name: str) -> str:
        return f"/vsizip/{self.path.resolve()}/{name}"


def member_name(info: zipfile.ZipInfo, codec: str | None = None) -> tuple[str, str | None]:
    """A member's name as its writer meant it, and the codec used if not CP437 (see the module
    docstring)."""
    if info.flag_bits & 0x800:  # the UTF-8 flag: Python already decoded it so
        return info.filename, None
    try:
        raw = info.filename.encode("cp437")  # zipfile decoded unflagged names as CP437
    except UnicodeEncodeError:
        return info.filename, None
    if raw.isascii():
        return info.filename, None
    for candidate in ([codec] if codec else ["utf-8", "gb18030"]):
        try:
            return raw.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    return info.filename, None


class _Member:
    """An open zip member whose read errors (bad CRC, corrupt deflate data) are InputErrors."""

    def __init__(self, zf, fh, name, path):
        self._zf, self._fh, self._name, self._path = zf, fh, name, path

    def _guard(self, op, *args):
        try:
            return op(*args)
        except ZIP_ERRORS as exc:
            raise InputError(f"zip entry '{self._name}' cannot be read ({exc})", self._path) from None

    def read(self, n: int = -1) -> bytes:
        return self._guard(self._fh.read, n)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._guard(self._fh.seek, offset, whence)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        self._zf.close()
