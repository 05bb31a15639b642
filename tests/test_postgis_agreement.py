"""A submission made by another tool (ogr2ogr) measured by geocheck and by PostGIS.

The GeoJSON is written as plain text (no geocheck, no geopandas), converted by ogr2ogr into
a GeoPackage with Chinese layer names and into Shapefiles, and loaded by ogr2ogr into a real
PostGIS server. geocheck's areas must agree with ST_Area in the same CRS within 0.1 %.
"""

from __future__ import annotations

import json
import math

import pytest

import geocheck
from cli_tools import run
from towns import ENGLISH_NAMES
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

LON0, LAT0 = 120.08, 30.29  # west of Hangzhou; target CRS EPSG:4549


def blob(cx_m, cy_m, radius_m, wobble, n=60, phase=0.0):
    """An irregular closed ring in lon/lat around an offset (metres) from the origin."""
    m_per_deg_lat = 110_900.0
    m_per_deg_lon = 111_320.0 * math.cos(math.radians(LAT0))
    ring = []
    for k in range(n):
        t = 2 * math.pi * k / n
        r = radius_m * (1 + wobble * math.sin(3 * t + phase) + 0.5 * wobble * math.cos(5 * t))
        x, y = cx_m + r * math.cos(t), cy_m + r * math.sin(t)
        ring.append([LON0 + x / m_per_deg_lon, LAT0 + y / m_per_deg_lat])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def feature_collection(geoms):
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
            "features": [{"type": "Feature", "properties": {"id": i + 1}, "geometry": g}
                         for i, g in enumerate(geoms)]}


LAYERS = {
    # role layer name: geometries (planned ≈ 3 km²; construction: two blobs, one poking out east)
    "规划范围": [blob(0, 0, 980, 0.12)],
    "建设用地": [blob(-250, 0, 330, 0.1, phase=1.0), blob(700, 150, 330, 0.1, phase=2.0)],
    "核心区": [blob(-250, 0, 220, 0.05)],
    "城市设计范围": [blob(-230, 10, 300, 0.05)],
}


@pytest.fixture(scope="module")
def ogr2ogr_submission(tmp_path_factory, postgis):
    """(GeoPackage written by ogr2ogr, Shapefile folder written by ogr2ogr, PostGIS tables)."""
    root = tmp_path_factory.mktemp("ogr")
    gpkg = root / "town.gpkg"
    shp = root / "shp"
    shp.mkdir()
    for name, geoms in LAYERS.items():
        english = ENGLISH_NAMES[name]
        src = root / f"{english}.geojson"
        src.write_text(json.dumps(feature_collection(geoms)), encoding="utf-8")
        update = ["-update"] if gpkg.exists() else []
        run(["ogr2ogr", "-f", "GPKG", *update, "-nln", name, "-t_srs", "EPSG:4549", gpkg, src])
        run(["ogr2ogr", "-f", "ESRI Shapefile", shp / f"{english}.shp", src])
        run(["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, src, "-nln", english, "-lco", "GEOMETRY_NAME=geom",
             "-overwrite"], env=postgis.client_env())
    return gpkg, shp, postgis


def pg_area(pg, sql):
    return float(pg.psql(sql))


def test_areas_agree_with_postgis(ogr2ogr_submission):
    gpkg, shp, pg = ogr2ogr_submission
    planned = pg_area(pg, "SELECT ST_Area(ST_Union(ST_Transform(geom, 4549))) FROM planning_boundary")
    construction = pg_area(pg, "SELECT ST_Area(ST_Union(ST_Transform(geom, 4549))) FROM construction")
    for path in (gpkg, shp):
        m = geocheck.check(path, profile=LENIENT).measurements
        assert m["planned_area_m2"] == pytest.approx(planned, rel=0.001)
        assert m["construction_area_m2"] == pytest.approx(construction, rel=0.001)
    # And the geodesic figure against PostGIS geography (its own ellipsoidal algorithm).
    geodesic = pg_area(pg, "SELECT ST_Area(ST_Union(geom)::geography) FROM planning_boundary")
    assert m["planned_area_geodesic_m2"] == pytest.approx(geodesic, rel=0.001)


def test_verdicts_agree_with_postgis(ogr2ogr_submission):
    gpkg, shp, pg = ogr2ogr_submission
    report = geocheck.check(gpkg, profile=LENIENT)
    outside = pg_area(pg, """
        SELECT ST_Area(ST_Difference((SELECT ST_Union(ST_Transform(geom, 4549)) FROM construction),
                                     (SELECT ST_Union(ST_Transform(geom, 4549)) FROM planning_boundary)))""")
    gap = pg_area(pg, """
        SELECT ST_Distance(a.g, b.g) FROM
          (SELECT ST_Transform(geom, 4549) g FROM construction WHERE id = 1) a,
          (SELECT ST_Transform(geom, 4549) g FROM construction WHERE id = 2) b""")
    uncovered = pg_area(pg, """
        SELECT ST_Area(ST_Difference((SELECT ST_Transform(geom, 4549) FROM core_area),
                                     (SELECT ST_Transform(geom, 4549) FROM urban_design)))""")
    assert outside > 1.0  # the east blob pokes out of the boundary by design
    gc311 = report.check("GC311")
    assert gc311.status.value == "fail"
    assert gc311.measured["m2"] == pytest.approx(outside, rel=0.001)
    gc302 = report.check("GC302")
    assert gc302.measured["largest_gap_m"] == pytest.approx(gap, rel=0.001)
    assert gc302.status.value == ("fail" if gap > 50 else "pass")
    core = pg_area(pg, "SELECT ST_Area(ST_Transform(geom, 4549)) FROM core_area")
    assert report.measurements["core_area_m2"] == pytest.approx(core, rel=0.001)
    gc501 = report.check("GC501")
    coverage = 100 * (1 - uncovered / core)
    assert gc501.measured["coverage_pct"] == pytest.approx(coverage, abs=0.1)
    assert report.measurements["urban_design_coverage_pct"] == pytest.approx(coverage, abs=0.1)
    assert gc501.status.value == ("fail" if uncovered > 1.0 else "pass")
    assert report.verdict.value == "non_compliant"
