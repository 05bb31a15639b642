"""docs/reports.md and its samples (made by docs/make_samples.py) are present and sound."""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio

from report_tools import DomSummary, png_from_data_uri, png_size

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_reports_doc_links_only_existing_samples():
    text = (DOCS / "reports.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((samples/[^)]+)\)", text)
    assert len(links) >= 6
    for link in links:
        assert (DOCS / link).is_file(), link


def test_sample_html_is_small_self_contained_and_has_maps():
    page = DOCS / "samples" / "noncompliant_town.html"
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 1_000_000
    assert "http://" not in html and "https://" not in html and "<script" not in html
    dom = DomSummary(html)
    assert len(dom.img_srcs) >= 4
    assert png_size(png_from_data_uri(dom.img_srcs[0]))[0] >= 1000
    for code in ("GC302", "GC311", "GC401", "GC411", "GC501"):
        assert f'data-code="{code}"' in html


def test_sample_findings_gpkg_has_reference_overlap_layers():
    layers = dict(pyogrio.list_layers(DOCS / "samples" / "noncompliant_town_findings.gpkg"))
    for name in ("gap", "outside_boundary", "uncovered_core", "ecological_red_line_overlap",
                 "basic_farmland_overlap", "layer_styles"):
        assert name in layers
