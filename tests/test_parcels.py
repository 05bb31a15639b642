"""控规 parcels (GC6xx): every number checked against arithmetic or PostGIS, never geocheck itself.

Parcel layers are written by GDAL (pyogrio, ogr2ogr) as GeoPackage and Shapefile (GBK, no .cpg).
The town: a 2 000 m × 1 000 m planned area; its west half (1 km²) is the construction zone,
split into residential / commercial / park strips; its east half is forest.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pyogrio
import pytest

import geocheck
from cli_tools import assert_one_line_error, invoke, run
from lenient_profiles import references_optional
from towns import X0, Y0, frame, rect, write_gpkg

CRS = "EPSG:4549"


def parcels_frame(rows, crs=CRS):
    """rows: (geometry, {field: value}) → a GeoDataFrame with the union of the fields."""
    keys = list(dict.fromkeys(k for _, attrs in rows for k in attrs))
    return frame([g for g, _ in rows], crs, **{k: [a.get(k) for _, a in rows] for k in keys})


def strip_parcels(res_width, *, park_width=100.0, code_field="YDYHFLDM", indicators=True):
    """Construction zone x ∈ [0, 1000): residential (070102), commercial (0901), park (1401);
    east half forest (0301). Residential share of construction land = res_width / 10 %."""
    ind = dict(RJL=2.0, JZMD=30.0, LDL=35.0, JZXG=60.0) if indicators else {}
    com = 1000.0 - res_width - park_width
    rows = [
        (rect(0, 0, res_width, 1000), {"DKBH": "A-01", code_field: "070102", **ind}),
        (rect(res_width, 0, com, 1000), {"DKBH": "A-02", code_field: "0901", **ind}),
        (rect(1000 - park_width, 0, park_width, 1000), {"DKBH": "A-03", code_field: "1401", **ind}),
        (rect(1000, 0, 1000, 1000), {"DKBH": "A-04", code_field: "0301"}),
    ]
    for geom, attrs in rows:
        attrs["YDMJ"] = round(geom.area, 3)
    return rows


def town(path, parcel_rows, layer="用地规划"):
    layers = {
        "规划范围": frame([rect(0, 0, 2000, 1000)], CRS),
        "建设用地": frame([rect(0, 0, 1000, 1000)], CRS),
        layer: parcels_frame(parcel_rows),
    }
    return write_gpkg(path, layers)


def statuses(report, prefix="GC6"):
    return {c.code: c.status.value for c in report.checks if c.code.startswith(prefix)}


# ---------------------------------------------------------------- code lists are data with sources
def test_code_lists_cite_their_source_and_every_parent_exists():
    from geocheck.parcels import code_system

    for name in ("tdyt-2023", "gb50137-2011"):
        cs = code_system(name)
        assert cs.source and len(cs.codes) > 100
        for code in cs.codes:
            assert cs.looks_like(code), code
            for parent in cs.parents(code):
                assert parent in cs.codes, (name, code, parent)
    assert "nixnfg/ArcGIS-Pro-CCTool" in code_system("tdyt-2023").source
    # the 24 first-level classes of the 2023 guide, 01 … 24
    assert sorted(c for c in code_system("tdyt-2023").codes if len(c) == 2) == [f"{i:02d}" for i in range(1, 25)]


def test_crosswalk_codes_exist_in_both_systems():
    from geocheck.parcels import code_system, crosswalk

    gb, new = code_system("gb50137-2011").codes, code_system("tdyt-2023").codes
    cw = crosswalk()
    assert cw["one_to_one"]["R21"] == "070102" and cw["one_to_one"]["G1"] == "1401"
    assert set(cw["decide"]["R2"]) == {"070102", "0702"}  # 二类居住用地 holds housing and services
    for src, dst in cw["one_to_one"].items():
        assert src in gb and dst in new, (src, dst)
    for src, dsts in cw["decide"].items():
        assert src in gb and all(d in new for d in dsts), (src, dsts)
    assert not set(cw["one_to_one"]) & set(cw["decide"])


@pytest.mark.parametrize("code, name, expected", [
    ("070102", None, ("070102", "ok")),
    (70102.0, None, ("070102", "ok")),  # a code stored as a number lost its leading zero
    ("０７０１", "城镇住宅用地", ("0701", "ok")),  # full-width digits
    ("070102", "居住用地", ("070102", "ok")),  # a parent's name agrees
    ("0701", "公园绿地", ("0701", "name_mismatch")),
    (None, "二类居住用地", ("R2", "by_name")),
    ("二类城镇住宅用地", None, ("070102", "by_name")),  # a code field holding a name (用地性质)
    (None, "住宅用地", (None, "ambiguous_name")),  # R11, R21 and R31
    ("0799", None, (None, "unknown_code")),
    ("X1", None, (None, "unknown_code")),
    (None, None, (None, "missing")),
])
def test_codes_resolve_by_code_or_by_name(code, name, expected):
    from geocheck.parcels import resolve

    r = resolve(code, name, ("tdyt-2023", "gb50137-2011"))
    assert (r.code, r.status) == expected


# ---------------------------------------------------------------- land-use structure
@pytest.mark.parametrize("share, status", [(24.9, "pass"), (25.0, "pass"), (25.1, "warn"), (29.9, "warn"),
                                           (30.0, "warn"), (30.1, "fail")])
def test_residential_share_thresholds_national_2021(tmp_path, share, status):
    report = geocheck.check(town(tmp_path / "t.gpkg", strip_parcels(share * 10)), profile="national-2021")
    c = report.check("GC641")
    assert c.status.value == status
    # arithmetic: residential strip share×10 m × 1 000 m over a 1 000 m × 1 000 m construction zone
    assert c.measured["value"] == pytest.approx(share, abs=1e-9)
    assert report.measurements["parcels"]["residential_area_m2"] == pytest.approx(share * 10 * 1000)
    assert (report.verdict.value == "non_compliant") == (status == "fail")


def test_composition_shares_by_arithmetic(tmp_path, report_schema):
    report = geocheck.check(town(tmp_path / "t.gpkg", strip_parcels(200)), profile="generic")
    p = report.measurements["parcels"]
    rows = {r["code"]: r for r in p["composition"]}
    assert set(rows) == {"03", "07", "09", "14"}
    assert rows["07"]["area_m2"] == pytest.approx(200_000) and rows["07"]["share_of_construction_pct"] == pytest.approx(20.0)
    assert rows["09"]["area_m2"] == pytest.approx(700_000) and rows["09"]["share_of_construction_pct"] == pytest.approx(70.0)
    assert rows["14"]["share_of_construction_pct"] == pytest.approx(10.0)
    assert rows["03"]["share_of_construction_pct"] is None and rows["03"]["share_of_total_pct"] == pytest.approx(50.0)
    assert p["construction_area_m2"] == pytest.approx(1_000_000) and p["green_share_of_construction_pct"] == pytest.approx(10.0)
    # 绿化覆盖率 estimate: park 100 000 + (200 000 + 700 000) × 35 % = 415 000 of 2 000 000 m² = 20.75 %
    assert p["green_cover_estimate_pct"] == pytest.approx(20.75)
    assert report.check("GC642").status.value == "pass"  # reported only: no min_green_pct in the profile
    assert p["fields"]["code"] == {"field": "YDYHFLDM", "by": "alias"}
    assert p["fields"]["declared_area"] == {"field": "YDMJ", "by": "alias"}
    report_schema.validate(json.loads(geocheck.report.to_json(report)))
    # everything clean: no GC6xx finding; GC602 skips, the layer has codes but no names
    assert {k: v for k, v in statuses(report).items() if v != "pass"} == {"GC602": "skip"}


# ---------------------------------------------------------------- coverage: gaps, overlaps, outside, slivers
def flawed_parcels():
    """A 3 m × 200 m gap between A-01 and A-02, A-02 grown 10 m × 20 m into A-03 (an overlap), A-04 drawn
    25 m past the east boundary along its 1 000 m, and a 2 m × 3 m sliver inside the gap's end."""
    rows = strip_parcels(300)
    a1, a2, a3, a4 = (g for g, _ in rows)
    gap = rect(297, 400, 3, 200)
    sliver = rect(297, 600, 2, 3)
    rows[0] = (a1.difference(gap), rows[0][1])
    rows[1] = (a2.union(rect(900, 500, 10, 20)), rows[1][1])
    rows[3] = (rect(1000, 0, 1025, 1000), rows[3][1])
    rows.append((sliver, {"DKBH": "A-05", "YDYHFLDM": "1401", "RJL": 0.0, "JZMD": 0.0, "LDL": 90.0, "JZXG": 5.0}))
    rows[0] = (rows[0][0].difference(sliver), rows[0][1])
    for g, attrs in rows:
        attrs["YDMJ"] = round(g.area, 3)
    return rows


def test_gaps_overlaps_outside_and_slivers_by_arithmetic(tmp_path):
    report = geocheck.check(town(tmp_path / "t.gpkg", flawed_parcels()), profile="generic")
    gap, over, out, sliver = (report.check(c) for c in ("GC611", "GC612", "GC613", "GC614"))
    assert gap.status.value == "fail"
    [g] = gap.features
    assert g.measured == pytest.approx(3 * 200, abs=0.01)  # the sliver sits in A-01 next to the gap, not in it
    assert gap.measured["widest_m"] == pytest.approx(3.0, abs=0.02)
    assert over.status.value == "fail" and [f.measured for f in over.features] == [pytest.approx(200.0)]
    assert out.status.value == "warn" and out.measured["m2"] == pytest.approx(25_000.0)
    assert sliver.status.value == "warn" and [f.fid for f in sliver.features] == [5]
    assert report.verdict.value == "non_compliant"


def test_coverage_agrees_with_postgis(tmp_path, postgis):
    gpkg = town(tmp_path / "t.gpkg", flawed_parcels())
    for layer, table in (("用地规划", "lu_parcels"), ("规划范围", "lu_boundary")):
        run(["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, gpkg, layer, "-nln", table, "-lco", "GEOMETRY_NAME=geom",
             "-lco", "FID=fid", "-overwrite"], env=postgis.client_env())
    gap = float(postgis.psql("SELECT ST_Area(ST_Difference((SELECT ST_Union(geom) FROM lu_boundary), "
                             "(SELECT ST_Union(geom) FROM lu_parcels)))"))
    overlap = float(postgis.psql("SELECT sum(ST_Area(ST_Intersection(a.geom, b.geom))) FROM lu_parcels a "
                                 "JOIN lu_parcels b ON a.fid < b.fid AND ST_Intersects(a.geom, b.geom)"))
    outside = float(postgis.psql("SELECT sum(ST_Area(ST_Difference(p.geom, b.geom))) FROM lu_parcels p, lu_boundary b"))
    res = float(postgis.psql("SELECT sum(ST_Area(geom)) FILTER (WHERE yd.c LIKE '07%' AND yd.c NOT LIKE '0702%') / "
                             "sum(ST_Area(geom)) FILTER (WHERE yd.c ~ '^(0[7-9]|1[0-6])') * 100 "
                             "FROM lu_parcels, LATERAL (SELECT ydyhfldm AS c) yd"))
    report = geocheck.check(gpkg, profile="national-2021")
    p = report.measurements["parcels"]
    assert p["gap_area_m2"] == pytest.approx(gap, abs=0.01)
    assert p["overlap_area_m2"] == pytest.approx(overlap, abs=0.01)
    assert p["outside_boundary_area_m2"] == pytest.approx(outside, abs=0.01)
    assert p["residential_share_pct"] == pytest.approx(res, abs=1e-6)


# ---------------------------------------------------------------- declared areas
def test_declared_area_mismatches(tmp_path):
    rows = strip_parcels(200)
    rows[0][1]["YDMJ"] += 0.5  # within 1 m²
    rows[1][1]["YDMJ"] += 2.0  # off
    rows[2][1]["YDMJ"] = None  # blank
    report = geocheck.check(town(tmp_path / "t.gpkg", rows), profile="generic")
    c = report.check("GC621")
    assert c.status.value == "warn" and c.measured["count"] == 2
    assert {f.fid: f.measured for f in c.features} == {2: pytest.approx(2.0, abs=1e-6), 3: None}
    assert c.measured["largest_difference_m2"] == pytest.approx(2.0, abs=1e-6)


def test_declared_area_in_hectares_from_config(tmp_path):
    rows = strip_parcels(200)
    for g, attrs in rows:
        attrs["MJ_HA"] = round(g.area / 10_000, 4)
        del attrs["YDMJ"]
    gpkg = town(tmp_path / "t.gpkg", rows)
    cfg = tmp_path / "geocheck.toml"
    cfg.write_text('profile = "generic"\n[fields]\ndeclared_area = "MJ_HA"\ndeclared_area_unit = "ha"\n', encoding="utf-8")
    out = tmp_path / "r.json"
    result = invoke("check", gpkg, "--config", cfg, "-f", "json", "-o", out)
    assert result.exit_code == 1 and out.exists(), result.output  # generic: a 2 km² town is too small
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["measurements"]["parcels"]["fields"]["declared_area"] == {"field": "MJ_HA", "by": "config"}
    assert [c["status"] for c in data["checks"] if c["code"] == "GC621"] == ["pass"]


# ---------------------------------------------------------------- missing fields, bad codes, indicators
def test_missing_fields_make_checks_not_run_never_pass(tmp_path):
    rows = [(g, {"备注": "无字段"}) for g, _ in strip_parcels(200)]
    report = geocheck.check(town(tmp_path / "t.gpkg", rows), profile="national-2021")
    s = statuses(report)
    for code in ("GC601", "GC621", "GC631", "GC641", "GC642", "GC651", "GC652"):
        assert s[code] == "not_run", code
    assert s["GC602"] == "skip"
    assert "declared area" in report.check("GC621").message_en and "YDMJ" in report.check("GC621").message_en
    # geometry-only rules still run
    assert s["GC611"] == "pass" and s["GC612"] == "pass"
    assert sum(v == "not_run" for v in s.values()) == 7
    assert report.verdict.value == "incomplete"  # nothing failed, but required checks could not run


def test_profile_without_landuse_table_makes_parcel_rules_not_run(tmp_path):
    from geocheck.profile import bundled_profiles

    text = bundled_profiles()["generic"].read_text(encoding="utf-8")
    custom = tmp_path / "no-landuse.toml"
    custom.write_text(text[:text.index("[landuse]")].replace('name = "generic"', 'name = "no-landuse"'),
                      encoding="utf-8")
    report = geocheck.check(town(tmp_path / "t.gpkg", strip_parcels(200)), profile=custom)
    assert set(statuses(report).values()) == {"not_run"}
    assert "[landuse]" in report.check("GC611").message_en
    assert report.measurements["parcels"] is None


def test_unknown_codes_and_name_mismatch_are_findings(tmp_path):
    rows = strip_parcels(200)
    rows[0][1]["YDYHFLDM"] = "0799"
    rows[1][1]["YDYHFLMC"] = "公园绿地"  # 0901 is 商业用地
    rows[2][1]["YDYHFLDM"] = None  # neither code nor name
    report = geocheck.check(town(tmp_path / "t.gpkg", rows), profile="generic")
    codes, names = report.check("GC601"), report.check("GC602")
    assert codes.status.value == "fail" and codes.measured["bad"] == 2
    assert sorted(f.fid for f in codes.features) == [1, 3] and "'0799'" in codes.features[0].info
    assert names.status.value == "warn" and [f.fid for f in names.features] == [2]
    assert "商业用地" in names.features[0].info
    # unresolved parcels are a row of their own, not silently dropped from the composition
    unresolved = [r for r in report.measurements["parcels"]["composition"] if r["code"] is None]
    assert unresolved[0]["parcels"] == 2 and unresolved[0]["area_m2"] == pytest.approx(200_000 + 100_000)


def test_indicator_presence_and_ranges(tmp_path):
    rows = strip_parcels(200)
    rows[0][1]["JZXG"] = None  # missing on a construction parcel
    rows[1][1]["RJL"] = 65.0  # implausible
    rows[2][1]["LDL"] = "≤90"  # not a number
    for _, attrs in rows:
        attrs.update(RJLSX=3.0, RJLXX=1.0)
    rows[1][1]["RJLSX"], rows[1][1]["RJLXX"] = 2.0, 2.5  # upper below lower
    report = geocheck.check(town(tmp_path / "t.gpkg", rows), profile="generic")
    present, values = report.check("GC651"), report.check("GC652")
    assert present.status.value == "warn" and [f.fid for f in present.features] == [1]
    assert "height limit" in present.features[0].info
    assert values.status.value == "warn"
    info = {f.fid: f.info for f in values.features}
    assert set(info) == {2, 3}
    assert "floor-area ratio (FAR) 65 outside 0–50" in info[2] and "FAR upper limit 2 < FAR lower limit 2.5" in info[2]
    assert "green ratio (%) not a number" in info[3]


# ---------------------------------------------------------------- construction land vs construction zone
def test_construction_land_vs_zone_geometry(tmp_path):
    rows = strip_parcels(200)
    rows[2][1]["YDYHFLDM"] = "0301"  # the park strip (100 000 m²) coded as forest
    rows[3] = (rows[3][0], {**rows[3][1], "YDYHFLDM": "0901"})  # the forest half coded as commercial
    report = geocheck.check(town(tmp_path / "t.gpkg", rows), profile="generic")
    c = report.check("GC631")
    assert c.measured["zone_not_coded_m2"] == pytest.approx(100_000)
    assert c.measured["coded_outside_zone_m2"] == pytest.approx(1_000_000)
    kinds = {f.kind: f.geometry.area for f in c.features}
    assert kinds == {"construction_outside_zone": pytest.approx(1_000_000), "zone_not_construction": pytest.approx(100_000)}
    assert c.status.value == "warn"


# ---------------------------------------------------------------- formats: Shapefile GBK without .cpg, DXF
def test_gbk_shapefile_without_cpg_resolves_names(tmp_path):
    rows = []
    for geom, attrs in strip_parcels(260):
        name = {"070102": "二类城镇住宅用地", "0901": "商业用地", "1401": "公园绿地", "0301": "乔木林地"}[attrs["YDYHFLDM"]]
        rows.append((geom, {"地块编号": attrs["DKBH"], "用地性质": name, "用地面积": attrs["YDMJ"]}))
    folder = tmp_path / "shp"
    folder.mkdir()
    for name, gdf in {"规划范围": frame([rect(0, 0, 2000, 1000)], CRS), "建设用地": frame([rect(0, 0, 1000, 1000)], CRS),
                      "地块": parcels_frame(rows)}.items():
        pyogrio.write_dataframe(gdf, folder / f"{name}.shp", driver="ESRI Shapefile", encoding="GBK")
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()
    assert "二类城镇住宅用地".encode("gbk") in (folder / "地块.dbf").read_bytes()
    report = geocheck.check(folder, profile="national-2021")
    p = report.measurements["parcels"]
    assert p["fields"]["code"]["field"] == "用地性质" and p["fields"]["declared_area"]["field"] == "用地面积"
    assert report.check("GC601").measured["resolved_by_name"] == 4
    assert any("4 parcel(s)" in n["en"] and "land-use name" in n["en"] for n in report.notes)
    assert report.check("GC641").measured["value"] == pytest.approx(26.0)
    assert report.check("GC641").status.value == "warn"
    assert report.check("GC621").status.value == "pass"


def test_dxf_hatches_with_text_labels(tmp_path):
    ezdxf = pytest.importorskip("ezdxf")  # a test dependency (pyproject [test]); present in CI
    doc = ezdxf.new("R2010")
    doc.header["$DWGCODEPAGE"] = "ANSI_936"
    msp = doc.modelspace()

    def square(geom, layer):
        pts = list(geom.exterior.coords)[:-1]
        hatch = msp.add_hatch(dxfattribs={"layer": layer})
        hatch.paths.add_polyline_path(pts, is_closed=True)

    square(rect(0, 0, 2000, 1000), "规划范围")
    square(rect(0, 0, 1000, 1000), "建设用地")
    for geom, attrs in strip_parcels(240):
        square(geom, "地块")
        c = geom.centroid
        msp.add_text(attrs["YDYHFLDM"], dxfattribs={"layer": "地块", "height": 5}).set_placement((c.x, c.y))
    path = tmp_path / "plan.dxf"
    doc.saveas(path)
    report = geocheck.check(path, profile="national-2021", assume_crs=CRS)
    p = report.measurements["parcels"]
    assert p["parcel_count"] == 4 and p["unresolved_count"] == 0
    assert report.check("GC641").measured["value"] == pytest.approx(24.0)
    assert report.check("GC641").status.value == "pass"
    assert p["fields"]["code"]["by"] == "cad_text"


def test_dxf_hatches_with_a_cad_layer_per_code(tmp_path):
    ezdxf = pytest.importorskip("ezdxf")
    doc = ezdxf.new("R2010")
    doc.header["$DWGCODEPAGE"] = "ANSI_936"
    msp = doc.modelspace()
    for geom, layer in [(rect(0, 0, 2000, 1000), "规划范围"), (rect(0, 0, 1000, 1000), "建设用地")] + [
            (g, f"地块-{a['YDYHFLDM']}") for g, a in strip_parcels(310)]:
        msp.add_hatch(dxfattribs={"layer": layer}).paths.add_polyline_path(list(geom.exterior.coords)[:-1],
                                                                            is_closed=True)
    msp.add_text("图框", dxfattribs={"layer": "A1"}).set_placement((X0, Y0))  # a sheet layer, not a class
    path = tmp_path / "plan.dxf"
    doc.saveas(path)
    report = geocheck.check(path, profile="national-2021", assume_crs=CRS)
    p = report.measurements["parcels"]
    assert p["fields"]["code"] == {"field": "CAD图层代码", "by": "cad_layer"}
    assert p["parcel_count"] == 4 and p["unresolved_count"] == 0
    assert report.check("GC641").measured["value"] == pytest.approx(31.0)
    assert report.check("GC641").status.value == "fail"
    assert any("地块-070102" in n["en"] for n in report.notes)


# ---------------------------------------------------------------- CLI, config, findings GeoPackage
def test_cli_parcels_option_and_findings_layers(tmp_path):
    gpkg = town(tmp_path / "t.gpkg", flawed_parcels(), layer="KZ_LAYER")
    rows = flawed_parcels()
    rows[1][1]["YDYHFLDM"] = "9999"
    rows[2][1]["YDMJ"] += 10.0
    pyogrio.write_dataframe(parcels_frame(rows), gpkg, layer="KZ_LAYER", driver="GPKG")
    findings = tmp_path / "f.gpkg"
    result = invoke("check", gpkg, "--parcels", "KZ_LAYER", "-p", "generic", "--findings", findings)
    assert result.exit_code == 1, result.output
    assert "用地构成" in result.output and "Land-use composition" in result.output
    layers = {name for name, _ in pyogrio.list_layers(findings)}
    assert {"bad_code", "parcel_gap", "parcel_overlap", "area_mismatch", "parcel_outside"} <= layers
    gaps = gpd.read_file(findings, layer="parcel_gap")
    assert gaps.geometry.area.sum() == pytest.approx(600.0, abs=0.05)


def test_config_field_that_does_not_exist_is_a_one_line_error(tmp_path):
    gpkg = town(tmp_path / "t.gpkg", strip_parcels(200))
    cfg = tmp_path / "geocheck.toml"
    cfg.write_text('[fields]\ncode = "NO_SUCH"\n', encoding="utf-8")
    assert_one_line_error(invoke("check", gpkg, "--config", cfg), "[fields] code = 'NO_SUCH'", "t.gpkg", "YDYHFLDM")


def test_config_unknown_field_purpose_is_a_one_line_error(tmp_path):
    gpkg = town(tmp_path / "t.gpkg", strip_parcels(200))
    cfg = tmp_path / "geocheck.toml"
    cfg.write_text('[fields]\nlanduse = "YDYHFLDM"\n', encoding="utf-8")
    assert_one_line_error(invoke("check", gpkg, "--config", cfg), "fields", "landuse", "geocheck.toml")


def test_markdown_and_html_show_the_composition_table(tmp_path):
    gpkg = town(tmp_path / "t.gpkg", strip_parcels(200))
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    profile = references_optional("national-2021")  # compliant without reference layers
    assert invoke("check", gpkg, "-p", profile, "-f", "markdown", "-o", md).exit_code == 0
    assert invoke("check", gpkg, "-p", profile, "-f", "html", "--lang", "en", "-o", html).exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert re.search(r"\| 07 居住用地 \| 1 \| 0\.2000 \| 300 \| 200 000 \| 20\.00% \| 10\.00% \|", text), text
    page = html.read_text(encoding="utf-8")
    assert 'id="landuse-composition"' in page and "20.00%" in page and 'id="landuse-chart"' in page


# ---------------------------------------------------------------- the sample towns
def test_sample_towns_parcels():
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "sample_data"
    ok = geocheck.check(samples / "compliant_town.gpkg", profile="national-2021")
    assert ok.check("GC641").measured["value"] == pytest.approx(16.0, abs=1e-3)
    assert ok.check("GC641").status.value == "pass"
    assert {ok.check(c).status.value for c in ("GC601", "GC611", "GC612", "GC621")} == {"pass"}
    bad = geocheck.check(samples / "noncompliant_town", profile="national-2021")
    assert bad.check("GC641").status.value == "fail" and bad.check("GC641").measured["value"] > 30
    assert bad.check("GC611").measured["m2"] == pytest.approx(600.0, abs=0.5)  # 4 m × 150 m
    assert bad.check("GC612").measured["m2"] == pytest.approx(300.0, abs=0.5)  # 12 m × 25 m
    assert bad.check("GC621").measured["count"] == 1
