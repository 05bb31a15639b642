"""Reference layers (GC4xx): red lines, farmland, development boundary, heritage sites.

Every reference layer is a real file written by GDAL (pyogrio, ogr2ogr, rasterio) or a real
PostGIS table loaded by ogr2ogr; every number is checked against arithmetic, an independent
shapely/pyproj computation or PostGIS ST_Area(ST_Intersection(...)).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from psycopg import sql
from pyproj import Transformer
from shapely.geometry import Point, box

import geocheck
import towns
from cli_tools import assert_one_line_error, invoke, run
from geocheck.crs import parse_crs
from geocheck.errors import InputError
from geocheck.references import ReferenceSet, parse_reference, specs_from_config
from geocheck.report import to_json
from towns import TO_LONLAT, X0, Y0, frame, rect, to_lonlat, write_gpkg

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"
REF = SAMPLE / "reference"
SAMPLE_REFS = [
    f"ecological_red_line={REF / 'ecological_red_line.gpkg'}",
    f"basic_farmland={REF / 'basic_farmland.gpkg'}",
    f"urban_development_boundary={REF / 'urban_development_boundary.gpkg'}",
    f"heritage_protection_range={REF / 'heritage_sites.gpkg'}:文物保护范围",
    f"heritage_points={REF / 'heritage_sites.gpkg'}:文物保护单位",
]
RULES_4XX = ("GC401", "GC402", "GC411", "GC421", "GC431", "GC432", "GC433", "GC434")


def statuses(report, codes=RULES_4XX):
    return {c.code: c.status.value for c in report.checks if c.code in codes}


def overlaps(report, kind, role, relation="overlap"):
    return {o["reference_id"]: o["area_m2"] for o in report.measurements["overlaps"]
            if o["reference_kind"] == kind and o["role"] == role and o.get("relation", "overlap") == relation}


def write_profile(path: Path, rules: str) -> Path:
    path.write_text('name = "refs-test"\ntitle_zh = "测试"\ntitle_en = "test"\nsource = "test"\n'
                    '[roles]\nboundary = "required"\nconstruction = "required"\n[references]\n'
                    '[measurement_tolerance]\narea_m2 = 1.0\nlength_m = 0.01\ncrs_distortion_pct = 0.5\n' + rules,
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------- sample data


def test_noncompliant_sample_gets_red_line_farmland_udb_and_heritage_findings(report_schema):
    report = geocheck.check(SAMPLE / "noncompliant_town", profile="zhejiang-2015", references=SAMPLE_REFS)
    report_schema.validate(json.loads(to_json(report)))
    assert statuses(report) == {"GC401": "fail", "GC402": "warn", "GC411": "fail", "GC421": "fail",
                                "GC431": "pass", "GC432": "skip", "GC433": "warn", "GC434": "warn"}
    # make_sample_data.py tuned these overlaps: 30 000 m² of red line, 20 000 m² of farmland.
    assert overlaps(report, "ecological_red_line", "construction") == {"330106-0012": pytest.approx(30_000, abs=1)}
    assert overlaps(report, "basic_farmland", "construction") == {"330106-JB0007": pytest.approx(20_000, abs=1)}
    gc401 = report.check("GC401")
    assert gc401.measured["mu"] == pytest.approx(45.0, abs=0.01)
    assert gc401.threshold["max_m2"] == 0.01 and "0.01 m²" in gc401.threshold["text_en"]
    assert [(f.reference_kind, f.reference_id) for f in gc401.features] == [("ecological_red_line", "330106-0012")]
    assert gc401.features[0].geometry.area == pytest.approx(30_000, abs=1)
    assert "五云山森林生态保护红线" in gc401.message_zh
    # The part outside the development boundary, computed independently with geopandas.
    import geopandas as gpd

    udb = gpd.read_file(REF / "urban_development_boundary.gpkg").to_crs("EPSG:4549").union_all()
    con = gpd.read_file(SAMPLE / "noncompliant_town" / "construction.shp").to_crs("EPSG:4549").union_all()
    outside = overlaps(report, "urban_development_boundary", "construction", "outside")
    assert outside == {None: pytest.approx(con.difference(udb).area, rel=1e-6)}
    assert report.check("GC421").measured["m2"] == pytest.approx(con.difference(udb).area, abs=0.01)
    # 福缘寺旧址 (省级) is 40 m from part B and has no published range: assumed buffers, said so.
    gc433 = report.check("GC433")
    assert "福缘寺旧址" in gc433.message_zh and gc433.measured["assumed_buffer"] is True
    # Only the assumed circle reaches construction land: an assumption never fails a plan alone.
    assert gc433.severity.value == "warning" and "assumed radius" in gc433.message_en
    assert any("assumed" in n["en"] and "no national default" in n["en"] for n in report.notes)
    assumed = [o for o in report.measurements["overlaps"] if o["reference_kind"] == "heritage_points"]
    assert {o["assumed_buffer_m"] for o in assumed} == {60, 110}
    refs = {r["kind"]: r for r in report.inputs["references"]}
    assert refs["ecological_red_line"]["crs"].startswith("EPSG:4490")
    assert refs["ecological_red_line"]["candidates_read"] == 1  # of 6 red-line polygons


def test_compliant_sample_has_no_reference_findings(report_schema):
    report = geocheck.check(SAMPLE / "compliant_town.gpkg", profile="zhejiang-2015", references=SAMPLE_REFS)
    report_schema.validate(json.loads(to_json(report)))
    assert statuses(report) == {code: "pass" for code in RULES_4XX} | {"GC432": "skip"}
    assert report.verdict.value == "compliant"
    # The farmland patch reaching into the planned area (allowed) is still shown in measurements.
    assert overlaps(report, "basic_farmland", "boundary").keys() == {"330110-JB0004"}
    assert overlaps(report, "basic_farmland", "construction") == {}


def test_missing_required_reference_kind_is_not_run_and_the_town_incomplete():
    # The sample town: the sample farmland layer covers it (a layer that does not is not_run too).
    report = geocheck.check(SAMPLE / "compliant_town.gpkg", profile="generic",
                            references=[f"basic_farmland={REF / 'basic_farmland.gpkg'}"])
    gc401 = report.check("GC401")
    assert gc401.status.value == "not_run"
    assert "--reference ecological_red_line=" in gc401.message_en and "生态保护红线" in gc401.message_zh
    assert report.check("GC411").status.value == "pass"
    assert report.summary["fail"] == 0
    assert report.verdict.value == "incomplete" and report.exit_code == 3


def test_missing_optional_reference_kind_skips_with_reason(compliant_gpkg, tmp_path):
    profile = write_profile(tmp_path / "p.toml", '[rules.GC401]\ntolerance_m2 = 0.01\nsource = "s"\n')
    report = geocheck.check(compliant_gpkg, profile=profile)
    gc401 = report.check("GC401")
    assert gc401.status.value == "skip" and "optional" in gc401.message_en
    assert report.verdict.value == "compliant"


def test_one_heritage_kind_of_the_group_is_enough(compliant_gpkg):
    report = geocheck.check(compliant_gpkg, profile="generic",
                            references=[f"heritage_points={REF / 'heritage_sites.gpkg'}:文物保护单位"])
    assert report.check("GC433").status.value != "not_run"
    assert report.check("GC431").status.value == "skip"  # the group is satisfied by heritage_points
    no_heritage = geocheck.check(compliant_gpkg, profile="generic")
    assert {no_heritage.check(c).status.value for c in ("GC431", "GC433", "GC434")} == {"not_run"}
    assert "one of these reference layers" in no_heritage.check("GC431").message_en


# --------------------------------------------------------------------------- PostGIS agreement


@pytest.fixture(scope="module")
def sample_refs_in_postgis(postgis, tmp_path_factory):
    """The sample reference layers and the non-compliant town loaded by ogr2ogr into PostGIS."""
    env = postgis.client_env()
    loads = [(REF / "ecological_red_line.gpkg", "red_line"), (REF / "basic_farmland.gpkg", "farmland"),
             (REF / "urban_development_boundary.gpkg", "udb"),
             (SAMPLE / "noncompliant_town" / "construction.shp", "yq_construction"),
             (SAMPLE / "noncompliant_town" / "planning_boundary.shp", "yq_boundary")]
    for src, table in loads:
        run(["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, src, "-nln", table, "-lco", "GEOMETRY_NAME=geom",
             "-nlt", "PROMOTE_TO_MULTI", "-overwrite"], env=env)
    return postgis


def pg_overlaps(pg, table, id_col, town_table):
    rows = pg.psql(
        f"SELECT r.{id_col}, ST_Area(ST_Intersection(ST_Transform(r.geom, 4549), t.g)) "
        f"FROM {table} r, (SELECT ST_Union(ST_Transform(geom, 4549)) g FROM {town_table}) t "
        f"WHERE ST_Intersects(ST_Transform(r.geom, 4549), t.g)")
    return {line.split("|")[0]: float(line.split("|")[1]) for line in rows.splitlines() if line}


@pytest.mark.parametrize("via", ["gpkg", "postgis_uri", "pg_string"])
def test_overlap_areas_agree_with_postgis_st_intersection(sample_refs_in_postgis, via, report_schema):
    pg = sample_refs_in_postgis
    if via == "gpkg":
        refs = SAMPLE_REFS[:3]
    elif via == "postgis_uri":
        refs = [f"ecological_red_line={pg.dsn}#public.red_line", f"basic_farmland={pg.dsn}#farmland",
                f"urban_development_boundary={pg.dsn}#udb"]
    else:
        refs = [f"ecological_red_line={pg.ogr_dsn}#red_line(geom)", f"basic_farmland={pg.ogr_dsn}#public.farmland",
                f"urban_development_boundary={pg.ogr_dsn}#udb"]
    report = geocheck.check(SAMPLE / "noncompliant_town", profile="generic", references=refs)
    report_schema.validate(json.loads(to_json(report)))
    for kind, table, id_col in (("ecological_red_line", "red_line", "hxbh"), ("basic_farmland", "farmland", "jbnttbbh"),
                                ("urban_development_boundary", "udb", "xzqdm")):
        for role, town in (("construction", "yq_construction"), ("boundary", "yq_boundary")):
            expected = pg_overlaps(pg, table, id_col, town)
            got = overlaps(report, kind, role)
            assert got.keys() == expected.keys(), (kind, role)
            for rid, area in expected.items():
                assert got[rid] == pytest.approx(area, rel=1e-3), (kind, role, rid)
    outside = float(pg.psql("SELECT ST_Area(ST_Difference(c.g, u.g)) FROM "
                            "(SELECT ST_Union(ST_Transform(geom, 4549)) g FROM yq_construction) c, "
                            "(SELECT ST_Union(ST_Transform(geom, 4549)) g FROM udb) u"))
    assert report.check("GC421").measured["m2"] == pytest.approx(outside, rel=1e-3)
    if via != "gpkg":
        src = report.inputs["references"][0]
        assert src["format"] == "PostGIS" and src["layer"] == "public.red_line(geom)"


# --------------------------------------------------------------------------- CRS


def test_submission_in_4549_against_red_line_in_4490_equals_both_in_4549(tmp_path):
    town = tmp_path / "town4549.gpkg"
    for shp in ("planning_boundary", "construction"):
        update = ["-update"] if town.exists() else []
        run(["ogr2ogr", "-f", "GPKG", *update, "-t_srs", "EPSG:4549", "-nln", shp, town,
             SAMPLE / "noncompliant_town" / f"{shp}.shp"])
    red4549 = tmp_path / "red4549.gpkg"
    run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:4549", red4549, REF / "ecological_red_line.gpkg"])
    assert pyogrio.read_info(red4549)["crs"] == "EPSG:4549"
    a = geocheck.check(town, references=[f"ecological_red_line={REF / 'ecological_red_line.gpkg'}"])
    b = geocheck.check(town, references=[f"ecological_red_line={red4549}"])
    assert a.inputs["references"][0]["crs"].startswith("EPSG:4490")
    # Independently: shapely on the files ogr2ogr wrote in EPSG:4549, read directly.
    red = pyogrio.read_dataframe(red4549)
    for role, layer in (("construction", "construction"), ("boundary", "planning_boundary")):
        area = pyogrio.read_dataframe(town, layer=layer).union_all()
        expected = {rid: g.intersection(area).area for rid, g in red.dissolve("hxbh").geometry.items()
                    if g.intersects(area)}
        ov_a, ov_b = overlaps(a, "ecological_red_line", role), overlaps(b, "ecological_red_line", role)
        assert ov_a.keys() == ov_b.keys() == expected.keys() and expected
        for rid, want in expected.items():
            assert ov_b[rid] == pytest.approx(want, rel=1e-6), (role, rid)
            assert ov_a[rid] == pytest.approx(want, rel=1e-6), (role, rid)
    assert overlaps(a, "ecological_red_line", "construction")["330106-0012"] == pytest.approx(30_000, abs=1)


# --------------------------------------------------------------------------- raster masks


@pytest.fixture
def red_line_raster_and_vector_equivalent(tmp_path):
    """A GeoTIFF mask in EPSG:4490 (1e-4° cells; zone 7 a disc, zone 9 a block) over the test
    town's construction, and the same cells as polygons (cell corners densified) in a GeoPackage."""
    import rasterio
    from affine import Affine

    lon0, lat0 = TO_LONLAT.transform(X0 - 300, Y0 + 1800)
    lon0, lat0 = round(lon0, 4), round(lat0, 4)
    cell, n = 1e-4, 300
    rows, cols = np.mgrid[0:n, 0:n]
    data = np.zeros((n, n), dtype="uint8")
    data[(rows - 120) ** 2 + (cols - 90) ** 2 < 45 ** 2] = 7  # a disc about 900 m across
    data[100:160, 120:220] = 9  # a block
    tif = tmp_path / "red_mask.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint8", crs="EPSG:4490",
                       transform=Affine(cell, 0, lon0, 0, -cell, lat0), nodata=0) as ds:
        ds.write(data, 1)
    ids, geoms = [], []
    for value in (7, 9):
        r, c = np.nonzero(data == value)
        cells = shapely.box(lon0 + c * cell, lat0 - (r + 1) * cell, lon0 + (c + 1) * cell, lat0 - r * cell)
        ids.append(value)
        geoms.append(shapely.segmentize(shapely.union_all(cells), cell))
    gpkg = tmp_path / "red_cells.gpkg"
    pyogrio.write_dataframe(frame(geoms, "EPSG:4490", hxbh=ids), gpkg, layer="生态保护红线")
    t = Transformer.from_crs("EPSG:4490", "EPSG:4549", always_xy=True)
    x, y = t.transform([lon0, lon0 + cell, lon0 + cell, lon0], [lat0, lat0, lat0 - cell, lat0 - cell])
    pixel_m2 = shapely.Polygon(zip(x, y)).area
    return tif, gpkg, pixel_m2


def test_raster_mask_overlap_matches_vector_equivalent_within_a_pixel(red_line_raster_and_vector_equivalent,
                                                                      compliant_gpkg, report_schema):
    tif, gpkg, pixel_m2 = red_line_raster_and_vector_equivalent
    raster = geocheck.check(compliant_gpkg, references=[f"ecological_red_line={tif}"])
    vector = geocheck.check(compliant_gpkg, references=[f"ecological_red_line={gpkg}"])
    report_schema.validate(json.loads(to_json(raster)))
    # Independently: the cell polygons read from the GeoPackage, projected by pyproj, intersected by
    # shapely with the town's own boxes.
    cells = pyogrio.read_dataframe(gpkg).to_crs("EPSG:4549").set_index("hxbh").geometry
    town = towns.compliant_layers()
    for role, layer in (("construction", "建设用地"), ("boundary", "规划范围")):
        area = town[layer].union_all()
        expected = {zone: cells[zone].intersection(area).area for zone in (7, 9)}
        assert all(a > 100 * pixel_m2 for a in expected.values()), expected
        r, v = overlaps(raster, "ecological_red_line", role), overlaps(vector, "ecological_red_line", role)
        assert r.keys() == v.keys() == {7, 9}, role
        for zone, want in expected.items():
            assert v[zone] == pytest.approx(want, rel=1e-6), (role, zone, v[zone], want)
            assert abs(r[zone] - want) <= pixel_m2, (role, zone, r[zone], want, pixel_m2)
    assert raster.check("GC401").status.value == "fail"
    assert raster.inputs["references"][0]["format"] == "GTiff mask"


def test_raster_mask_away_from_the_town_is_not_run_not_a_pass(red_line_raster_and_vector_equivalent, tmp_path):
    """A mask that does not reach the town cannot show the town is clear of the red line."""
    tif, _, _ = red_line_raster_and_vector_equivalent
    far = {k: frame([shapely.affinity.translate(g, 30_000, 0) for g in v.geometry], "EPSG:4549")
           for k, v in towns.compliant_layers().items()}
    report = geocheck.check(write_gpkg(tmp_path / "far.gpkg", far), references=[f"ecological_red_line={tif}"])
    assert report.check("GC401").status.value == "not_run"
    assert "does not cover the town" in report.check("GC401").message_en
    assert report.verdict.value == "incomplete"
    assert report.inputs["references"][0]["candidates_read"] == 0


# --------------------------------------------------------------------------- province-size layers


GRID_STEP, SQUARE = 0.01, 0.004
GRID_LON0, GRID_LAT0, GRID_NX, GRID_NY = 119.0, 29.8, 200, 100  # 20 000 squares


@pytest.fixture(scope="module")
def large_red_line_layer(tmp_path_factory):
    """20 000 red-line squares (0.004°) on a 0.01° grid over 2° × 1° in EPSG:4490, as a GeoPackage
    (R-tree) and a Shapefile with a .qix spatial index."""
    root = tmp_path_factory.mktemp("large")
    i, j = np.meshgrid(np.arange(GRID_NX), np.arange(GRID_NY))
    x0, y0 = GRID_LON0 + i.ravel() * GRID_STEP, GRID_LAT0 + j.ravel() * GRID_STEP
    squares = shapely.box(x0, y0, x0 + SQUARE, y0 + SQUARE)
    gdf = frame(squares, "EPSG:4490", hxbh=[f"HX{k:05d}" for k in range(len(squares))])
    gpkg, shp = root / "red.gpkg", root / "red.shp"
    pyogrio.write_dataframe(gdf, gpkg, layer="生态保护红线")
    pyogrio.write_dataframe(gdf, shp, layer_options={"SPATIAL_INDEX": "YES"})
    assert (root / "red.qix").exists()
    return gpkg, shp, squares


def expected_candidates(squares, town_lonlat_bounds):
    return int(shapely.intersects(squares, box(*town_lonlat_bounds)).sum())


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_bbox_read_returns_only_candidates_of_a_large_layer(large_red_line_layer, compliant_gpkg, fmt):
    gpkg, shp, squares = large_red_line_layer
    report = geocheck.check(compliant_gpkg, references=[f"ecological_red_line={gpkg if fmt == 'gpkg' else shp}"])
    read = report.inputs["references"][0]["candidates_read"]
    town = shapely.union_all([g for v in towns.compliant_layers().values() for g in v.geometry])
    bounds = to_lonlat(shapely.segmentize(town, 10)).bounds
    assert read >= expected_candidates(squares, bounds) > 0
    assert read <= 2 * expected_candidates(squares, bounds) + 4
    assert read < len(squares) / 1000
    # The overlap itself, against shapely on the whole layer (the slow way).
    con = to_lonlat(shapely.segmentize(towns.compliant_layers()["建设用地"].union_all(), 5))
    hit = [f"HX{k:05d}" for k in np.nonzero(shapely.intersects(squares, con))[0]]
    assert sorted(overlaps(report, "ecological_red_line", "construction")) == hit


def test_postgis_candidate_query_uses_the_gist_index(large_red_line_layer, postgis, compliant_gpkg):
    gpkg, _, squares = large_red_line_layer
    run(["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, gpkg, "-nln", "big_red", "-lco", "GEOMETRY_NAME=geom",
         "-overwrite"], env=postgis.client_env())
    postgis.psql("ANALYZE big_red")
    with ReferenceSet.open([f"ecological_red_line={postgis.dsn}#big_red"]) as refs:
        src = refs.sources[0]
        report = geocheck.check(compliant_gpkg, references=refs)
        town = shapely.union_all([g for v in towns.compliant_layers().values() for g in v.geometry])
        assert report.target_crs["epsg"] == 4549
        box_4490 = src.source_box(town.bounds, parse_crs("EPSG:4549"))

        plan = "\n".join(r[0] for r in src.conn.execute(sql.SQL("EXPLAIN ") + src.sql, box_4490))
    assert "Index" in plan and "Seq Scan" not in plan, plan
    read = report.inputs["references"][0]["candidates_read"]
    assert 0 < read < len(squares) / 1000
    assert report.inputs["references"][0]["feature_count"] == pytest.approx(len(squares), rel=0.1)


# --------------------------------------------------------------------------- heritage


HERITAGE_PROFILE = """
[rules.GC431]
tolerance_m2 = 0.01
source = "文物保护法 art. 28"
[rules.GC432]
tolerance_m2 = 0.01
severity = "warning"
source = "文物保护法 art. 29"
[rules.GC433]
tolerance_m2 = 0.01
radius_m_by_level = { "省级" = 60, "全国重点文物保护单位" = 100 }
source = "assumed: Guangdong 1994"
[rules.GC434]
tolerance_m2 = 0.01
radius_m_by_level = { "省级" = 110, "全国重点文物保护单位" = 150 }
severity = "warning"
source = "assumed: Guangdong 1994"
"""


@pytest.fixture
def heritage_point_40m_from_construction(tmp_path):
    """Construction is rect(200, 200, 1000, 1000). Points: a 省级 site 40 m north of it, a site of
    unknown level 30 m west of it, and a site inside it whose zones are published as polygons."""
    points = [Point(X0 + 700, Y0 + 1240), Point(X0 + 170, Y0 + 700), Point(X0 + 700, Y0 + 700)]
    gpkg = tmp_path / "heritage.gpkg"
    pyogrio.write_dataframe(frame(points, "EPSG:4549", wwmc=["北寺", "无级别亭", "有范围的寺"],
                                  bhjb=["省级文物保护单位", "未定级", "省级文物保护单位"]), gpkg, layer="文物保护单位")
    pyogrio.write_dataframe(frame([rect(650, 650, 100, 100)], "EPSG:4549", wwmc=["有范围的寺"]), gpkg,
                            layer="文物保护范围")
    pyogrio.write_dataframe(frame([rect(1150, 500, 200, 100)], "EPSG:4549", wwmc=["有范围的寺"]), gpkg,
                            layer="建设控制地带")
    return gpkg


def segment_area(r, d):
    """Area of a circle of radius r beyond a straight line at distance d from its centre."""
    return r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)


def test_heritage_points_buffered_by_level_and_said_to_be_assumed(heritage_point_40m_from_construction,
                                                                   compliant_gpkg, tmp_path, report_schema):
    gpkg = heritage_point_40m_from_construction
    profile = write_profile(tmp_path / "h.toml", HERITAGE_PROFILE)
    report = geocheck.check(compliant_gpkg, profile=profile, references=[
        f"heritage_points={gpkg}:文物保护单位", f"heritage_protection_range={gpkg}:文物保护范围",
        f"heritage_control_zone={gpkg}:建设控制地带"])
    report_schema.validate(json.loads(to_json(report)))
    gc433, gc434 = report.check("GC433"), report.check("GC434")
    assert gc433.status.value == "warn"  # the 60 m circle is assumed: it warns, never fails alone
    assert "assumed radius" in gc433.message_en and "假定半径" in gc433.message_zh
    assert gc433.measured["m2"] == pytest.approx(segment_area(60, 40), rel=2e-3)
    assert gc434.status.value == "warn"
    assert gc434.measured["m2"] == pytest.approx(segment_area(110, 40), rel=2e-3)
    assert "consent" in gc434.message_en and "文物行政部门同意" in gc434.message_zh
    for c in (gc433, gc434):
        assert c.measured["assumed_buffer"] is True and "assumed" in c.message_en
        assert c.measured["points_with_published_zone"] == 1 and c.measured["points_with_unknown_level"] == 1
        assert "无级别亭" in c.message_zh and "by hand" in c.message_en
        assert [f.kind for f in c.features].count("heritage_points_level_unknown") == 1
    assert sum("no national default" in n["en"] for n in report.notes) == 2
    # The published polygons judge the third site: inside the construction zone (error) and
    # its control zone reaching 50 m into it (warning, consent needed).
    assert report.check("GC431").status.value == "fail"
    assert report.check("GC431").measured["m2"] == pytest.approx(100 * 100, abs=1e-6)
    assert report.check("GC432").status.value == "warn"
    assert report.check("GC432").measured["m2"] == pytest.approx(50 * 100, abs=1e-6)
    assert "heritage office's consent" in report.check("GC432").message_en


def test_heritage_points_in_a_gbk_shapefile_without_cpg_keep_their_names_and_levels(
        heritage_point_40m_from_construction, compliant_gpkg, tmp_path):
    """A county's heritage Shapefile as Chinese Windows writes it: GBK bytes, no .cpg. Read as
    ISO-8859-1 (GDAL's guess) its levels would match no radius and every site be 'unknown'."""
    points = pyogrio.read_dataframe(heritage_point_40m_from_construction, layer="文物保护单位")
    shp = tmp_path / "文物" / "wwbhdw.shp"
    shp.parent.mkdir()
    pyogrio.write_dataframe(points, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    assert "省级".encode("gbk") in shp.with_suffix(".dbf").read_bytes()
    profile = write_profile(tmp_path / "h.toml", HERITAGE_PROFILE)
    report = geocheck.check(compliant_gpkg, profile=profile, references=[f"heritage_points={shp}"])
    gc433 = report.check("GC433")
    assert gc433.measured["points_with_unknown_level"] == 1 and "无级别亭" in gc433.message_zh
    # both 省级 sites get the 60 m circle: one 40 m north of the zone, one wholly inside it
    assert gc433.measured["m2"] == pytest.approx(segment_area(60, 40) + math.pi * 60**2, rel=2e-3)
    levels = {o["protection_level"] for o in report.measurements["overlaps"] if o.get("assumed_buffer_m")}
    assert levels == {"省级文物保护单位"}


def test_heritage_points_with_only_unknown_levels_warn(heritage_point_40m_from_construction, compliant_gpkg, tmp_path):
    profile = write_profile(tmp_path / "h.toml", HERITAGE_PROFILE.replace('"省级" = 60, ', "").replace(
        '"省级" = 110, ', ""))
    report = geocheck.check(compliant_gpkg, profile=profile, references=[
        f"heritage_points={heritage_point_40m_from_construction}:文物保护单位"])
    gc433 = report.check("GC433")
    assert gc433.measured["points_with_unknown_level"] == 3 and gc433.measured["m2"] == 0
    # No radius is known for any level, but one site lies inside the construction zone itself:
    # that is measured, not assumed, and fails.
    assert gc433.status.value == "fail" and gc433.measured["points_inside_construction"] == 1
    assert "有范围的寺" in gc433.message_zh


def test_heritage_point_inside_construction_fails_without_any_assumption(compliant_gpkg, tmp_path):
    gpkg = tmp_path / "inside.gpkg"
    pyogrio.write_dataframe(frame([Point(X0 + 700, Y0 + 700)], "EPSG:4549", wwmc=["院内古塔"],
                                  bhjb=["县级文物保护单位"]), gpkg, layer="文物保护单位")
    report = geocheck.check(compliant_gpkg, profile=write_profile(tmp_path / "h.toml", HERITAGE_PROFILE),
                            references=[f"heritage_points={gpkg}"])
    gc433 = report.check("GC433")
    assert gc433.status.value == "fail" and gc433.measured["points_inside_construction"] == 1
    assert "院内古塔" in gc433.message_zh and "inside the construction zone" in gc433.message_en
    assert report.verdict.value == "non_compliant"


# --------------------------------------------------------------------------- sources, syntax, errors


def test_reference_spec_syntax(tmp_path):
    gpkg = tmp_path / "a:b.gpkg"  # a colon in the file name itself
    shutil.copy(REF / "basic_farmland.gpkg", gpkg)
    assert parse_reference(f"basic_farmland={gpkg}").layer is None
    spec = parse_reference(f"basic_farmland={gpkg}:永久基本农田")
    assert (spec.source, spec.layer) == (str(gpkg), "永久基本农田")
    spec = parse_reference("ecological_red_line=postgresql://gis:s3cret@db.example:5432/plan#public.hx(geom)")
    assert (spec.source, spec.layer) == ("postgresql://gis:s3cret@db.example:5432/plan", "public.hx(geom)")
    assert "s3cret" not in spec.display and "#public.hx(geom)" in spec.display
    spec = parse_reference("basic_farmland=PG:host=db port=5432 dbname=plan password=pw #jbnt")
    assert spec.layer == "jbnt" and "pw" not in spec.display
    with pytest.raises(InputError, match="needs its table"):
        parse_reference("basic_farmland=postgresql://db/plan")
    with pytest.raises(InputError, match="unknown reference kind"):
        parse_reference(f"farmland={gpkg}")


def test_config_references_are_relative_to_the_config_folder(tmp_path, compliant_gpkg, monkeypatch):
    cfg_dir = tmp_path / "institute"
    (cfg_dir / "refs").mkdir(parents=True)
    shutil.copy(REF / "basic_farmland.gpkg", cfg_dir / "refs" / "jbnt.gpkg")
    pts = frame([Point(X0 + 700, Y0 + 1240)], "EPSG:4549", 名称=["北寺"], 级别=["省级"])
    pyogrio.write_dataframe(pts, cfg_dir / "refs" / "ww.gpkg")
    (cfg_dir / "geocheck.toml").write_text(
        'profile = "generic"\n[references]\nbasic_farmland = "refs/jbnt.gpkg"\n'
        'heritage_points = { source = "refs/ww.gpkg", name_field = "名称", level_field = "级别" }\n',
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("check", compliant_gpkg, "--config", cfg_dir / "geocheck.toml", "-f", "json")
    report = json.loads(result.output)
    kinds = {r["kind"]: r for r in report["inputs"]["references"]}
    assert kinds["basic_farmland"]["source"] == str(cfg_dir / "refs" / "jbnt.gpkg")
    gc433 = next(c for c in report["checks"] if c["code"] == "GC433")
    assert gc433["status"] == "warn" and "北寺" in gc433["message_zh"]
    assert gc433["measured"]["m2"] == pytest.approx(segment_area(60, 40), rel=2e-3)
    # --reference replaces the config's source for that kind.
    result = invoke("check", compliant_gpkg, "--config", cfg_dir / "geocheck.toml", "-f", "json",
                    "--reference", f"basic_farmland={REF / 'basic_farmland.gpkg'}")
    kinds = {r["kind"]: r for r in json.loads(result.output)["inputs"]["references"]}
    assert kinds["basic_farmland"]["source"] == str(REF / "basic_farmland.gpkg")
    with pytest.raises(Exception, match="unknown keys"):
        specs_from_config({"basic_farmland": {"source": "refs/jbnt.gpkg", "idfield": "x"}}, cfg_dir / "geocheck.toml")


def test_cli_reference_option_fails_the_noncompliant_sample(report_schema):
    result = invoke("check", SAMPLE / "noncompliant_town", "-p", "national-2021", "-f", "json",
                    *[a for r in SAMPLE_REFS[:2] for a in ("--reference", r)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    report_schema.validate(report)
    status = {c["code"]: c["status"] for c in report["checks"]}
    assert status["GC401"] == "fail" and status["GC411"] == "fail" and status["GC421"] == "not_run"


@pytest.fixture
def points_layer_given_as_red_line(tmp_path):
    path = tmp_path / "points.gpkg"
    pyogrio.write_dataframe(frame([Point(X0, Y0)], "EPSG:4549", hxbh=["P1"]), path)
    return path


def test_bad_reference_sources_are_one_line_errors_naming_the_source(compliant_gpkg, tmp_path,
                                                                     points_layer_given_as_red_line, postgis):
    missing = tmp_path / "nowhere.gpkg"
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference", f"ecological_red_line={missing}"),
                          str(missing), "does not exist")
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference", "red_line=x.gpkg"), "unknown reference kind")
    pts = points_layer_given_as_red_line
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference", f"ecological_red_line={pts}"),
                          str(pts), "needs polygons")
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference",
                                 f"basic_farmland={REF / 'basic_farmland.gpkg'}:没有这层"), "没有这层")
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference",
                                 f"heritage_points={REF / 'heritage_sites.gpkg'}:文物保护单位", "--reference",
                                 f"ecological_red_line={postgis.dsn}#no_such_table"), "no_such_table")
    text = tmp_path / "notes.gpkg"
    text.write_text("not a geopackage")
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference", f"basic_farmland={text}"), str(text))
    dsn = f"postgresql://geocheck:topsecret@127.0.0.1:{postgis.port}/no_such_db"
    result = invoke("check", compliant_gpkg, "--reference", f"basic_farmland={dsn}#t")
    assert_one_line_error(result, "cannot connect to PostGIS")
    assert "topsecret" not in result.output


def test_reference_set_opened_once_serves_many_submissions(sample_refs_in_postgis, compliant_gpkg):
    pg = sample_refs_in_postgis
    with ReferenceSet.open([f"ecological_red_line={pg.dsn}#red_line", *SAMPLE_REFS[1:3]]) as refs:
        conn = refs.sources[0].conn
        first = geocheck.check(SAMPLE / "noncompliant_town", references=refs)
        second = geocheck.check(compliant_gpkg, references=refs)
        third = geocheck.check(SAMPLE / "compliant_town.gpkg", references=refs)
        assert refs.sources[0].conn is conn and not conn.closed  # not reopened, not closed by check()
    assert conn.closed
    assert first.check("GC401").status.value == "fail"
    assert third.check("GC401").status.value == "pass"
    # The test town lies beyond the sample red line's extent: PostGIS says so as the file does.
    as_file = geocheck.check(compliant_gpkg, references=SAMPLE_REFS[:3])
    assert second.check("GC401").status.value == as_file.check("GC401").status.value == "not_run"


@pytest.mark.parametrize("rows, why", [
    ("", "holds no features"),  # an empty table
    ("INSERT INTO {t}(hxbh, geom) VALUES ('F1', ST_GeomFromText("
     "'MULTIPOLYGON(((100.0 25.0, 100.1 25.0, 100.1 25.1, 100.0 25.0)))', 4490));", "does not cover the town"),
])
def test_postgis_red_line_that_cannot_cover_the_town_is_not_run(postgis, compliant_gpkg, tmp_path, rows, why):
    """An empty table, or one whose polygons lie in another province, must not read as "no
    overlap": GC401 is not_run and the town can only be incomplete."""
    table = f"red_{tmp_path.name[-12:].replace('-', '_')}".lower()
    postgis.psql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (hxbh text, geom geometry(MultiPolygon, 4490));"
                 + rows.format(t=table))
    report = geocheck.check(compliant_gpkg, profile="generic",
                            references=[f"ecological_red_line={postgis.dsn}#public.{table}"])
    gc401 = report.check("GC401")
    assert gc401.status.value == "not_run" and why in gc401.message_en
    assert report.verdict.value != "compliant"
