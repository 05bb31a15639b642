"""The HTML and Markdown reports, the maps and the style table (no browser needed here;
test_report_browser.py renders the HTML in Chromium)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import numpy as np
from markupsafe import escape
import pytest
from PIL import Image
from shapely.geometry import Point

import geocheck
from geocheck.report import render_html, render_markdown
from geocheck.report.maps import closeup_png, cjk_font_family, conflicts, legend_entries, nice_length, overview_png
from geocheck.report.markdown import md_escape
from geocheck.report.styles import KIND_STYLES, style_for, style_key
from report_tools import DomSummary, png_from_data_uri, png_size, with_finding

import towns
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

WHEN = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)


def colour_pixels(png: bytes, hex_colour: str, tol: int = 12) -> int:
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(img - target).max(axis=2) <= tol).sum())


def test_html_lists_every_check_with_status_measure_threshold_source(gc311_construction_outside_gpkg):
    report = geocheck.check(gc311_construction_outside_gpkg, profile=LENIENT)
    html = render_html(report, generated=WHEN)
    rows = re.findall(r'<tr class="check check-(\w+)" data-code="(GC\d+)">(.*?)</tr>', html, re.S)
    assert [code for _, code, _ in rows] == [c.code for c in report.checks]
    for (status, code, body), c in zip(rows, report.checks):
        assert status == c.status.value
        threshold = (c.threshold or {}).get("text_zh") or (c.threshold or {}).get("text", "")
        for text in (c.title_zh, c.message_zh, threshold, c.source, (c.measured or {}).get("text", "")):
            assert str(escape(text)) in body, (code, text)
    outside = next(body for _, code, body in rows if code == "GC311")
    assert "km²" in outside and "亩" in outside and "m²" in outside
    assert "不符合要求" in html and 'lang="zh-CN"' in html


def test_html_english_with_lang_en(gc311_construction_outside_gpkg):
    report = geocheck.check(gc311_construction_outside_gpkg, profile=LENIENT)
    html = render_html(report, lang="en", generated=WHEN)
    assert 'lang="en"' in html and "Non-compliant" in html and "Featured-town plan compliance report" in html
    assert "Construction zone inside planned area" in html
    assert "不符合要求" not in html and "检查项" not in html


def test_html_is_self_contained(gc302_split_construction_gpkg):
    html = render_html(geocheck.check(gc302_split_construction_gpkg, profile=LENIENT), generated=WHEN)
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!data:)[a-z]+:""", html, re.I)
    assert not re.search(r"url\(|@import|<link|<script", html, re.I)
    assert "http://" not in html and "https://" not in html
    dom = DomSummary(html)
    assert dom.img_srcs and all(s.startswith("data:image/png;base64,") for s in dom.img_srcs)
    # one overview plus one close-up for the gap between the two parcels
    assert len(dom.img_srcs) == 1 + len(conflicts(geocheck.check(gc302_split_construction_gpkg,
                                                                  profile=LENIENT))) == 2
    width, height = png_size(png_from_data_uri(dom.img_srcs[0]))
    assert width >= 1000 and height >= 700


def test_html_escapes_markup_from_layer_and_file_names(script_injection_gpkg):
    report = geocheck.check(script_injection_gpkg, profile=LENIENT)
    assert "<script>" in report.inputs["roles"]["construction"]["layer"]
    html = render_html(report, generated=WHEN)
    assert "<script" not in html and "<img src=x" not in html
    assert "建设用地&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=document.title=1&gt;.gpkg" in html


def test_html_escapes_attribute_values_in_findings(compliant_gpkg):
    report = with_finding(geocheck.check(compliant_gpkg), "ecological_red_line_overlap",
                          towns.rect(100, 100, 50, 50), info='名称 "<script>alert(1)</script>" & co')
    html = render_html(report, generated=WHEN)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&amp; co" in html


def test_error_report_renders_without_map():
    report = geocheck.findings.Report.failed("0.1", "bad<b>.gpkg", "cannot open <b>")
    html = render_html(report, generated=WHEN)
    assert "无法检查" in html and "cannot open &lt;b&gt;" in html and "<img" not in html


def test_overview_map_draws_each_conflict_kind_in_its_colour(gc311_construction_outside_gpkg):
    report = geocheck.check(gc311_construction_outside_gpkg)
    outline = KIND_STYLES["outside_boundary"].color
    assert colour_pixels(overview_png(report, "zh"), outline) > 50
    compliant = geocheck.check(gc311_construction_outside_gpkg)
    compliant.checks = [c for c in compliant.checks if c.code != "GC311"]
    assert colour_pixels(overview_png(compliant, "zh"), outline) == 0


def test_new_indicator_kinds_are_drawn_without_code_changes(compliant_gpkg):
    plain = geocheck.check(compliant_gpkg)
    report = with_finding(geocheck.check(compliant_gpkg), "ecological_red_line_overlap",
                          towns.rect(100, 100, 200, 200), reference_kind="ecological_red_line")
    report = with_finding(report, "mystery_kind_from_the_future", towns.rect(1300, 1300, 200, 200))
    labels = [label for label, _, _ in legend_entries(report, "en")]
    assert "On ecological red line" in labels and "Mystery kind from the future" in labels
    red = KIND_STYLES["ecological_red_line"].color
    default = style_for("mystery_kind_from_the_future").color
    png = overview_png(report, "en")
    assert colour_pixels(png, red) > 50 and colour_pixels(png, default) > 50
    assert colour_pixels(overview_png(plain, "en"), red) == 0
    assert style_key(report.checks[-2].features[0]) == "ecological_red_line"


def test_closeup_zooms_on_its_conflict(gc302_split_construction_gpkg):
    report = geocheck.check(gc302_split_construction_gpkg, profile=LENIENT)
    (gap,) = conflicts(report)
    assert gap.indicator.kind == "gap"
    png = closeup_png(report, gap, "zh")
    assert png_size(png) == (924, 572)
    assert colour_pixels(png, KIND_STYLES["gap"].color) > colour_pixels(overview_png(report, "zh"),
                                                                        KIND_STYLES["gap"].color) / 2


def test_point_finding_gets_a_closeup(gc101_bowtie_boundary_gpkg):
    report = geocheck.check(gc101_bowtie_boundary_gpkg)
    points = [c for c in conflicts(report) if c.indicator.kind == "invalid_geometry"]
    assert points and isinstance(points[0].indicator.geometry, Point)
    png = closeup_png(report, points[0], "en")
    assert colour_pixels(png, KIND_STYLES["invalid_geometry"].fill) > 10


def test_chinese_font_found_for_maps():
    assert cjk_font_family() is not None, "no CJK font: install fonts-noto-cjk (.ci/run does)"


@pytest.mark.parametrize("span,length", [(2000, 200), (9000, 1000), (260, 50), (1200, 200), (50_000, 10_000)])
def test_scale_bar_length_is_round_and_fits(span, length):
    assert nice_length(span) == length


def test_markdown_lists_checks_and_escapes_input(script_injection_gpkg):
    report = geocheck.check(script_injection_gpkg, profile=LENIENT)
    md = render_markdown(report, lang="en")
    for c in report.checks:
        assert f"| {c.code} | {c.title_en} |" in md
    assert "<script" not in md and "&lt;script&gt;alert\\(1\\)" not in md
    assert "建设用地&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "| Construction zone · 建设用地&lt;script&gt;" in md


def test_markdown_escape_keeps_tables_intact():
    assert md_escape("a|b\nc") == "a\\|b c"
    assert md_escape("*x* [l](u) `c`") == "\\*x\\* \\[l\\](u) \\`c\\`"
    assert md_escape("# h", block=True) == "\\# h" and md_escape("# h") == "# h"
