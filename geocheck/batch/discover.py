"""Finding the submissions of a round: a folder walked by the format registry, or a manifest CSV.

Discovery never stops for one bad entry: a symlink loop, a FIFO, a manifest row without a
path becomes a Job with a `problem`, which the run reports as one `error` row. Every job gets
a report folder name that is safe on any file system: no separators or control characters,
not the name of a summary file, short enough for NAME_MAX, unique even on a case-insensitive
disk.
"""

from __future__ import annotations

import csv
import difflib
import errno
import hashlib
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..inputs.encoding import DETECT_ORDER
from ..errors import ConfigError, InputError
from ..inputs.formats import DATASET_FOLDER_SUFFIXES, FOLDER_MARKER_SUFFIXES, SUBMISSION_FILE_SUFFIXES
from ..options import MANIFEST_COLUMNS, OPTIONS, manifest_values
from ..profile import profile_beside

# Check options a manifest row cannot set (reference layers are opened once for the round): name → flag
ROUND_ONLY = {o.name: o.flags[-1] for o in OPTIONS if not o.manifest}
MANIFEST_MAX_BYTES = 16 * 1024 * 1024  # a manifest of 100 000 rows is ~10 MB
NAME_MAX_BYTES = 96  # report folder names; the files inside add their own names to the path
# Names the batch writes at the top of its output folder: no submission's folder may take them.
SUMMARY_FILES = ("summary.csv", "summary.json", "index.html")
LOCK_NAME = ".geocheck-batch.lock"
RESERVE_NAME = ".geocheck-reserve"


@dataclass(frozen=True)
class Job:
    """One submission of a batch."""

    path: str
    name: str  # unique, safe folder name for its report
    problem: str | None = None  # known unreadable at discovery: reported as an error, never checked
    options: tuple = ()  # its manifest row's option values: (geocheck.options.OPTIONS name, value) pairs

    @property
    def profile(self) -> str | None:
        """The row's own profile, if it names one."""
        return dict(self.options).get("profile")


def discover(source: str | Path, *, exclude: Iterable[str | Path] = ()) -> list[Job]:
    """Jobs from a folder (every file of a format in geocheck.inputs.formats, every .gdb and folder of
    Shapefiles below it) or from a manifest CSV with columns path[, name] and any of
    geocheck.options.MANIFEST_COLUMNS (profile, town_type, boundary, encoding …)."""
    source = Path(source)
    if not os.path.lexists(source):
        raise InputError("does not exist", source)
    if source.suffix.lower() == ".csv" and not source.is_dir():
        return _from_manifest(source)
    if not source.is_dir():
        raise InputError("is neither a folder of submissions nor a manifest .csv", source)
    skip = {r for r in map(_resolved, exclude) if r is not None}
    found: list[tuple] = []  # (path, name, problem, options)
    for folder, dirs, files in os.walk(source):  # symlinked folders are not followed: no loops
        here = Path(folder)
        if _resolved(here) in skip:
            dirs[:] = []
            continue
        dirs.sort()
        if here.suffix.lower() in DATASET_FOLDER_SUFFIXES or any(
                Path(f).suffix.lower() in FOLDER_MARKER_SUFFIXES for f in files):
            found.append((here, None, None, ()))  # a File Geodatabase or a folder of Shapefiles is one submission
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if _resolved(here / d) not in skip]
        for f in sorted(files):
            p = here / f
            if p.suffix.lower() in SUBMISSION_FILE_SUFFIXES and _resolved(p) not in skip:  # a loop resolves to None
                found.append((p, None, entry_problem(p, folders=False), ()))
    found.sort(key=lambda e: e[0])
    return _named(found, source)


def entry_problem(path: Path, *, folders: bool = True) -> str | None:
    """Why `path` cannot be a submission (checked without opening it), or None."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
        if os.path.islink(path):
            return "is a symbolic link to a missing file"
        if exc.errno == errno.ENAMETOOLONG:
            return "path is too long for the file system"
        if exc.errno == errno.ENOENT:
            return "does not exist"
        return f"cannot be read ({os.strerror(exc.errno).lower() if exc.errno else exc})"
    except ValueError:  # an embedded NUL byte
        return "is not a valid path (it contains a NUL character)"
    if stat.S_ISREG(st.st_mode) or (folders and stat.S_ISDIR(st.st_mode)):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "is a folder"
    return "is not a regular file (a FIFO, device or socket)"


def _resolved(p: str | Path) -> Path | None:
    try:
        return Path(p).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop
        return None


# ---------------------------------------------------------------- manifests

def read_manifest_text(manifest: Path) -> str:
    """The manifest as text: UTF-8 (with or without BOM), else GB18030 (what Excel on Chinese
    Windows saves as "CSV"); only regular files, at most MANIFEST_MAX_BYTES."""
    problem = entry_problem(manifest, folders=False)
    if problem:
        raise InputError(problem, manifest)
    try:
        with manifest.open("rb") as fh:
            raw = fh.read(MANIFEST_MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read manifest ({os.strerror(exc.errno).lower() if exc.errno else exc})",
                         manifest) from None
    if len(raw) > MANIFEST_MAX_BYTES:
        raise InputError(f"manifest is larger than {MANIFEST_MAX_BYTES // (1024 * 1024)} MB", manifest)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for codec in DETECT_ORDER:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    raise InputError("manifest is neither UTF-8 nor GBK/GB18030 text", manifest)


def _from_manifest(manifest: Path) -> list[Job]:
    text = read_manifest_text(manifest)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"cannot read manifest ({exc})", manifest) from None
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "path" not in header:
        raise InputError(f"manifest needs a 'path' column (and optionally 'name', {', '.join(MANIFEST_COLUMNS)})",
                         manifest)
    known = ("path", "name", *MANIFEST_COLUMNS)
    for h in header:  # a column of the reviewer's own (县区, 备注) is left alone; one meant as an option is not
        close = difflib.get_close_matches(h, [*known, *ROUND_ONLY], n=1, cutoff=0.8) if h and h not in known else []
        if close and close[0] in ROUND_ONLY:  # ignored, the row would run without what it asks for
            raise InputError(f"manifest column '{h}': {ROUND_ONLY[close[0]]} is set for the whole round, not per "
                             f"submission; give it to geocheck batch (columns: {', '.join(known)})", manifest)
        if close:
            raise InputError(f"manifest column '{h}' is no option geocheck knows; did you mean '{close[0]}'? "
                             f"(columns: {', '.join(known)})", manifest)
    col = {h: header.index(h) for h in known if h in header}
    entries: list[tuple[Path, str | None, str | None, tuple]] = []  # (path, name, problem, options)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        cells = {h: (row[i].strip() if i < len(row) else "") for h, i in col.items()}
        name = cells.pop("name", "") or None
        path = cells.pop("path")
        if cells.get("profile"):
            cells["profile"] = profile_beside(cells["profile"], manifest.parent)  # as the path column is
        try:
            options, problem = manifest_values(cells, f"manifest line {number}"), None
        except ConfigError as exc:
            options, problem = (), str(exc)  # one bad cell is that row's error, never the round's
        if not path:
            entries.append((manifest, name or f"manifest-line-{number}", f"manifest line {number} gives no path",
                            options))
            continue
        p = Path(path)
        if not p.is_absolute():
            p = manifest.parent / p  # paths in a manifest are relative to the manifest
        entries.append((p, name, problem or entry_problem(p), options))
    return _named(entries, manifest.parent)


# ---------------------------------------------------------------- report folder names

def _named(entries, root: Path) -> list[Job]:
    jobs, used = [], set()
    for path, name, problem, options in entries:
        if name is None:
            try:
                rel = Path(path).relative_to(root)
            except ValueError:
                rel = Path(Path(path).name)
            name = str(rel.with_suffix("")) if rel.suffix else str(rel)
            name = name if name not in (".", "") else (_resolved(path) or Path("submission")).name
        safe = folder_name(name)
        unique, k = safe, 2
        while unique.lower() in used:
            unique, k = f"{safe}-{k}", k + 1
        used.add(unique.lower())
        jobs.append(Job(str(path), unique, problem, options))
    return jobs


def folder_name(name: str) -> str:
    """A report folder name for a submission name: separators, control and space characters become
    '__'; a name of a summary file gets '-submission'; a long name is cut (in UTF-8 bytes) and
    keeps a hash of the whole so cut names stay distinct."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in name)
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "__", cleaned).strip("_.") or "submission"
    if len(safe.encode()) > NAME_MAX_BYTES:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:10]
        safe = safe.encode()[:NAME_MAX_BYTES - 11].decode("utf-8", "ignore").rstrip("_.") + "-" + digest
    if safe.lower() in SUMMARY_FILES:
        safe += "-submission"
    return safe
