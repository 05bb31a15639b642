"""docs/reports.md and its samples (made by docs/make_samples.py) are present and sound."""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio
from docx import Document

from report_tools import DomSummary, png_size

DOCS = Path(__file__).resolve().parent.parent / "docs"
SAMPLES = DOCS / "samples"


def test_reports_doc_links_only_existing_samples():
    text = (DOCS / "reports.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((samples/[^)]+)\)", text)
    assert len(links) >= 10
    for link in links:
        assert (DOCS / link).is_file(), link


def test_sample_html_is_small_self_contained_and_has_the_svg_map():
    for name in ("noncompliant_town.html", "noncompliant_town.en.html"):
        html = (SAMPLES / name).read_text(encoding="utf-8")
        assert (SAMPLES / name).stat().st_size < 300_000
        assert "https://" not in html and "<img" not in html and html.count("<script>") == 1
        dom = DomSummary(html)
        assert dom.tags["svg"] >= 2 and 'id="map"' in html and 'class="finding status-fail"' in html
        for code in ("GC302", "GC311", "GC401", "GC411", "GC501"):
            assert f'data-code="{code}"' in html
        assert 'id="layer-ctx-ecological_red_line"' in html


def test_sample_pictures_are_pictures():
    for name, min_width in (("noncompliant_town_html.png", 1280), ("noncompliant_town_html.en.png", 1280),
                            ("noncompliant_town_map.png", 1200), ("noncompliant_town_findings.png", 800),
                            ("noncompliant_town_opinion.png", 1000)):
        assert png_size((SAMPLES / name).read_bytes())[0] >= min_width, name


def test_sample_opinion_is_a_word_document_in_chinese():
    doc = Document(str(SAMPLES / "noncompliant_town_opinion.docx"))
    assert doc.paragraphs[0].text == "特色小镇规划成果初审意见（草稿）"
    assert "经 geocheck 自动检查，结论：不符合要求。" in [p.text for p in doc.paragraphs]
    assert len(doc.inline_shapes) == 1


def test_sample_findings_gpkg_has_reference_overlap_and_context_layers():
    layers = dict(pyogrio.list_layers(SAMPLES / "noncompliant_town_findings.gpkg"))
    for name in ("gap", "outside_boundary", "uncovered_core", "ecological_red_line_overlap",
                 "basic_farmland_overlap", "context_ecological_red_line", "context_basic_farmland",
                 "layer_styles"):
        assert name in layers
