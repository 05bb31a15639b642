"""The findings GeoPackage: one layer per indicator kind, attributes, CRS, embedded QGIS
styles; checked with pyogrio, GDAL's ogrinfo and real QGIS (PyQGIS, Debian's python3)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer

import geocheck
from geocheck.report import write_findings_gpkg
from geocheck.report.findings_gpkg import qml
from geocheck.findings import Status
from geocheck.report.styles import CONTEXT_STYLES, KIND_STYLES, STATUS_STYLES, style_for
import towns
from cli_tools import invoke
from report_tools import QGIS_SCRIPT, qgis_python, require, sample_town_with_references, with_finding  # noqa: F401
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

ATTRIBUTES = ("code", "severity", "status", "message_zh", "message_en", "measured", "reference_id",
              "role", "layer", "fid", "info")


@pytest.fixture
def gc302_gc311_gc501_gc101_findings(tmp_path):
    """One submission failing contiguity (gap line), containment (outside polygon), urban-design
    coverage (uncovered polygon) and validity (bow-tie point), written as a findings GeoPackage.
    Parcel 3 (x 1500–1800) sticks 100 m out of the 1700 m wide planned area: 100 × 200 m outside."""
    layers = towns.compliant_layers()
    layers["建设用地"] = towns.frame([*towns.split_construction().geometry, towns.rect(1500, 1300, 300, 200)],
                                   "EPSG:4549")
    layers["城市设计范围"] = towns.frame([towns.rect(250, 250, 470, 700)], "EPSG:4549")
    layers["核心区"] = towns.frame([towns.bowtie(300, 300, 600, 600)], "EPSG:4549")
    gpkg = towns.write_gpkg(tmp_path / "town.gpkg", layers)
    report = geocheck.check(gpkg, profile=LENIENT)
    out = tmp_path / "findings.gpkg"
    return report, out, write_findings_gpkg(report, out)


def test_one_layer_per_kind_with_attributes_in_target_crs(gc302_gc311_gc501_gc101_findings):
    report, out, names = gc302_gc311_gc501_gc101_findings
    assert names == ["invalid_geometry", "gap", "outside_boundary", "uncovered_core"]
    listed = dict(pyogrio.list_layers(out))
    assert listed["gap"] == "MultiLineString" and listed["outside_boundary"] == "MultiPolygon"
    assert listed["uncovered_core"] == "MultiPolygon" and listed["invalid_geometry"] == "Point"
    assert pyogrio.read_info(out, layer="gap")["features"] == 2  # parcel 3 is 112 m from parcel 2
    assert "checks" in listed and "layer_styles" in listed
    outside = pyogrio.read_dataframe(out, layer="outside_boundary")
    assert outside.crs.to_epsg() == 4549
    for col in ATTRIBUTES:
        assert col in outside.columns
    (row,) = outside.itertuples()
    assert (row.code, row.severity, row.status, row.fid) == ("GC311", "error", "fail", "3")
    assert row.measured == pytest.approx(100 * 200, rel=1e-6) == pytest.approx(row.geometry.area, rel=1e-6)
    assert row.message_zh == report.check("GC311").message_zh
    checks = pyogrio.read_dataframe(out, layer="checks")
    assert list(checks["code"]) == [c.code for c in report.checks]


def test_layer_styles_table_holds_a_default_qml_per_layer(gc302_gc311_gc501_gc101_findings):
    _, out, names = gc302_gc311_gc501_gc101_findings
    with sqlite3.connect(out) as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(layer_styles)")]
        rows = db.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault "
                          "FROM layer_styles").fetchall()
        registered = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone()
    for col in ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"):
        assert col in cols
    assert registered == ("attributes",)
    assert sorted(r[0] for r in rows) == sorted(names)
    for name, geom_col, style_name, q, s, default in rows:
        assert geom_col == "geom" and style_name == name and default == 1
        assert q.startswith("<!DOCTYPE qgis") and "<StyledLayerDescriptor" in s


def test_ogrinfo_reads_every_layer(gc302_gc311_gc501_gc101_findings):
    _, out, names = gc302_gc311_gc501_gc101_findings
    ogrinfo = shutil.which("ogrinfo")
    require("ogrinfo", None if ogrinfo else "gdal-bin not installed")
    result = subprocess.run([ogrinfo, "-ro", "-so", "-al", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr and "Warning" not in result.stderr, result.stderr
    for name in names:
        assert f"Layer name: {name}" in result.stdout
    assert "Feature Count: 1" in result.stdout and "3-degree Gauss-Kruger CM 120E" in result.stdout


def test_qgis_opens_layers_valid_and_styled_from_the_file(gc302_gc311_gc501_gc101_findings):
    _, out, names = gc302_gc311_gc501_gc101_findings
    result = subprocess.run([qgis_python(), str(QGIS_SCRIPT), "probe", str(out), *names], capture_output=True,
                            text=True, timeout=300, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                                         "HOME": str(out.parent)})
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(probe) == set(names)
    for name, layer in probe.items():
        assert layer["valid"], name
        assert layer["feature_count"] == pyogrio.read_info(out, layer=name)["features"] >= 1
        assert layer["crs"] == "EPSG:4549"
        assert layer["load_default_style"]["ok"], layer["load_default_style"]
        assert layer["styles_in_database"] == 1
        assert layer["labels_enabled"], name
        assert layer["symbol_layers"] == layer["opened_symbol_layers"]  # opened styled with no set-up
    # categorised on status: the kind's fill, the status's outline and hatch (as the HTML map)
    outside = probe["outside_boundary"]["symbol_layers"]
    assert outside["attribute"] == "status"
    assert set(outside["categories"]) == {s.value for s in Status}
    fail_fill, fail_hatch, fail_line = outside["categories"]["fail"]
    warn_fill, warn_hatch, warn_line = outside["categories"]["warn"]
    assert fail_fill["properties"]["color"] == warn_fill["properties"]["color"] == "255,77,94,153"  # kind fill
    assert (fail_hatch["properties"]["style"], fail_hatch["properties"]["color"]) == ("diagonal_x", "192,0,26,255")
    assert (warn_hatch["properties"]["style"], warn_hatch["properties"]["color"]) == ("f_diagonal", "199,119,0,255")
    assert fail_line["properties"]["line_style"] == "solid" and warn_line["properties"]["line_style"] == "dash"
    assert rgb(STATUS_STYLES["fail"].color) in qml(KIND_STYLES["outside_boundary"], 2, by_status=True)
    assert probe["outside_boundary"]["before_load"]["symbol_layers"][0]["properties"]["color"] != "255,77,94,153"
    gap = probe["gap"]["symbol_layers"]["categories"]
    ((fail,), (warn,)) = gap["fail"], gap["warn"]
    assert fail["class"] == warn["class"] == "SimpleLine"
    assert fail["properties"]["line_color"] == "192,0,26,255" and fail["properties"]["line_style"] == "solid"
    assert warn["properties"]["line_color"] == "199,119,0,255" and warn["properties"]["customdash"] == "7;4"
    (marker,) = probe["invalid_geometry"]["symbol_layers"]["categories"]["warn"]
    assert marker["class"] == "SimpleMarker" and marker["properties"]["name"] == "cross_fill"


def rgb(hex_colour: str) -> str:
    return ",".join(str(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))


def test_reference_context_layers_written_styled_and_opened_by_qgis(sample_town_with_references, tmp_path):
    """The reference features the map draws are exported beside the findings, each with its style."""
    report = sample_town_with_references
    out = tmp_path / "findings.gpkg"
    write_findings_gpkg(report, out)
    listed = dict(pyogrio.list_layers(out))
    assert listed["context_ecological_red_line"] == "MultiPolygon" and listed["context_heritage_points"] == "Point"
    red = pyogrio.read_dataframe(out, layer="context_ecological_red_line")
    # the red-line polygons near the town, as the map draws them (areas against the report's geometry)
    assert red.area.sum() == pytest.approx(report.geometries["ecological_red_line"].area, rel=1e-9)
    assert red.area.sum() > report.check("GC401").measured["m2"]  # more than the overlap: context
    names = ["context_ecological_red_line", "context_urban_development_boundary", "context_heritage_points"]
    result = subprocess.run([qgis_python(), str(QGIS_SCRIPT), "probe", str(out), *names], capture_output=True,
                            text=True, timeout=300, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                                         "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(p["valid"] and p["renderer"] == "singleSymbol" for p in probe.values())
    fill = probe["context_ecological_red_line"]["symbol_layers"][0]["properties"]
    assert fill["color"].startswith(rgb(CONTEXT_STYLES["ecological_red_line"].fill))
    *_, udb = probe["context_urban_development_boundary"]["symbol_layers"]
    assert udb["properties"]["line_color"].startswith(rgb(CONTEXT_STYLES["urban_development_boundary"].color))
    assert udb["properties"]["customdash"] == "10;3;2;3"


def test_reference_and_unknown_kinds_get_their_own_layers(compliant_gpkg, tmp_path):
    report = with_finding(geocheck.check(compliant_gpkg), "basic_farmland_overlap", towns.rect(100, 100, 50, 50),
                          reference_kind="basic_farmland", reference_id="330106-JB0007")
    report = with_finding(report, "brand_new_kind", towns.rect(300, 300, 50, 50))
    names = write_findings_gpkg(report, tmp_path / "f.gpkg")
    assert names == ["basic_farmland_overlap", "brand_new_kind"]
    farmland = pyogrio.read_dataframe(tmp_path / "f.gpkg", layer="basic_farmland_overlap")
    assert farmland["reference_id"].tolist() == ["330106-JB0007"]
    with sqlite3.connect(tmp_path / "f.gpkg") as db:
        styles = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    assert "255,210,31," in styles["basic_farmland_overlap"]  # the farmland fill colour
    assert 'type="categorizedSymbol" attr="status"' in styles["basic_farmland_overlap"]  # the farmland fill colour
    default_fill = style_for("brand_new_kind").fill.lstrip("#")
    assert f"{int(default_fill[:2], 16)},{int(default_fill[2:4], 16)}," in styles["brand_new_kind"]


def test_written_atomically_old_file_kept_on_failure(gc311_construction_outside_gpkg, tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "findings.gpkg"
    out.write_bytes(b"old")
    report = geocheck.check(gc311_construction_outside_gpkg)
    import geocheck.report.findings_gpkg as fg

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fg, "checks_table", broken)
    with pytest.raises(RuntimeError):
        write_findings_gpkg(report, out)
    assert out.read_bytes() == b"old" and sorted(p.name for p in out_dir.iterdir()) == ["findings.gpkg"]
    monkeypatch.undo()
    assert write_findings_gpkg(report, out) == ["outside_boundary"]
    assert pyogrio.list_layers(out)[0][0] == "outside_boundary"
    assert sorted(p.name for p in out_dir.iterdir()) == ["findings.gpkg"]


# A Gauss–Krüger zone with no EPSG code: CGCS2000, central meridian 118.5°E (between the 3° zones).
CUSTOM_GK = {
    "wkt": 'PROJCRS["CGCS2000 / GK CM 118.5E (custom)",BASEGEOGCRS["China Geodetic Coordinate System 2000",'
           'DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101,LENGTHUNIT["metre",1]]],'
           'PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]],CONVERSION["GK CM 118.5E",'
           'METHOD["Transverse Mercator"],PARAMETER["Latitude of natural origin",0,ANGLEUNIT["degree",0.0174532925199433]],'
           'PARAMETER["Longitude of natural origin",118.5,ANGLEUNIT["degree",0.0174532925199433]],'
           'PARAMETER["Scale factor at natural origin",1,SCALEUNIT["unity",1]],'
           'PARAMETER["False easting",500000,LENGTHUNIT["metre",1]],PARAMETER["False northing",0,LENGTHUNIT["metre",1]]],'
           'CS[Cartesian,2],AXIS["easting",east,ORDER[1],LENGTHUNIT["metre",1]],'
           'AXIS["northing",north,ORDER[2],LENGTHUNIT["metre",1]]]',
    "proj": "+proj=tmerc +lat_0=0 +lon_0=118.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs",
}


@pytest.mark.parametrize("form", CUSTOM_GK)
def test_target_crs_without_epsg_code_is_carried_whole(form, gc311_construction_outside_gpkg, tmp_path,
                                                      report_schema):
    """--crs as WKT or PROJ string: the JSON keeps it as WKT, the findings GeoPackage gets it."""
    given = CRS.from_user_input(CUSTOM_GK[form])
    assert given.to_epsg(min_confidence=70) is None
    findings = tmp_path / "findings.gpkg"
    result = invoke("check", gc311_construction_outside_gpkg, "--crs", CUSTOM_GK[form], "-f", "json",
                    "--findings", findings)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    report_schema.validate(report)
    target = report["target_crs"]
    assert target["epsg"] is None and target["chosen_by"] == "user"
    assert CRS.from_wkt(target["wkt"]).equals(given)
    assert target["label"] != "unknown" and "118.5" in target["label"]
    # Measured in that CRS: the planned area's corners projected by pyproj, shoelace by shapely.
    to_custom = Transformer.from_crs("EPSG:4549", given, always_xy=True)
    planned = shapely.transform(towns.rect(0, 0, 1700, 1800), lambda c: np.column_stack(to_custom.transform(*c.T)))
    assert report["measurements"]["planned_area_m2"] == pytest.approx(planned.area, rel=1e-9)
    # Read back by pyogrio and by GDAL's ogrinfo, the layer's CRS is the one given.
    assert CRS.from_user_input(pyogrio.read_info(findings, layer="outside_boundary")["crs"]).equals(given)
    info = subprocess.run(["ogrinfo", "-so", "-wkt_format", "WKT2", str(findings), "outside_boundary"],
                          capture_output=True, text=True, check=True).stdout
    wkt = info.split("Layer SRS WKT:\n", 1)[1].split("\nData axis to CRS axis mapping", 1)[0]
    assert CRS.from_wkt(wkt).equals(given)
