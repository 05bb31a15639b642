"""The bundled sample towns give the verdicts their generator documents.

Expected numbers come from sample_data/make_sample_data.py's stated targets; the files are read
here with pyogrio + shapely directly, not through geocheck, for an independent figure.
"""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
import shapely

import geocheck

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def independent_union(path, layer=None):
    gdf = pyogrio.read_dataframe(path, layer=layer).to_crs(4549)
    return shapely.union_all(gdf.geometry.values)


@pytest.mark.parametrize("profile", ["zhejiang-2015", "generic", "national-2021", "gansu"])
def test_compliant_sample_is_compliant(profile):
    report = geocheck.check(SAMPLE / "compliant_town.gpkg", profile=profile)
    assert report.verdict.value == "compliant", [(c.code, c.message_en) for c in report.checks]
    assert report.summary["fail"] == 0


def test_noncompliant_sample_fails_the_documented_checks():
    report = geocheck.check(SAMPLE / "noncompliant_town", profile="zhejiang-2015")
    failing = {c.code for c in report.checks if c.status.value == "fail"}
    assert {"GC202", "GC302", "GC311", "GC501"} <= failing
    assert report.check("GC212").status.value == "warn"
    boundary = independent_union(SAMPLE / "noncompliant_town" / "planning_boundary.shp")
    construction = independent_union(SAMPLE / "noncompliant_town" / "construction.shp")
    assert report.measurements["planned_area_m2"] == pytest.approx(boundary.area, rel=1e-6)
    assert report.measurements["planned_area_m2"] == pytest.approx(5_600_000, rel=1e-4)
    assert report.check("GC311").measured["m2"] == pytest.approx(construction.difference(boundary).area, rel=1e-6)
    assert report.check("GC302").measured["largest_gap_m"] == pytest.approx(250.0, abs=0.01)
    assert report.check("GC501").measured["coverage_pct"] == pytest.approx(70.0, abs=0.01)


def test_sample_data_stays_small():
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 2 * 1024 * 1024
