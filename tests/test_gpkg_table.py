"""A plain GeoPackage layer read through SQLite is the frame GDAL (pyogrio) reads; anything
less plain is left to GDAL.

The oracle is GDAL itself: every file here is written by GDAL (pyogrio, ogr2ogr) and read both
ways, and the two frames must be equal value for value and dtype for dtype."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import geocheck
from cli_tools import run
from geocheck.inputs.gpkg_table import read_plain_table

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def read_both(path: Path, layer: str):
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        fast = read_plain_table(conn, layer, blobs_of(conn, layer))
    return fast, pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)


def blobs_of(conn, layer: str) -> dict[int, bytes]:
    """The layer's stored geometry blobs by fid, read here with plain SQL (GDAL names the columns
    fid and geom)."""
    return dict(conn.execute(f'SELECT fid, geom FROM "{layer}" WHERE geom IS NOT NULL').fetchall())


def assert_same_frame(fast, gdal):
    assert fast is not None, "a plain layer was left to GDAL"
    assert_frame_equal(fast, gdal, check_exact=True)
    assert fast.crs == gdal.crs
    assert list(shapely.to_wkb(fast.geometry.values)) == list(shapely.to_wkb(gdal.geometry.values))


# ---------------------------------------------------------------- the same frame

coords = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)


@st.composite
def polygons(draw):
    x, y = draw(coords), draw(coords)
    w, h = draw(st.floats(1, 500)), draw(st.floats(1, 500))
    outer = shapely.box(x, y, x + w, y + h)
    if draw(st.booleans()):  # a hole, as parcels around a kept village have
        outer = outer.difference(shapely.box(x + w / 4, y + h / 4, x + w / 2, y + h / 2))
    if draw(st.booleans()):
        outer = shapely.MultiPolygon([outer, shapely.box(x + w + 10, y, x + w + 20, y + 10)])
    return outer


text = st.one_of(st.none(), st.text(alphabet="用地代码R2绿地G1 居住-_/ab0", max_size=12))


@st.composite
def layers(draw):
    n = draw(st.integers(1, 8))
    geoms = draw(st.lists(st.one_of(polygons(), st.none()), min_size=n, max_size=n))
    frame = {
        "名称": draw(st.lists(text, min_size=n, max_size=n)),
        "容积率": draw(st.lists(st.one_of(st.none(), st.floats(0, 10, allow_nan=False)), min_size=n, max_size=n)),
        "地块数": draw(st.lists(st.integers(-2**40, 2**40), min_size=n, max_size=n)),
    }
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=draw(st.sampled_from([4490, 4549, 4527])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=layers(), with_z=st.booleans())
def test_a_gdal_written_layer_reads_the_same_through_sqlite(tmp_path_factory, frame, with_z):
    if with_z:
        frame = frame.set_geometry(shapely.force_3d(frame.geometry.values, 12.5), crs=frame.crs)
    path = tmp_path_factory.mktemp("g") / "town.gpkg"
    pyogrio.write_dataframe(frame, path, layer="控规地块")
    assert_same_frame(*read_both(path, "控规地块"))


def test_an_ogr2ogr_conversion_of_the_sample_shapefiles_reads_the_same(tmp_path):
    out = tmp_path / "town.gpkg"
    run(["ogr2ogr", "-f", "GPKG", out, SAMPLE / "noncompliant_town", "-nlt", "PROMOTE_TO_MULTI"])
    names = [name for name, _ in pyogrio.list_layers(out)]
    assert len(names) == 5
    for name in names:
        assert_same_frame(*read_both(out, name))


def test_a_check_reads_the_same_numbers_either_way(tmp_path):
    """The bundled compliant town, read through SQLite, against the same town with an application
    id GDAL does not know (so GDAL reads every layer): the same measurements and verdict."""
    other = tmp_path / "gdal-read.gpkg"
    shutil.copy(SAMPLE / "compliant_town.gpkg", other)
    with sqlite3.connect(other) as conn:
        conn.execute("PRAGMA application_id = 1")
    with sqlite3.connect(f"file:{other}?immutable=1", uri=True) as conn:
        assert read_plain_table(conn, "规划范围", blobs_of(conn, "规划范围")) is None
    fast, slow = geocheck.check(SAMPLE / "compliant_town.gpkg"), geocheck.check(other)
    assert fast.measurements == slow.measurements
    assert fast.verdict == slow.verdict
    assert [c.measured for c in fast.checks] == [c.measured for c in slow.checks]


# ---------------------------------------------------------------- left to GDAL

def write_csv_layer(tmp_path, wkt: str, crs: str = "EPSG:4490", extra: str = "") -> Path:
    """A one-feature GeoPackage written by ogr2ogr from a CSV with a WKT column."""
    csv = tmp_path / "in.csv"
    csv.write_text(f'id,wkt\n1,"{wkt}"\n', encoding="utf-8")
    out = tmp_path / "out.gpkg"
    run(["ogr2ogr", "-f", "GPKG", out, csv, "-oo", "GEOM_POSSIBLE_NAMES=wkt", "-oo", "KEEP_GEOM_COLUMNS=NO",
         "-a_srs", crs, "-nln", "layer", *extra.split()])
    return out


@pytest.mark.parametrize("wkt, why", [
    ("CURVEPOLYGON(CIRCULARSTRING(0 0,100 100,200 0,100 -100,0 0))", "a curve: GDAL linearises it"),
    ("POLYGON M ((0 0 1,100 0 1,100 100 1,0 0 1))", "M values: GDAL drops them and says so"),
    ("POLYGON EMPTY", "the empty flag"),
])
def test_geometries_gdal_must_read(tmp_path, wkt, why):
    path = write_csv_layer(tmp_path, wkt)
    fast, gdal = read_both(path, "layer")
    assert fast is None, why
    assert len(gdal) == 1


def test_a_crs_that_is_no_plain_epsg_code_is_left_to_gdal(tmp_path):
    custom = "+proj=tmerc +lat_0=0 +lon_0=118.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    path = write_csv_layer(tmp_path, "POLYGON((0 0,100 0,100 100,0 0))", crs=custom)
    assert read_both(path, "layer")[0] is None


def test_a_spatial_ref_row_whose_wkt_is_not_its_code_is_left_to_gdal(tmp_path):
    path = write_csv_layer(tmp_path, "POLYGON((0 0,100 0,100 100,0 0))", crs="EPSG:4549")
    with sqlite3.connect(path) as conn:  # a hand edit: the row says EPSG:4549 but holds CM 117°E
        wkt = conn.execute("SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id = 4549").fetchone()[0]
        conn.execute("UPDATE gpkg_spatial_ref_sys SET definition = ? WHERE srs_id = 4549",
                     (wkt.replace('"central_meridian",120', '"central_meridian",117'),))
    assert read_both(path, "layer")[0] is None


def test_column_types_sqlite_and_gdal_read_differently_are_left_to_gdal(tmp_path):
    geoms = [shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]
    for column, values in {"是否保留": [True, False], "地块数": pd.array([1, None], dtype="Int64"),
                           "批复日期": pd.to_datetime(["2020-01-01", "2021-06-30"])}.items():
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.gpkg"
        pyogrio.write_dataframe(gpd.GeoDataFrame({column: values}, geometry=geoms, crs=4490), path, layer="L")
        fast, gdal = read_both(path, "L")
        assert fast is None, column
        assert len(gdal) == 2 and not np.all(pd.isna(gdal[column]))


def test_an_empty_layer_and_a_layer_of_null_geometries_read_the_same(tmp_path):
    """A role layer delivered with no features (or with attributes but no shapes) is common."""
    empty = gpd.GeoDataFrame({"名称": pd.Series([], dtype=object), "地块数": pd.Series([], dtype="int64"),
                              "容积率": pd.Series([], dtype=float)}, geometry=gpd.GeoSeries([], crs=4490))
    nulls = gpd.GeoDataFrame({"名称": ["核心区", None]}, geometry=[None, None], crs=4490)
    for name, frame in {"empty": empty, "nulls": nulls}.items():
        path = tmp_path / f"{name}.gpkg"
        pyogrio.write_dataframe(frame, path, layer="核心区", geometry_type="Polygon")
        assert_same_frame(*read_both(path, "核心区"))
