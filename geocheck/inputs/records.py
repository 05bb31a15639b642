"""No silent drops: a stored geometry GDAL could not decode is an input error, never a gap.

GDAL reads a record it cannot decode (a corrupt GeoPackage blob, a Shapefile record whose
counts or offsets are wrong) as a feature *without* geometry and only warns. Measured without
it, a construction polygon lying on a red line would simply vanish and the overlap check pass.
So every feature read without geometry must be one whose storage really holds none: a null
shape in a Shapefile (found while walking its records, see shapefile.check_records), a NULL
geometry column in a GeoPackage or other SQLite dataset (asked of SQLite itself). A GeoPackage's
stored blobs are also parsed on their own (off_spec_blobs): GDAL makes a shape of some broken ones.
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from pathlib import PurePosixPath

import pyogrio
import shapely
import shapely.errors
from pyogrio.errors import DataLayerError, DataSourceError

from ..errors import InputError
from .safety import ReadonlySqlite, quiet_gdal

MAX_LISTED = 3


def refuse_undecoded(ref, frame, blobs: dict[int, bytes] | None) -> None:
    """InputError naming the file, layer and records stored with a geometry but read without one,
    or stored as something that is no geometry. `blobs`: the layer's gpkg_blobs."""
    missing = [fid for fid, g in zip(frame.index, frame.geometry) if g is None]
    if blobs is not None:
        bad = [fid for fid in missing if int(fid) in blobs] or off_spec_blobs(blobs)
    else:
        bad = undecoded(missing, null_records=ref.null_records, gdal_path=ref.gdal_path, layer=ref.layer,
                        name=ref.name, shown=ref.file)
    if bad:
        raise undecoded_error(ref.name, bad, ref.file)


GPKG_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
SIMPLE_WKB_TYPES = range(1, 8)  # what GEOS reads; curves (8–17) are left to GDAL
# OGR's names of the WKB geometry types 1–17 (getGeometryName: no Z or M suffix)
WKB_TYPE_NAMES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
                  "GEOMETRYCOLLECTION", "CIRCULARSTRING", "COMPOUNDCURVE", "CURVEPOLYGON", "MULTICURVE",
                  "MULTISURFACE", "CURVE", "SURFACE", "POLYHEDRALSURFACE", "TIN", "TRIANGLE")


@dataclass(frozen=True)
class FeatureTable:
    """A GeoPackage feature table as its own tables declare it."""

    name: str  # as stored (the layer name may differ in case)
    geometry: str  # the geometry column
    fid: str  # its integer primary key ("rowid" when it declares none)
    srs_id: int | None
    columns: list[tuple]  # PRAGMA table_info rows: cid, name, declared type, notnull, default, pk


def feature_table(conn: sqlite3.Connection, layer: str) -> FeatureTable | None:
    """The GeoPackage feature table of `layer`, None when the file has none by that name (a
    SpatiaLite table, say)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_geometry_columns'").fetchone():
        return None
    row = conn.execute("SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns "
                       "WHERE lower(table_name) = lower(?)", (layer,)).fetchone()
    if row is None:
        return None
    columns = conn.execute(f"PRAGMA table_info({quoted(str(row[0]))})").fetchall()
    keys = [c for c in columns if c[5]]
    return FeatureTable(str(row[0]), str(row[1]), str(keys[0][1]) if len(keys) == 1 else "rowid", row[2], columns)


def quoted(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def gpkg_blobs(ref, sqlite: ReadonlySqlite) -> dict[int, bytes] | None:
    """Feature id → stored geometry blob (NULL geometries left out) of a GeoPackage layer; None
    when the layer is no GeoPackage feature table. The blobs serve the off-spec check, the
    curve-type and M notes and, for a plain layer, the geometries themselves (gpkg_table). A
    GeoPackage on disk is read with SQLite through a read-only connection (`sqlite`, shared by
    the submission's layers): one query, where GDAL's SQL costs two dataset opens."""
    if ref.null_records is not None:  # a Shapefile
        return None
    if ref.sqlite_file is None:  # a GeoPackage zipped: ask GDAL; anything else (GeoJSON, .fgb …) holds no blobs
        zipped_gpkg = PurePosixPath(ref.gdal_path).suffix.lower() == ".gpkg"
        return _gdal_gpkg_blobs(ref.gdal_path, ref.layer, ref.name, ref.file) if zipped_gpkg else None
    try:
        table = feature_table(sqlite.connection(ref.sqlite_file), str(ref.layer))
        if table is None:
            return None
        geom = quoted(table.geometry)
        rows = sqlite.connection(ref.sqlite_file).execute(
            f"SELECT {quoted(table.fid)}, {geom} FROM {quoted(table.name)} WHERE {geom} IS NOT NULL").fetchall()
    except sqlite3.Error as exc:
        raise InputError(f"layer '{ref.name}' cannot be read ({exc})", ref.file) from None
    return {int(n): b if isinstance(b, bytes) else str(b).encode() for n, b in rows}


def _gdal_gpkg_blobs(gdal_path, layer_name, name, shown) -> dict[int, bytes] | None:
    try:
        with quiet_gdal(listing=True):
            info = pyogrio.read_info(gdal_path, layer=layer_name)
            if str(info.get("driver")) != "GPKG" or not info.get("geometry_name"):
                return None
            fid, geom = info.get("fid_column") or "rowid", info["geometry_name"]
            layer = str(layer_name).replace('"', '""')
            rows = pyogrio.read_dataframe(
                gdal_path, sql=f'SELECT "{fid}" + 0 AS n, hex("{geom}") AS h FROM "{layer}" WHERE "{geom}" IS NOT NULL',
                read_geometry=False)  # + 0: a column, not the FID
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(f"layer '{name}' cannot be read ({exc})", shown) from None
    return {int(n): bytes.fromhex(h) for n, h in zip(rows["n"], rows["h"])} if len(rows) else {}


def off_spec_blobs(blobs: dict[int, bytes]) -> list[int]:
    """Features whose stored blob is not a geometry by the GeoPackage spec, although GDAL made
    something of it (a flipped flag bit makes it skip an "envelope" into the WKB and read
    garbage as a shape). Each blob is parsed here on its own: header, envelope, WKB, and the
    envelope, when there is one, must hold the geometry. Submission layers only: they are small."""
    return [fid for fid, blob in blobs.items() if not _blob_ok(blob)]


def gpkg_wkb(blob: bytes | None) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob (header, optional envelope, WKB), None if it is none."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        return None
    env = GPKG_ENVELOPE_BYTES.get((blob[3] >> 1) & 7)
    if env is None or len(blob) < 8 + env + 5 or blob[8 + env] not in (0, 1):
        return None
    return blob[8 + env:]


def wkb_type(wkb: bytes) -> int:
    """The geometry type code at the head of a WKB (ISO: 1003 is a polygon Z)."""
    return int.from_bytes(wkb[1:5], "little" if wkb[0] == 1 else "big")


def geos_reads(wkb: bytes) -> bool:
    """Whether GEOS reads the WKB's geometry type (curves and the like are GDAL's to linearise)."""
    return wkb_type(wkb) % 1000 in SIMPLE_WKB_TYPES


def any_measured(blobs: dict[int, bytes]) -> bool:
    """Whether a stored geometry carries M values (ISO WKB types 2xxx and 3xxx, or the EWKB M flag)."""
    for wkb in map(gpkg_wkb, blobs.values()):
        if wkb is not None:
            code = wkb_type(wkb)
            if code & 0x40000000 or (code & 0x0FFFFFFF) // 1000 in (2, 3):
                return True
    return False


def geometry_type_names(blobs: dict[int, bytes]) -> set[str]:
    """OGR's names of the geometry types stored in GeoPackage blobs (as OGR SQL's OGR_GEOMETRY gives them)."""
    kinds = {(wkb_type(w) & 0x0FFFFFFF) % 1000 for w in map(gpkg_wkb, blobs.values()) if w is not None}  # no Z, M
    return {WKB_TYPE_NAMES[k - 1] for k in kinds if 1 <= k <= len(WKB_TYPE_NAMES)}


def _blob_ok(blob: bytes) -> bool:
    if len(blob) < 8 or blob[:2] != b"GP":
        return False
    flags = blob[3]
    env = GPKG_ENVELOPE_BYTES.get((flags >> 1) & 7)
    if env is None or len(blob) < 8 + env + 5:
        return False
    if flags & 0x10:  # the empty-geometry flag
        return True
    wkb = gpkg_wkb(blob)
    if wkb is None:
        return False
    if not geos_reads(wkb):
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
