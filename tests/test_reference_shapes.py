"""Reference layers shaped like real ones — multipart, many holes of different sizes and vertex
counts, islands inside holes, repeated vertices — read through every vector backend
(GeoPackage, Shapefile, PostGIS) give the overlap an independent computation gives: the
reference written, unioned and intersected with the construction zone by shapely directly,
and, for PostGIS, ST_Area(ST_Intersection(...)) in the database. A raster mask of the same
shapes agrees within its pixel boundary."""

from __future__ import annotations

import math
import os

import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon

import geocheck
import towns
from cli_tools import run
from lenient_profiles import references_optional
from towns import X0, Y0, frame, write_gpkg

PROFILE = references_optional("zhejiang-2015")
CONSTRUCTION = shapely.union_all([towns.rect(200, 200, 500, 1000), towns.rect(700, 200, 500, 1000)])


def ring(cx, cy, r, n, phase, repeat):
    """An n-gon of radius r, optionally with a repeated vertex (as digitising leaves them)."""
    pts = [(cx + r * math.cos(phase + 2 * math.pi * k / n), cy + r * math.sin(phase + 2 * math.pi * k / n))
           for k in range(n)]
    if repeat is not None:
        pts.insert(repeat % n, pts[repeat % n])
    return pts


@st.composite
def red_line_part(draw, cx, cy):
    """A shell with 0–5 holes of different sizes and vertex counts, and maybe an island in a hole."""
    r = draw(st.floats(250, 650))
    shell = ring(cx, cy, r, draw(st.integers(5, 60)), draw(st.floats(0, 1)), draw(st.one_of(st.none(), st.integers(0, 60))))
    holes, islands = [], []
    for k in range(draw(st.integers(0, 5))):
        angle = 2 * math.pi * k / 5 + 0.3
        hx, hy = cx + 0.55 * r * math.cos(angle), cy + 0.55 * r * math.sin(angle)
        hr = draw(st.floats(0.05, 0.17)) * r
        holes.append(ring(hx, hy, hr, draw(st.integers(3, 40)), draw(st.floats(0, 1)),
                          draw(st.one_of(st.none(), st.integers(0, 40)))))
        if draw(st.booleans()):
            islands.append(Polygon(ring(hx, hy, hr * 0.4, draw(st.integers(3, 12)), 0.0, None)))
    return [Polygon(shell, holes), *islands]


@st.composite
def red_line_layer(draw):
    """1–3 features, each a single polygon or a multipolygon of parts spread around the town.
    Parts of one feature never overlap (a valid multipolygon, as real layers are); features may
    overlap each other, as neighbouring red-line patches sometimes do."""
    features = []
    for _ in range(draw(st.integers(1, 3))):
        parts: list[Polygon] = []
        for _ in range(draw(st.integers(1, 3))):
            cx = X0 + draw(st.floats(-200, 1600))
            cy = Y0 + draw(st.floats(-200, 1600))
            new = draw(red_line_part(cx, cy))
            if not any(shapely.intersects(shapely.convex_hull(new[0]), q) for q in parts):
                parts += new
        features.append(MultiPolygon(parts) if len(parts) > 1 else parts[0])
    return features


def independent_overlap(features) -> float:
    """Union of the red-line features (each repaired as a GIS would) ∩ construction, by shapely."""
    red = shapely.union_all([shapely.make_valid(f) for f in features])
    return float(shapely.intersection(red, CONSTRUCTION).area)


def check_with(reference: str, tmp_path) -> float:
    town = write_gpkg(tmp_path / "town.gpkg", towns.compliant_layers())
    report = geocheck.check(town, profile=PROFILE, references=[f"ecological_red_line={reference}"])
    assert report.error is None
    c = report.check("GC401")
    assert c.status.value in ("pass", "fail")
    return c.measured["m2"]


EXAMPLES = dict(deadline=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(max_examples=15, **EXAMPLES)
@given(features=red_line_layer(), driver=st.sampled_from(["GPKG", "ESRI Shapefile"]),
       crs=st.sampled_from(["EPSG:4549", "EPSG:4490"]))
def test_file_references_of_any_real_shape_agree_with_shapely(tmp_path_factory, features, driver, crs):
    tmp = tmp_path_factory.mktemp("ref")
    gdf = frame(features, "EPSG:4549", hxbh=[f"H{i}" for i in range(len(features))]).to_crs(crs)
    path = tmp / ("red.gpkg" if driver == "GPKG" else "red.shp")
    pyogrio.write_dataframe(gdf, path, driver=driver, promote_to_multi=True)
    expected = independent_overlap(features)
    rel = 1e-9 if crs == "EPSG:4549" else 1e-6  # lon/lat storage rounds to ~1e-9 degrees
    assert check_with(str(path), tmp) == pytest.approx(expected, rel=rel, abs=0.01)


@settings(max_examples=5, **EXAMPLES)
@given(features=red_line_layer())
def test_postgis_references_of_any_real_shape_agree_with_the_database(tmp_path_factory, postgis, features):
    tmp = tmp_path_factory.mktemp("pgref")
    gpkg = tmp / "red.gpkg"
    pyogrio.write_dataframe(frame(features, "EPSG:4549", hxbh=[f"H{i}" for i in range(len(features))])
                            .to_crs("EPSG:4490"), gpkg, promote_to_multi=True)
    table = f"red_{tmp.name.replace('-', '_')}".lower()
    run(["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, gpkg, "-nln", table, "-lco", "GEOMETRY_NAME=geom",
         "-overwrite"], env=postgis.client_env())
    construction_wkt = CONSTRUCTION.wkt
    in_db = float(postgis.psql(
        f"SELECT COALESCE(ST_Area(ST_Intersection(ST_Union(ST_MakeValid(ST_Transform(geom, 4549))), "
        f"ST_GeomFromText('{construction_wkt}', 4549))), 0) FROM {table}"))
    # Stored in lon/lat and transformed by two PROJ builds (PostGIS's and pyproj's): a few cm² apart.
    assert check_with(f"{postgis.dsn}#public.{table}", tmp) == pytest.approx(in_db, rel=1e-5, abs=0.05)


def test_a_red_line_polygon_with_holes_of_different_vertex_counts_is_read(tmp_path):
    """The shape that crashed the reader: two holes, 5 and 17 vertices (plus a repeated one)."""
    shell = ring(X0 + 700, Y0 + 700, 600, 24, 0.0, None)
    holes = [ring(X0 + 500, Y0 + 600, 60, 5, 0.0, None), ring(X0 + 900, Y0 + 800, 80, 17, 0.2, 3)]
    feature = Polygon(shell, holes)
    path = tmp_path / "red.gpkg"
    pyogrio.write_dataframe(frame([feature], "EPSG:4549", hxbh=["H1"]), path)
    assert check_with(str(path), tmp_path) == pytest.approx(independent_overlap([feature]), rel=1e-9, abs=0.01)


def test_raster_mask_of_holed_red_line_agrees_within_its_pixel_boundary(tmp_path):
    import rasterio
    from rasterio.features import rasterize
    from affine import Affine

    shell = ring(X0 + 700, Y0 + 700, 600, 40, 0.0, None)
    holes = [ring(X0 + 500, Y0 + 600, 90, 6, 0.0, None), ring(X0 + 900, Y0 + 850, 120, 23, 0.2, None)]
    feature = Polygon(shell, holes)
    pixel = 5.0
    x0, y1 = X0 - 100, Y0 + 1500
    n = int(1600 / pixel)
    transform = Affine(pixel, 0, x0, 0, -pixel, y1)
    mask = rasterize([(feature, 1)], out_shape=(n, n), transform=transform, dtype="uint8")
    tif = tmp_path / "red.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint8", crs="EPSG:4549",
                       transform=transform) as dst:
        dst.write(mask, 1)
    expected = independent_overlap([feature])
    boundary_band = feature.boundary.buffer(pixel * math.sqrt(2)).intersection(CONSTRUCTION).area
    assert abs(check_with(str(tif), tmp_path) - expected) <= boundary_band
    assert np.count_nonzero(mask) > 0
