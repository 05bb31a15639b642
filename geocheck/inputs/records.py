"""No silent drops: a stored geometry GDAL could not decode is an input error, never a gap.

GDAL reads a record it cannot decode (a corrupt GeoPackage blob, a Shapefile record whose
counts or offsets are wrong) as a feature *without* geometry and only warns. Measured without
it, a construction polygon lying on a red line would simply vanish and the overlap check pass.
So every feature read without geometry must be one whose storage really holds none: a null
shape in a Shapefile (found while walking its records, see shapefile.check_records), a NULL
geometry column in a GeoPackage or other SQLite dataset (asked of SQLite itself).
"""

from __future__ import annotations

import sqlite3
import struct

import pyogrio
import shapely
import shapely.errors
from pyogrio.errors import DataLayerError, DataSourceError

from ..errors import InputError
from .safety import quiet_gdal

MAX_LISTED = 3


def refuse_undecoded(ref, frame) -> None:
    """InputError naming the file, layer and records stored with a geometry but read without one."""
    missing = [fid for fid, g in zip(frame.index, frame.geometry) if g is None]
    bad = undecoded(missing, null_records=ref.null_records, gdal_path=ref.gdal_path, layer=ref.layer,
                    name=ref.name, shown=ref.file)
    if not bad and ref.null_records is None:
        bad = off_spec_gpkg_blobs(ref.gdal_path, ref.layer, ref.name, ref.file)
    if bad:
        raise undecoded_error(ref.name, bad, ref.file)


GPKG_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
SIMPLE_WKB_TYPES = range(1, 8)  # what GEOS reads; curves (8–17) are left to GDAL


def off_spec_gpkg_blobs(gdal_path, layer_name, name, shown) -> list[int]:
    """GeoPackage features whose stored blob is not a geometry by the GeoPackage spec, although
    GDAL made something of it (a flipped flag bit makes it skip an "envelope" into the WKB and
    read garbage as a shape). Each blob is parsed here on its own: header, envelope, WKB, and the
    envelope, when there is one, must hold the geometry. Submission layers only: they are small."""
    try:
        with quiet_gdal(listing=True):
            info = pyogrio.read_info(gdal_path, layer=layer_name)
            if str(info.get("driver")) != "GPKG" or not info.get("geometry_name"):
                return []
            fid, geom = info.get("fid_column") or "rowid", info["geometry_name"]
            layer = str(layer_name).replace('"', '""')
            rows = pyogrio.read_dataframe(
                gdal_path, sql=f'SELECT "{fid}" + 0 AS n, hex("{geom}") AS h FROM "{layer}" WHERE "{geom}" IS NOT NULL',
                read_geometry=False)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(f"layer '{name}' cannot be read ({exc})", shown) from None
    return [int(n) for n, h in zip(rows["n"], rows["h"]) if not _blob_ok(bytes.fromhex(h))] if len(rows) else []


def _blob_ok(blob: bytes) -> bool:
    if len(blob) < 8 or blob[:2] != b"GP":
        return False
    flags = blob[3]
    env = GPKG_ENVELOPE_BYTES.get((flags >> 1) & 7)
    if env is None or len(blob) < 8 + env + 5:
        return False
    if flags & 0x10:  # the empty-geometry flag
        return True
    wkb = blob[8 + env:]
    kind = int.from_bytes(wkb[1:5], "little" if wkb[0] == 1 else "big") if wkb[0] in (0, 1) else -1
    if kind < 0:
        return False
    if kind % 1000 not in SIMPLE_WKB_TYPES:
        return True  # curves and other types GEOS cannot read: GDAL's reading stands
    try:
        geom = shapely.from_wkb(wkb, on_invalid="fix")
    except shapely.errors.GEOSException:
        return False
    if geom is None:
        return False
    if env and not geom.is_empty:
        order = "<" if flags & 1 else ">"
        x0, x1, y0, y1 = struct.unpack(order + "4d", blob[8:40])
        b = geom.bounds
        slack = 1e-6 * max(1.0, *(abs(v) for v in b))
        if not (x0 - slack <= b[0] and b[2] <= x1 + slack and y0 - slack <= b[1] and b[3] <= y1 + slack):
            return False
    return True


def undecoded(missing, *, null_records, gdal_path, layer, name, shown) -> list:
    """Of the features `missing` a geometry when read, those whose storage holds one."""
    if not missing:
        return []
    if null_records is not None:  # a Shapefile: its null shapes were listed while walking it
        return [fid for fid in missing if int(fid) not in null_records]
    stored = _stored_geometry_fids(gdal_path, layer, name, shown)
    return [] if stored is None else [fid for fid in missing if int(fid) in stored]


def undecoded_error(layer_name, fids, shown) -> InputError:
    listed = ", ".join(str(f) for f in fids[:MAX_LISTED])
    more = f" and {len(fids) - MAX_LISTED} more" if len(fids) > MAX_LISTED else ""
    return InputError(f"layer '{layer_name}': the stored geometry of feature {listed}{more} cannot be "
                      "decoded (corrupt record); refusing to go on without it", shown)


def _stored_geometry_fids(gdal_path, layer_name, name, shown) -> set[int] | None:
    """Feature ids whose geometry column is not NULL, for SQLite-based datasets (else None)."""
    try:
        with quiet_gdal(listing=True):
            info = pyogrio.read_info(gdal_path, layer=layer_name)
            if str(info.get("driver")) not in ("GPKG", "SQLite"):
                return None
            fid, geom = info.get("fid_column") or "rowid", info.get("geometry_name")
            if not geom:
                return None
            layer = str(layer_name).replace('"', '""')
            rows = pyogrio.read_dataframe(
                gdal_path, sql=f'SELECT "{fid}" + 0 AS n FROM "{layer}" WHERE "{geom}" IS NOT NULL',  # + 0: a column, not the FID
                read_geometry=False)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(f"layer '{name}' cannot be read ({exc})", shown) from None
    return {int(v) for v in rows.iloc[:, 0]} if len(rows.columns) else set()


def indexed_fids(conn, layer_name, geometry_name, box) -> set[int] | None:
    """Feature ids a GeoPackage's R-tree places in `box` (None without one).

    A spatial filter drops a feature whose geometry does not decode (GDAL cannot test it against
    the box) without a word: a red-line polygon would vanish from the candidates. The R-tree
    still lists it, so the ids it gives and the features read must agree. `conn` is a read-only
    sqlite3 connection (inputs_safety.sqlite_readonly), kept open across towns.
    """
    rtree = f"rtree_{layer_name}_{geometry_name}".replace('"', '""')
    try:
        rows = conn.execute(f'SELECT id FROM "{rtree}" WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?',
                            (float(box[0]), float(box[2]), float(box[1]), float(box[3]))).fetchall()
    except sqlite3.Error:
        return None  # no R-tree: nothing to compare with
    return {int(r[0]) for r in rows}
