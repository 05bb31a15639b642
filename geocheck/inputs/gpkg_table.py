"""A GeoPackage feature table read straight from SQLite, when that reads exactly what GDAL would.

GDAL opens a GeoPackage afresh for every layer pyogrio reads (about 2.5 ms each here), which
was a quarter of a batch's time per town. A submission's GeoPackage is already open read-only
through sqlite3 (for its geometry blobs), so a plain feature table is read from there: one
query per layer, the blobs' WKB handed to GEOS. The result is the frame pyogrio would give
(same columns, dtypes, feature-id index, geometries and CRS); tests/test_gpkg_table.py holds
the two readers to that on GeoPackages written by GDAL and by ogr2ogr.

Anything outside that plain case returns None and the layer is read by GDAL as before: a
column type other than TEXT/INTEGER/REAL/DOUBLE, a NULL in an INTEGER column, a geometry that
is not a simple feature GEOS reads (curves, M values, the empty flag, a blob off the spec), a
CRS other than a plain EPSG code, text that is not UTF-8.
"""

from __future__ import annotations

import functools
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
from pyproj import CRS
from pyproj.exceptions import CRSError

from .records import feature_table, gpkg_wkb, quoted, wkb_type

# Declared column types (upper case, length cut off) whose values sqlite3 and GDAL give alike.
PLAIN_TYPES = {"TEXT": "text", "INTEGER": "integer", "REAL": "real", "DOUBLE": "real"}
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
KNOWN_VERSIONS = (10200, 10300, 10400)  # GeoPackage 1.2–1.4 (1.0/1.1 files carry application id GP10/GP11)
SIMPLE_TYPES = set(range(1, 8)) | set(range(1001, 1008))  # ISO WKB 2D and Z simple features


def read_plain_table(conn: sqlite3.Connection, layer: str, blobs: dict[int, bytes]) -> gpd.GeoDataFrame | None:
    """The feature table of `layer` as pyogrio.read_dataframe(fid_as_index=True) reads it, or None
    when the table is not plain enough to be sure of that (GDAL then reads it). `blobs`: the
    layer's geometry blobs by feature id, as records.gpkg_blobs read them (the geometry column is
    not read again)."""
    try:
        return _read(conn, layer, blobs)
    except (sqlite3.Error, UnicodeDecodeError, ValueError, shapely.errors.GEOSException):
        return None


def _read(conn: sqlite3.Connection, layer: str, blobs: dict[int, bytes]) -> gpd.GeoDataFrame | None:
    # A file GDAL would remark on when opening it (another application id, a GeoPackage version
    # it only partly supports): GDAL reads it and the remark reaches the report.
    if conn.execute("PRAGMA application_id").fetchone()[0] != GPKG_APPLICATION_ID:
        return None
    if conn.execute("PRAGMA user_version").fetchone()[0] not in KNOWN_VERSIONS:
        return None
    table = feature_table(conn, layer)
    if table is None:
        return None
    kind = conn.execute("SELECT data_type FROM gpkg_contents WHERE lower(table_name) = lower(?)",
                        (table.name,)).fetchone()
    crs = _crs(conn, table.srs_id)
    keys = [c for c in table.columns if c[5]]
    if kind is None or str(kind[0]).lower() != "features" or crs is None:
        return None
    if len(keys) != 1 or str(keys[0][2]).upper() != "INTEGER":
        return None
    typed = [(str(c[1]), _plain_type(c[2])) for c in table.columns if c[1] not in (table.fid, table.geometry)]
    fields = [(name, kind) for name, kind in typed if kind is not None]
    if len(fields) < len(typed) or any(name.lower() in ("geometry", table.fid.lower()) for name, _ in fields):
        return None
    wkbs = {fid: _simple_wkb(blob) for fid, blob in blobs.items()}
    if any(wkb is None for wkb in wkbs.values()):
        return None
    select = ", ".join(quoted(n) for n in [table.fid] + [name for name, _ in fields])
    rows = conn.execute(f"SELECT {select} FROM {quoted(table.name)} ORDER BY 1").fetchall()
    fids = [int(row[0]) for row in rows]
    geoms = shapely.from_wkb(np.array([wkbs.get(fid) for fid in fids], dtype=object), on_invalid="raise")
    data = {}
    for i, (name, kind) in enumerate(fields, start=1):
        column = _column([row[i] for row in rows], kind)
        if column is None:
            return None
        data[name] = column
    index = pd.Index(np.array(fids, dtype=np.int64), name="fid")
    frame = pd.DataFrame(data, columns=[name for name, _ in fields], index=index)  # as pyogrio builds it
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=index, crs=crs))


def _simple_wkb(blob: bytes) -> bytes | None:
    """The blob's WKB when GEOS reads it as GDAL would: a simple feature, 2D or Z, not flagged
    empty (None otherwise: curves, M values, the empty flag, a blob off the spec)."""
    wkb = gpkg_wkb(blob)  # None for a blob too short to hold a header
    if wkb is None or blob[3] & 0x10 or wkb_type(wkb) not in SIMPLE_TYPES:
        return None
    return wkb


def _plain_type(declared) -> str | None:
    base = str(declared or "").upper().split("(")[0].strip()
    return PLAIN_TYPES.get(base)


def _column(values: list, kind: str):
    """One attribute column as pyogrio builds it (None when sqlite3's values do not fit the type)."""
    if kind == "text":
        if not all(v is None or isinstance(v, str) for v in values):
            return None
        return np.array(values, dtype=object)  # pandas infers the text dtype, as for pyogrio's arrays
    if kind == "integer":
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return None  # NULLs (GDAL gives floats with NaN) and stray types: GDAL's call
        return np.array(values, dtype=np.int64)
    if not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _crs(conn: sqlite3.Connection, srs_id) -> CRS | None:
    row = conn.execute("SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
                       "WHERE srs_id = ?", (srs_id,)).fetchone()
    if row is None or str(row[0]).upper() != "EPSG" or not isinstance(row[1], int):
        return None
    return _epsg_crs(row[1], str(row[2]))


@functools.lru_cache(maxsize=64)
def _epsg_crs(code: int, definition: str) -> CRS | None:
    """The EPSG code's CRS (one object, parsed once; pyproj CRS objects are immutable) when the
    spatial_ref_sys row's WKT is that CRS; None when it is not (a hand-edited row: GDAL decides
    what it means)."""
    try:
        crs = CRS.from_epsg(code)
        return crs if crs.equals(CRS.from_wkt(definition), ignore_axis_order=True) else None
    except CRSError:
        return None
