"""Each check against submissions whose right answer is known by arithmetic."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

import geocheck
from conftest import tree_digest
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed


def statuses(report):
    return {c.code: c.status.value for c in report.checks}


def test_compliant_town_passes_zhejiang(compliant_gpkg):
    report = geocheck.check(compliant_gpkg, profile=LENIENT)
    # No reference layers and no parcel layer given: the 4xx and 6xx rules skip.
    assert statuses(report) == {"GC101": "pass", "GC202": "pass", "GC212": "pass", "GC301": "pass",
                                "GC302": "pass", "GC311": "pass", "GC501": "pass"} | {
        code: "skip" for code in ("GC401", "GC402", "GC411", "GC412", "GC421", "GC431", "GC432", "GC433", "GC434",
                                  "GC601", "GC602", "GC611", "GC612", "GC613", "GC614", "GC621", "GC631", "GC642",
                                  "GC651", "GC652")}
    assert report.verdict.value == "compliant" and report.exit_code == 0
    m = report.measurements
    assert m["planned_area_m2"] == pytest.approx(1700 * 1800, abs=0.01)
    assert m["construction_area_m2"] == pytest.approx(2 * 500 * 1000, abs=0.01)
    # Two parcels sharing an edge dissolve into one contiguous part.
    assert m["construction_parts"] == 1
    assert m["core_area_m2"] == pytest.approx(600 * 600, abs=0.01)
    assert m["urban_design_coverage_pct"] == pytest.approx(100.0)


def test_gc302_split_construction_reports_gap_and_fails(gc302_split_construction_gpkg):
    report = geocheck.check(gc302_split_construction_gpkg, profile=LENIENT)
    c = report.check("GC302")
    assert c.status.value == "fail"
    assert c.measured["parts"] == 2 and c.measured["groups"] == 2
    assert c.measured["largest_gap_m"] == pytest.approx(250.0)
    [gap] = c.features
    assert gap.kind == "gap" and gap.geometry.length == pytest.approx(250.0)
    assert report.verdict.value == "non_compliant" and report.exit_code == 1


def test_gc302_gap_within_tolerance_is_contiguous(tmp_path):
    from towns import compliant_layers, frame, rect, write_gpkg

    layers = compliant_layers()
    # A 30 m road between parcels: under the 50 m tolerance.
    layers["建设用地"] = frame([rect(200, 200, 500, 1000), rect(730, 200, 500, 1000)], "EPSG:4549")
    report = geocheck.check(write_gpkg(tmp_path / "road.gpkg", layers), profile=LENIENT)
    c = report.check("GC302")
    assert c.status.value == "pass"
    assert (c.measured["parts"], c.measured["groups"]) == (2, 1)
    assert c.measured["largest_gap_m"] == pytest.approx(30.0)


def test_gc311_outside_area_and_feature(gc311_construction_outside_gpkg):
    report = geocheck.check(gc311_construction_outside_gpkg, profile=LENIENT)
    c = report.check("GC311")
    assert c.status.value == "fail"
    assert c.measured["m2"] == pytest.approx(100 * 400, rel=1e-9)
    assert c.measured["mu"] == pytest.approx(100 * 400 / (10000 / 15), rel=1e-9)
    [outside] = c.features
    assert outside.kind == "outside_boundary" and outside.fid == 2  # GeoPackage fids start at 1
    assert outside.geometry.area == pytest.approx(40_000)


def test_gc501_coverage_percent_and_uncovered_geometry(gc501_core_partly_uncovered_gpkg):
    report = geocheck.check(gc501_core_partly_uncovered_gpkg, profile=LENIENT)
    c = report.check("GC501")
    assert c.status.value == "fail"
    # Core x 300..900, design x 250..720: covered 420 of 600 m width.
    assert c.measured["coverage_pct"] == pytest.approx(70.0)
    assert c.features[0].geometry.area == pytest.approx(180 * 600)
    assert report.measurements["urban_design_coverage_pct"] == pytest.approx(70.0)


def test_gc101_bowtie_reported_and_measured_after_make_valid(gc101_bowtie_boundary_gpkg):
    report = geocheck.check(gc101_bowtie_boundary_gpkg, profile="generic")
    c = report.check("GC101")
    assert c.status.value == "warn"  # generic holds validity at warning severity
    [bad] = c.features
    assert bad.role == "boundary" and "Self-intersection" in bad.info
    # make_valid keeps both triangles: 2 × (2 000 × 1 500 / 2) = 3 km². The shoelace formula on
    # the raw ring gives 0, and buffer(0) keeps only one triangle (1.5 km²).
    assert report.measurements["planned_area_m2"] == pytest.approx(3_000_000, rel=1e-9)
    assert any("make_valid" in n["en"] for n in report.notes)
    # The bow-tie touches itself at one point: two parts, no gap.
    assert report.check("GC301").measured["parts"] == 2


def test_missing_required_role_fails_but_others_run(missing_core_gpkg):
    report = geocheck.check(missing_core_gpkg, profile=LENIENT)
    c = report.check("GC501")
    assert c.status.value == "fail" and "core area" in c.message_en and "missing" in c.message_en
    assert report.check("GC202").status.value == "pass"
    assert report.measurements["core_area_m2"] is None
    assert report.measurements["urban_design_coverage_pct"] is None
    assert report.inputs["roles"]["core"] is None


def test_missing_required_role_names_the_unassigned_layers(tmp_path):
    from towns import compliant_layers, write_gpkg

    layers = compliant_layers()
    layers["中心片区"] = layers.pop("核心区")  # an unusual name no alias matches
    report = geocheck.check(write_gpkg(tmp_path / "odd.gpkg", layers), profile=LENIENT)
    c = report.check("GC501")
    assert c.status.value == "fail" and "中心片区" in c.message_en and "--core" in c.message_en
    assert "中心片区" in c.message_zh


def test_missing_optional_role_skips(missing_core_gpkg, tmp_path):
    profile = tmp_path / "p.toml"
    text = LENIENT
    profile.write_text(open(text, encoding="utf-8").read().replace('core = "required"', 'core = "optional"'),
                       encoding="utf-8")
    report = geocheck.check(missing_core_gpkg, profile=profile)
    c = report.check("GC501")
    assert c.status.value == "skip" and "optional" in c.message_en
    assert report.verdict.value == "compliant"


def test_shapefile_folder_in_lonlat_matches_gpkg(compliant_gpkg, compliant_shapefile_folder):
    a = geocheck.check(compliant_gpkg, profile=LENIENT)
    b = geocheck.check(compliant_shapefile_folder, profile=LENIENT)
    assert b.inputs["roles"]["boundary"]["layer"] == "planning_boundary"
    assert b.inputs["roles"]["boundary"]["source_crs"].startswith("EPSG:4490")
    assert b.target_crs["epsg"] == 4549
    for report in (a, b):  # the Shapefiles hold the same boxes, reprojected to lon/lat and back
        assert report.measurements["planned_area_m2"] == pytest.approx(1700 * 1800, rel=1e-6)
        assert report.measurements["construction_area_m2"] == pytest.approx(2 * 500 * 1000, rel=1e-6)
        assert report.measurements["core_area_m2"] == pytest.approx(600 * 600, rel=1e-6)
    assert statuses(a) == statuses(b)


def test_inputs_are_not_modified(compliant_shapefile_folder, gc101_bowtie_boundary_gpkg):
    for path in (compliant_shapefile_folder, gc101_bowtie_boundary_gpkg):
        before = tree_digest(path)
        geocheck.check(path)
        assert tree_digest(path) == before


def test_indicator_geometries_serialise_as_geojson(gc311_construction_outside_gpkg, report_schema):
    d = geocheck.check(gc311_construction_outside_gpkg).to_dict()
    report_schema.validate(d)
    [c] = [c for c in d["checks"] if c["code"] == "GC311"]
    assert shape(c["features"][0]["geometry"]).area == pytest.approx(40_000, rel=1e-6)


def test_layers_in_different_crss_each_transformed(tmp_path):
    from towns import compliant_layers, write_gpkg

    layers = compliant_layers()
    layers["规划范围"] = layers["规划范围"].to_crs("EPSG:4490")  # lon/lat
    layers["核心区"] = layers["核心区"].to_crs("EPSG:4527")  # GK zone 39 with prefix, another CM
    report = geocheck.check(write_gpkg(tmp_path / "mixed.gpkg", layers), profile=LENIENT)
    sources = {r: v["source_crs"].split(" ")[0] for r, v in report.inputs["roles"].items() if v is not None}
    assert sources == {"boundary": "EPSG:4490", "construction": "EPSG:4549", "core": "EPSG:4527",
                       "urban_design": "EPSG:4549"}
    m = report.measurements
    assert m["planned_area_m2"] == pytest.approx(1700 * 1800, rel=1e-6)
    assert m["core_area_m2"] == pytest.approx(600 * 600, rel=1e-6)
    assert report.verdict.value == "compliant"
