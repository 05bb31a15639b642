"""Zip archives, read in place: never extracted, so an entry named ../../x can do nothing.

GDAL reads members through /vsizip/; the checks here look at the central directory first and
refuse archives that are corrupt, would expand past a sane size (a zip bomb), or hold entries
whose names escape the archive (absolute or ..): such a name is either an attack or a broken
tool, and GDAL's own path handling of it should not be relied on.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from .errors import InputError

# A planning submission is a few MB; reference layers can be a few hundred. 2 GiB is generous.
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_ENTRIES = 10_000


class Archive:
    """The members of a zip file: names, sizes and bytes, read without extracting."""

    def __init__(self, path: Path):
        self.path = path
        try:
            with zipfile.ZipFile(path) as zf:
                infos = [i for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
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

    def read(self, name: str, limit: int = -1) -> bytes:
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(name) as member:
                return member.read(limit)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            raise InputError(f"zip entry '{name}' cannot be read ({exc})", self.path) from None

    main = None  # every vector member of an archive is a layer source

    def shown(self, name: str) -> str:
        return f"{self.path}/{name}"

    def gdal_path(self, name: str) -> str:
        return f"/vsizip/{self.path.resolve()}/{name}"
