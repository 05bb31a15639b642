"""The vector backend's reads (GeoPackage through its R-tree, curves through pyogrio) and GDAL
options that reach only the thread that set them."""

from __future__ import annotations

import math
import threading

import pyogrio
import pytest
import shapely

import geocheck
import towns
from geocheck.gdal_config import thread_config
from geocheck.inputs.sources import ARC_LINEARISATION
from geocheck.references import VectorReference, open_reference, parse_reference
from lenient_profiles import references_optional
from messy_corpus import ogr_from_wkt
from towns import X0, Y0, frame, write_gpkg

PROFILE = references_optional("zhejiang-2015")


def curved_circle(path, layer, cx, cy, r):
    """A GeoPackage layer holding one true circle (a CURVEPOLYGON, which shapely cannot hold)."""
    write_gpkg(path, {"注记": frame([shapely.Point(cx, cy)], "EPSG:4549")})  # ogr2ogr adds to an existing file
    arc = f"{cx - r} {cy}, {cx} {cy + r}, {cx + r} {cy}, {cx} {cy - r}, {cx - r} {cy}"
    return ogr_from_wkt(path, layer, [f"CURVEPOLYGON (CIRCULARSTRING ({arc}))"], "EPSG:4549", "CURVEPOLYGON")


def red_line_check(town, red) -> float:
    report = geocheck.check(town, profile=PROFILE, references=[f"ecological_red_line={red}"])
    assert report.error is None
    return report.check("GC401").measured["m2"]


def test_curved_red_line_in_a_geopackage_is_linearised_finely(tmp_path):
    """A true circle of 300 m inside the construction zone (x 200–1200, y 200–1200): π r² less what
    chords of OGR_ARC_STEPSIZE cut off, r²(θ − sin θ)/2 each; GDAL's default 4° would lose 230 m²."""
    town = write_gpkg(tmp_path / "town.gpkg", towns.compliant_layers())
    r, step = 300.0, math.radians(float(ARC_LINEARISATION["OGR_ARC_STEPSIZE"]))
    red = curved_circle(tmp_path / "red.gpkg", "红线", X0 + 700, Y0 + 700, r)
    lost = (2 * math.pi / step) * r * r * (step - math.sin(step)) / 2
    assert math.pi * r * r - lost - 0.05 <= red_line_check(town, red) < math.pi * r * r


def test_red_line_whose_box_meets_the_town_but_not_its_land_is_no_overlap_and_no_error(tmp_path):
    """A red-line ring around the town, the town in its hole: the R-tree lists it, GDAL's exact
    filter would drop it (and that drop once read as a corrupt record)."""
    town = write_gpkg(tmp_path / "town.gpkg", towns.compliant_layers())
    ring = shapely.Polygon(towns.rect(-3000, -3000, 8000, 8000).exterior.coords,
                           [towns.rect(-500, -500, 3000, 3000).exterior.coords])
    red = write_gpkg(tmp_path / "red.gpkg", {"红线": frame([ring], "EPSG:4549", hxbh=["R1"])})
    assert red_line_check(town, red) == 0.0


def test_geopackage_candidates_are_the_features_its_r_tree_lists_clipped_to_the_box(tmp_path):
    from pyproj import CRS

    boxes = [towns.rect(100 * i, 0, 50, 50) for i in range(10)]
    red = write_gpkg(tmp_path / "red.gpkg", {"红线": frame(boxes, "EPSG:4549", hxbh=[f"R{i}" for i in range(10)])})
    source = open_reference(parse_reference(f"ecological_red_line={red}"))
    assert isinstance(source, VectorReference) and source.gpkg_file is not None  # read through its R-tree
    town_box, crs = (X0 + 220, Y0 + 10, X0 + 420, Y0 + 20), CRS.from_epsg(4549)
    got = source.candidates(town_box, crs)
    read_box = shapely.box(*source.source_box(town_box, crs))  # the town's box, padded by 1 %
    assert got.ids == ["R2", "R3", "R4"]  # boxes at x 200, 300 and 400
    assert [g.area for g in got.geometries] == pytest.approx([boxes[i].intersection(read_box).area for i in (2, 3, 4)])


def test_gdal_options_reach_only_the_thread_that_set_them(tmp_path):
    """One thread reads a curve with geocheck's fine linearisation while another, at the same time,
    reads it with GDAL's default (4° steps). A process-wide toggle would give both the fine one."""
    r = 500.0
    path = curved_circle(tmp_path / "c.gpkg", "c", X0, Y0, r)

    def vertices():
        return int(shapely.get_num_coordinates(pyogrio.read_dataframe(path, layer="c").geometry.values[0]))

    inside, done, counts = threading.Event(), threading.Event(), {}

    def fine_reader():
        with thread_config(ARC_LINEARISATION):
            counts["fine"] = vertices()
            inside.set()
            done.wait(30)

    t = threading.Thread(target=fine_reader)
    t.start()
    assert inside.wait(30)
    counts["default"] = vertices()  # while the other thread is inside its block
    done.set()
    t.join()
    assert counts["fine"] >= 360 / float(ARC_LINEARISATION["OGR_ARC_STEPSIZE"])  # geocheck's fine steps
    assert counts["default"] <= 360 / 4 + 2  # GDAL's default step of 4°
    assert vertices() == counts["default"]  # and nothing was left set


def test_process_wide_fallback_sets_options_for_the_block_and_restores_them():
    """Where GDAL's C API cannot be reached through pyogrio's module (not Linux wheels), options
    are set process-wide for one block at a time, and the value before is restored exactly."""
    from geocheck.gdal_config import _process_wide

    pyogrio.set_gdal_config_options({"OGR_ARC_STEPSIZE": "7"})
    try:
        with _process_wide({"OGR_ARC_STEPSIZE": "0.5", "GDAL_PAM_ENABLED": "NO"}):
            assert str(pyogrio.get_gdal_config_option("OGR_ARC_STEPSIZE")) == "0.5"
            assert pyogrio.get_gdal_config_option("GDAL_PAM_ENABLED") == "NO"
        assert str(pyogrio.get_gdal_config_option("OGR_ARC_STEPSIZE")) == "7"
        assert pyogrio.get_gdal_config_option("GDAL_PAM_ENABLED") is None
    finally:
        pyogrio.set_gdal_config_options({"OGR_ARC_STEPSIZE": None})


def test_a_true_circle_planned_area_loses_under_a_tenth_of_a_square_metre(tmp_path):
    """A planned area drawn as one true circle of about 3 km² (r = 977 m, a CURVEPOLYGON written by
    ogr2ogr): its area is π r² to within 0.1 m², well inside the 1 m² tolerance at a bound, where
    GDAL's 0.5° step would lose 37 m² and its default 4° 2 430 m²."""
    r = 977.0
    town = curved_circle(tmp_path / "town.gpkg", "规划范围", X0 + 1000, Y0 + 1000, r)
    report = geocheck.check(town, profile=PROFILE)
    assert report.error is None
    lost = math.pi * r * r - report.measurements["planned_area_m2"]
    assert 0 < lost < 0.1
    assert any("0.02°" in n["en"] for n in report.notes)
