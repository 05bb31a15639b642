"""What a report was made from: the input files with their sha256, so a signed report can be
tied to exact bytes. Batch fingerprints (geocheck.batch.fingerprint) use the same file list."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def files_of(path: Path) -> list[Path]:
    """Every file a dataset at `path` consists of, sorted: a folder's files (recursively, links
    not followed, so a symlink loop cannot hang a run), or a file with its sidecars (names
    starting with its stem and a dot: a Shapefile's .shx/.dbf/.prj/.cpg, a GeoPackage's -wal is not)."""
    if path.is_dir():
        found: list[Path] = []
        for here, _, files in os.walk(path):
            found.extend(Path(here) / f for f in files)
        return sorted(found)
    stem = path.stem.lower() + "."
    try:
        siblings = [p for p in path.parent.iterdir() if p.name.lower().startswith(stem)]
    except OSError:
        siblings = []
    return sorted({path, *siblings})


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_digests(path: str | Path) -> list[dict]:
    """[{path, bytes, sha256}] for every regular file of the dataset at `path` (paths relative to a folder)."""
    p = Path(path)
    out = []
    for f in files_of(p):
        if not f.is_file():  # a FIFO or device beside the input is never opened
            continue
        try:
            digest, size = sha256_file(f), f.stat().st_size
        except OSError:
            digest, size = None, None
        out.append({"path": str(f.relative_to(p)) if p.is_dir() else str(f), "bytes": size, "sha256": digest})
    return out
