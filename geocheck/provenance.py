"""What a report was made from: the input files with their sha256, and a fingerprint per
reference source, so a signed report can be tied to exact bytes (and a batch can tell when
anything it depends on changed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")


def dataset_files(path: str | Path) -> list[Path]:
    """Every file a dataset is made of: a folder's (or .gdb's) files, a Shapefile's sidecars, or the file."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.rglob("*") if f.is_file())
    if p.suffix.lower() == ".shp":
        stem = p.with_suffix("")
        return sorted(f for f in p.parent.glob(f"{glob_escape(stem.name)}.*")
                      if f.is_file() and f.name[len(stem.name):].lower() in SHAPEFILE_SIDECARS)
    return [p] if p.is_file() else []


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_digests(path: str | Path) -> list[dict]:
    """[{path, bytes, sha256}] for every file of the dataset at `path` (paths relative to a folder)."""
    p = Path(path)
    out = []
    for f in dataset_files(p):
        try:
            digest, size = sha256_file(f), f.stat().st_size
        except OSError:
            digest, size = None, None
        out.append({"path": str(f.relative_to(p)) if p.is_dir() else str(f), "bytes": size, "sha256": digest})
    return out


def combined_digest(digests: list[dict]) -> str:
    """One sha256 over a list of file digests (names included, so a rename counts as a change)."""
    h = hashlib.sha256()
    for d in digests:
        h.update(f"{d['path']}\0{d['sha256']}\0".encode())
    return h.hexdigest()
