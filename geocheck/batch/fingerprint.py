"""Fingerprints: what a re-run compares to decide that a report is still the right answer.

The rule is "when in doubt, re-check": a fingerprint covers everything that can change a
report, and anything it cannot see (an unreachable server, an unreadable file) makes it unique,
so the submission is checked again.

* a submission: every file of it — all files under a folder or .gdb, a file with all its
  sidecars (town.shp → town.dbf, .shx, .prj, .cpg; town.gpkg → town.gpkg-wal) — by content;
* the run's context, computed once per batch: geocheck's version, the options, the profile
  file(s), the town-type catalogue and the config file by content, and every reference source:
  - files: every file of the dataset (sidecars, every file of a .gdb folder) by size,
    modification and change time and inode, and by content up to REFERENCE_CONTENT_LIMIT bytes.
    The change time (ctime) is set by the kernel on every write and cannot be set back by
    `touch` or a copy tool, so an edited .dbf is seen even when its size and mtime are kept;
  - PostGIS tables: the column definitions and a checksum of every row computed by the server
    (count and two 60-bit sums of md5(row::text); row::text holds the geometry as hex EWKB and
    every attribute). That is one sequential scan per batch; catalogue counters
    (pg_stat_user_tables) are cheaper but are updated asynchronously, reset with the statistics
    and do not change on an UPDATE that keeps the row count, so they cannot prove "unchanged".
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import asdict
from pathlib import Path

from .. import __version__
from ..errors import GeocheckError
from ..provenance import files_of

REFERENCE_CONTENT_LIMIT = 256 * 1024 * 1024  # bytes hashed per reference dataset (≈ 0.5 s)
_CHUNK = 1 << 20


def _update(h, path: Path, root: Path, *, content: bool, signature: bool) -> int:
    """Add one file to `h`: its name, type, size (signature: times, inode) and (content) bytes.
    Only regular files are opened: a FIFO would block the batch."""
    h.update(b"\0" + str(path.relative_to(root) if path != root else path.name).encode("utf-8", "surrogateescape"))
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        h.update(f"|unstatable {exc}|".encode() + os.urandom(16))  # unknown: never equal, so re-checked
        return 0
    if not stat.S_ISREG(st.st_mode):
        h.update(f"|mode {stat.S_IFMT(st.st_mode)}".encode())
        return 0
    h.update(f"|{st.st_size}".encode())
    if signature:
        h.update(f"|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}".encode())
    if content:
        try:
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    h.update(chunk)
        except OSError:
            h.update(b"|unreadable" + os.urandom(16))
    return st.st_size


def dataset_digest(path: str | Path, *, content_limit: int | None = None, signature: bool = False) -> str:
    """Digest of every file of a dataset (see files_of): content of all of them, or only while
    their total size stays within `content_limit` (then `signature` stands for the rest)."""
    root = Path(path)
    h = hashlib.sha256()
    files = files_of(root)
    total = sum(_size(f) for f in files)
    content = content_limit is None or total <= content_limit
    base = root if root.is_dir() else root.parent
    for f in files:
        _update(h, f, base, content=content, signature=signature or not content)
    return h.hexdigest()


def _size(p: Path) -> int:
    try:
        return p.stat().st_size if p.is_file() else 0
    except OSError:
        return 0


def reference_digest(spec) -> str:
    """Fingerprint of one reference source (a ReferenceSpec)."""
    if spec.is_postgis:
        return postgis_digest(spec)
    return dataset_digest(spec.source, content_limit=REFERENCE_CONTENT_LIMIT, signature=True)


def postgis_digest(spec) -> str:
    """Columns and a checksum of every row of a PostGIS table, computed by the server; a nonce
    (never equal to an earlier fingerprint) when the server cannot be asked."""
    try:
        import psycopg
        from psycopg import sql

        from ..references.backends.postgis import split_table

        dsn = spec.source[3:].strip() if spec.source[:3].upper() == "PG:" else spec.source
        schema, table, _ = split_table(spec.layer)
        name = sql.Identifier(schema, table) if schema else sql.Identifier(table)
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            columns = conn.execute(
                "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) "
                "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (name.as_string(conn),)).fetchone()
            rows = conn.execute(sql.SQL(
                "SELECT count(*), sum(('x' || substr(h, 1, 15))::bit(60)::bigint), "
                "sum(('x' || substr(h, 16, 15))::bit(60)::bigint) FROM (SELECT md5(t::text) AS h FROM {} t) s"
            ).format(name)).fetchone()
        if columns is None or rows is None:  # aggregates always return a row; be explicit anyway
            raise LookupError(f"no checksum row for {spec.layer}")
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot prove unchanged"
        return f"unavailable:{type(exc).__name__}:{os.urandom(16).hex()}"
    return hashlib.sha256(json.dumps([columns[0], *map(str, rows)]).encode()).hexdigest()


def _profile_digest(name: str | None) -> str:
    """The profile file's sha256 as it is now: read every time (load_profile caches its parse by
    content, not by name), so a process that runs two rounds sees a profile edited in between."""
    from ..profile import load_profile

    try:
        return load_profile(name).sha256
    except (GeocheckError, OSError):
        return "unloadable:" + os.urandom(16).hex()


def _town_types() -> dict:
    from ..profile import town_types

    try:
        return town_types()
    except Exception:  # noqa: BLE001 - unreadable: never equal to an earlier run
        return {"unreadable": os.urandom(16).hex()}


def context_digest(options, report_options=None) -> str:
    """Everything every submission of a run is checked and written with (computed once, in the parent)."""
    h = hashlib.sha256()
    written = asdict(report_options) if report_options is not None else None
    h.update(json.dumps([__version__, asdict(options), written], sort_keys=True, default=str).encode())
    h.update(_profile_digest(options.profile).encode())
    h.update(json.dumps(_town_types(), sort_keys=True).encode())  # the catalogue exemptions are granted to
    config_file = getattr(options.config, "path", None)
    if config_file:
        h.update(dataset_digest(config_file).encode())
    for spec in options.references:
        h.update(reference_digest(spec).encode())
    return h.hexdigest()


def job_fingerprint(job, context: str) -> str:
    """Changes when the submission's files, its own options and profile or the run's context change."""
    h = hashlib.sha256()
    h.update(json.dumps([context, job.path, job.options]).encode())
    if job.profile:
        h.update(_profile_digest(job.profile).encode())
    h.update(dataset_digest(job.path).encode())
    return h.hexdigest()
