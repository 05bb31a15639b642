"""The measure stage computes each quantity once per check, and only what the profile's rules need.

The real functions are wrapped with counters (monkeypatch), not replaced: the check runs as it
always does on real GeoPackages (written by ogr2ogr and pyogrio) and real reference layers, and
the counters say how often each quantity was computed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

import geocheck
import geocheck.measure
import geocheck.references.overlay as overlay
from cli_tools import run
from geocheck.checks import REGISTRY, Quantity, register
from test_references import SAMPLE, SAMPLE_REFS, write_profile


@pytest.fixture
def two_part_boundary_town_gpkg(tmp_path) -> Path:
    """The non-compliant sample town as one GeoPackage (ogr2ogr), its construction zone in two
    parts as drawn, and a second planned-area part appended about 480 m (0.005°) east of the first."""
    town = tmp_path / "town.gpkg"
    run(["ogr2ogr", "-f", "GPKG", town, SAMPLE / "noncompliant_town"])
    boundary = gpd.read_file(town, layer="planning_boundary")
    _, y0, x1, _ = boundary.total_bounds
    extra = shapely.box(x1 + 0.005, y0, x1 + 0.007, y0 + 0.002)
    pyogrio.write_dataframe(gpd.GeoDataFrame({"名称": ["飞地"]}, geometry=[extra], crs=boundary.crs), town,
                            layer="planning_boundary", append=True)
    return town


@pytest.fixture
def counted(monkeypatch):
    """Counters around the functions that measure: the minimum spanning tree, a role outside
    its cover, reference overlaps, heritage point buffers and candidate reads."""
    calls = {"tree": [], "outside": [], "overlaps": [], "buffers": [], "candidates": []}

    def wrap(owner, name, record):
        real = getattr(owner, name)

        def counting(*args, **kw):
            calls[record].append((args, kw))
            return real(*args, **kw)

        monkeypatch.setattr(owner, name, counting)

    wrap(geocheck.measure, "minimum_spanning_links", "tree")
    wrap(geocheck.measure, "outside", "outside")
    wrap(geocheck.measure, "buffer_points", "buffers")
    wrap(overlay, "overlaps_with", "overlaps")
    wrap(overlay.ReferenceContext, "candidates", "candidates")
    return calls


def test_each_quantity_of_a_multipart_town_is_measured_once(two_part_boundary_town_gpkg, counted):
    report = geocheck.check(two_part_boundary_town_gpkg, profile="zhejiang-2015", references=SAMPLE_REFS)
    m = report.measurements
    assert (m["planned_parts"], m["construction_parts"]) == (2, 2)
    assert report.check("GC301").measured["parts"] == 2 and report.check("GC302").measured["parts"] == 2
    # One tree per multi-part role, though GC301, GC302 and three headline numbers read them.
    assert sorted(len(args[0]) for args, _ in counted["tree"]) == [2, 2]
    # Construction outside the planned area (GC311) and outside the development boundary
    # (GC421), core outside the urban design (GC501 and the headline coverage): once each.
    assert Counter(args[0].role for args, _ in counted["outside"]) == {"construction": 2, "core": 1}
    # Every polygon kind the rules read, against construction and planned area: once per pair.
    pairs = Counter((args[0].source.spec.kind, args[3]) for args, _ in counted["overlaps"])
    kinds = ("ecological_red_line", "basic_farmland", "urban_development_boundary", "heritage_protection_range")
    assert pairs == {(k, r): 1 for k in kinds for r in ("construction", "boundary")}
    # GC433 and GC434 each buffer the heritage points once, with their own radii.
    assert Counter(args[2] for args, _ in counted["buffers"]) == {"protection_range": 1, "control_zone": 1}
    assumed = {o["assumed_zone"] for o in m["overlaps"] if o["reference_kind"] == "heritage_points"}
    assert assumed == {"protection_range", "control_zone"}
    # The report's overlaps are the measured ones: the outside piece is the area GC421 judged.
    outside = [o for o in m["overlaps"] if o["relation"] == "outside"]
    assert [o["area_m2"] for o in outside] == [pytest.approx(report.check("GC421").measured["m2"], abs=0.01)]


def test_a_profile_without_reference_rules_reads_no_reference_candidates(compliant_gpkg, counted, tmp_path):
    profile = write_profile(tmp_path / "no4xx.toml", '[rules.GC201]\nmin_km2 = 1\nsource = "s"\n'
                                                     '[rules.GC302]\ngap_tolerance_m = 0\nsource = "s"\n')
    report = geocheck.check(compliant_gpkg, profile=profile, references=SAMPLE_REFS)
    assert counted["candidates"] == [] and counted["overlaps"] == [] and counted["buffers"] == []
    assert [r["candidates_read"] for r in report.inputs["references"]] == [None] * len(SAMPLE_REFS)
    assert report.measurements["overlaps"] == []
    # The compliant town's two adjacent parcels dissolve into one part: no tree to build.
    assert (report.measurements["construction_parts"], report.measurements["construction_groups"]) == (1, 1)
    assert counted["tree"] == []


def test_only_the_kinds_the_rules_read_are_read(counted, tmp_path):
    profile = write_profile(tmp_path / "red-line-only.toml", '[rules.GC401]\ntolerance_m2 = 0.01\nsource = "s"\n')
    report = geocheck.check(SAMPLE / "compliant_town.gpkg", profile=profile, references=SAMPLE_REFS)
    read = {r["kind"]: r["candidates_read"] for r in report.inputs["references"]}
    assert read["ecological_red_line"] is not None
    assert {k: v for k, v in read.items() if k != "ecological_red_line"} == {
        "basic_farmland": None, "urban_development_boundary": None, "heritage_protection_range": None,
        "heritage_points": None}
    assert {args[0].source.spec.kind for args, _ in counted["overlaps"]} <= {"ecological_red_line"}
    assert {o["reference_kind"] for o in report.measurements["overlaps"]} <= {"ecological_red_line"}


def test_a_missing_role_stops_its_rules_without_measuring(tmp_path, counted):
    """No construction zone: nothing is measured against it, and its rules fail or skip by the
    registry's gates, as they did before (no crash on a quantity never measured)."""
    town = tmp_path / "boundary_only.gpkg"
    run(["ogr2ogr", "-f", "GPKG", town, SAMPLE / "noncompliant_town" / "planning_boundary.shp"])
    report = geocheck.check(town, profile="zhejiang-2015", references=SAMPLE_REFS)
    assert report.check("GC433").status.value == "fail" and "missing" in report.check("GC433").message_en
    assert report.check("GC302").status.value == "fail"
    assert counted["buffers"] == [] and counted["tree"] == []
    assert {args[3] for args, _ in counted["overlaps"]} == {"boundary"}
    assert report.measurements["construction_parts"] is None


def test_a_rule_cannot_declare_a_quantity_from_inputs_it_does_not_gate():
    with pytest.raises(RuntimeError, match="does not declare"):
        register("GC999", "测试", "test", roles=("boundary",),
                 measures=(Quantity.overlaps("ecological_red_line", "boundary"),))(lambda ctx: None)
    assert "GC999" not in REGISTRY


def test_headline_construction_groups_is_the_contiguity_rules_count(tmp_path):
    """construction_groups counts at the gap GC302 closes: its gap_tolerance_m after the town
    type's exemption, plus the profile's length tolerance (0.01 m) — not the raw profile value."""
    # The sample's two construction parts (near 120.1°E), measured here with geopandas in
    # CGCS2000 / 3-degree GK CM 120E.
    zone = gpd.read_file(SAMPLE / "noncompliant_town", layer="construction").to_crs(4549)
    first, second = shapely.get_parts(zone.union_all())
    gap = first.distance(second)
    assert 240 < gap < 260  # drawn 250 m apart
    profile = write_profile(tmp_path / "gap.toml", f"""
[rules.GC302]
gap_tolerance_m = {gap - 0.005}
source = "s"
[rules.GC302.exemptions.industrial]
gap_tolerance_m = {gap - 50}
source = "s"
""")
    for town_type, groups in ((None, 1), ("industrial", 2)):
        report = geocheck.check(SAMPLE / "noncompliant_town", profile=profile, town_type=town_type)
        assert report.check("GC302").measured["groups"] == groups, town_type
        assert report.measurements["construction_groups"] == groups, town_type
        assert report.measurements["construction_parts"] == 2
