"""Which layers a findings GeoPackage holds, in drawing order. Pure Python (sqlite3), no qgis."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

# Added first = drawn lowest: areas under lines under points.
_ORDER = {"POLYGON": 0, "MULTIPOLYGON": 0, "CURVEPOLYGON": 0, "MULTISURFACE": 0,
          "LINESTRING": 1, "MULTILINESTRING": 1, "POINT": 2, "MULTIPOINT": 2}


def feature_layers(path: str) -> list[str]:
    """Feature table names: polygons, then lines, then points, each in the order geocheck wrote them."""
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    # closing(): a connection used as a context manager only commits, and an open handle
    # would keep the file locked on Windows.
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        rows = db.execute(
            "SELECT c.table_name, upper(coalesce(g.geometry_type_name, '')) "
            "FROM gpkg_contents c LEFT JOIN gpkg_geometry_columns g USING (table_name) "
            "WHERE c.data_type = 'features' ORDER BY c.rowid").fetchall()
    rows.sort(key=lambda row: _ORDER.get(row[1], 3))
    return [name for name, _type in rows]
