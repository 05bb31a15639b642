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

from .records import gpkg_wkb, wkb_type

# Declared column types (upper case, length cut off) whose values sqlite3 and GDAL give alike.
PLAIN_TYPES = {"TEXT": "text", "INTEGER": "integer", "REAL": "real", "DOUBLE": "real"}
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
KNOWN_VERSIONS = (10200, 10300, 10400)  # GeoPackage 1.2–1.4 (1.0/1.1 files carry application id GP10/GP11)
SIMPLE_TYPES = set(range(1, 8)) | set(range(1001, 1008))  # ISO WKB 2D and Z simple features


def read_plain_table(conn: sqlite3.Connection, table: str) -> gpd.GeoDataFrame | None:
    """The feature table `table` as pyogrio.read_dataframe(fid_as_index=True) reads it, or None
    when the table is not plain enough to be sure of that (GDAL then reads it)."""
    try:
        return _read(conn, table)
    except (sqlite3.Error, UnicodeDecodeError, ValueError, shapely.errors.GEOSException):
        return None


def _read(conn: sqlite3.Connection, table: str) -> gpd.GeoDataFrame | None:
    # A file GDAL would remark on when opening it (another application id, a GeoPackage version
    # it only partly supports): GDAL reads it and the remark reaches the report.
    if conn.execute("PRAGMA application_id").fetchone()[0] != GPKG_APPLICATION_ID:
        return None
    if conn.execute("PRAGMA user_version").fetchone()[0] not in KNOWN_VERSIONS:
        return None
    geo = conn.execute(
        "SELECT g.table_name, g.column_name, g.srs_id, c.data_type FROM gpkg_geometry_columns g "
        "JOIN gpkg_contents c ON lower(c.table_name) = lower(g.table_name) WHERE lower(g.table_name) = lower(?)",
        (table,)).fetchall()
    if len(geo) != 1 or str(geo[0][3]).lower() != "features":
        return None
    table, geom_col, srs_id = str(geo[0][0]), str(geo[0][1]), geo[0][2]
    crs = _crs(conn, srs_id)
    if crs is None:
        return None
    quoted = '"' + table.replace('"', '""') + '"'
    columns = conn.execute(f"PRAGMA table_info({quoted})").fetchall()  # cid, name, type, notnull, default, pk
    keys = [c for c in columns if c[5]]
    if len(keys) != 1 or str(keys[0][2]).upper() != "INTEGER":
        return None
    fid = str(keys[0][1])
    typed = [(str(c[1]), _plain_type(c[2])) for c in columns if c[1] not in (fid, geom_col)]
    fields = [(name, kind) for name, kind in typed if kind is not None]
    if len(fields) < len(typed) or any(name.lower() in ("geometry", fid.lower()) for name, _ in fields):
        return None
    names = [fid, geom_col] + [name for name, _ in fields]
    select = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
    rows = conn.execute(f"SELECT {select} FROM {quoted} ORDER BY 1").fetchall()
    wkbs: list[bytes | None] = []
    for row in rows:
        blob = row[1]
        if blob is None:
            wkbs.append(None)
            continue
        wkb = gpkg_wkb(blob) if isinstance(blob, bytes) and not blob[3] & 0x10 else None  # 0x10: the empty flag
        if wkb is None or wkb_type(wkb) not in SIMPLE_TYPES:
            return None
        wkbs.append(wkb)
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object), on_invalid="raise")
    data = {}
    for i, (name, kind) in enumerate(fields, start=2):
        values = [row[i] for row in rows]
        column = _column(values, kind)
        if column is None:
            return None
        data[name] = column
    index = pd.Index(np.array([row[0] for row in rows], dtype=np.int64), name="fid")
    frame = pd.DataFrame(data, columns=[name for name, _ in fields], index=index)  # as pyogrio builds it
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=index, crs=crs))


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
