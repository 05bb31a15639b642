"""The HTML and Markdown reports, the SVG and PNG maps, the style table and the message
catalogue (no browser needed here; test_report_browser.py drives the HTML in Chromium)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import numpy as np
import pytest
from markupsafe import escape
from PIL import Image
from shapely.geometry import Point

import geocheck
from geocheck.findings import Report, Status
from geocheck.report import render_html, render_markdown
from geocheck.report.i18n import NBSP, NNBSP, local_time, num
from geocheck.report.mapmodel import conflicts, nice_length
from geocheck.report.markdown import md_escape
from geocheck.report.raster import map_png
from geocheck.report.styles import CONTEXT_STYLES, KIND_STYLES, STATUS_STYLES, style_for, style_key
from geocheck.report.svgmap import render_map
from report_tools import DomSummary, png_size, sample_town_with_references, with_finding  # noqa: F401
from lenient_profiles import references_optional

import towns

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

WHEN = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
# Three or more Latin words in a row: an English phrase (names of files, layers and CRSs are one word).
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}")


def colour_pixels(png: bytes, hex_colour: str, tol: int = 12) -> int:
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(img - target).max(axis=2) <= tol).sum())


def path_rings(d: str) -> list[np.ndarray]:
    """The rings of SVG path data written as 'Mx,y x,y …Z'."""
    return [np.array([[float(v) for v in p.split(",")] for p in ring.split()])
            for ring in re.findall(r"M([^MZ]+)Z", d)]


def shoelace(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def test_html_lists_every_check_with_status_measure_threshold_source(gc311_construction_outside_gpkg):
    report = geocheck.check(gc311_construction_outside_gpkg, profile=LENIENT)
    html = render_html(report, generated=WHEN)
    rows = re.findall(r'<tr class="check check-(\w+)" data-code="(GC\d+)">(.*?)</tr>', html, re.S)
    assert [code for _, code, _ in rows] == [c.code for c in report.checks]
    for (status, code, body), c in zip(rows, report.checks):
        assert status == c.status.value
        source = report.profile["sources_zh"].get(code, c.source)  # the profile's Chinese source if it has one
        plain = body.replace(NBSP, " ").replace(NNBSP, " ")
        assert str(escape(c.title_zh)) in body and str(escape(source)) in plain, code
    outside = next(body for _, code, body in rows if code == "GC311")
    # one parcel 100 × 400 m outside: 40 000 m² = 60 亩 = 0.040 km², in the one number format
    assert f"0.040{NBSP}km²（60{NBSP}亩，40{NNBSP}000{NBSP}m²）" in outside
    assert f"规划范围外建设面积 ≤ 1{NBSP}平方米" in outside
    assert "不符合要求" in html and 'lang="zh-CN"' in html
    assert "2026-01-02 11:04 (UTC+08:00)" in html  # 03:04 UTC in Beijing time


def test_html_english_with_lang_en(gc311_construction_outside_gpkg):
    report = geocheck.check(gc311_construction_outside_gpkg, profile=LENIENT)
    html = render_html(report, lang="en", generated=WHEN)
    assert 'lang="en"' in html and "Non-compliant" in html and "Featured-town plan compliance report" in html
    assert "Construction zone inside planned area" in html
    assert f"0.040{NBSP}km² (60{NBSP}mu, 40{NNBSP}000{NBSP}m²)" in html
    assert "不符合要求" not in html and "检查项" not in html


def test_zh_report_has_no_english_sentence(sample_town_with_references):
    """Every visible string of the Chinese report, map titles and legend included."""
    dom = DomSummary(render_html(sample_town_with_references, lang="zh", generated=WHEN))
    text = re.sub(r"\s+", " ", dom.text)
    assert "GC401" in text and "问题清单" in text and "生态保护红线" in text
    assert ENGLISH.findall(text) == []
    # the scan catches what it should: the English report is full of sentences
    en = DomSummary(render_html(sample_town_with_references, lang="en", generated=WHEN)).text
    assert len(ENGLISH.findall(en)) > 20


def test_zh_report_rebuilds_english_only_rule_texts(sample_town_with_references):
    report = sample_town_with_references
    html = render_html(report, lang="zh", generated=WHEN)
    assert "groups; max gap" not in html and "outside the planned area" not in html
    assert "“左右”" in html and "±15%" in html  # the band, said in Chinese from the thresholds
    gc302 = report.check("GC302").measured
    assert f"{gc302['groups']} 片，最大间距 {num(gc302['largest_gap_m'], 1)} 米" in html
    # the located finding outside the plan, in Chinese, with its share of the construction zone
    outside = report.check("GC311").features[0]
    share = 100 * outside.measured / report.measurements["construction_area_m2"]
    assert f"占建设范围 {share:.2f}%" in html


def test_html_is_self_contained(gc302_split_construction_gpkg):
    html = render_html(geocheck.check(gc302_split_construction_gpkg, profile=LENIENT), generated=WHEN)
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!data:|#)[a-z]+:""", html, re.I)
    assert not re.search(r"url\((?!#)|@import|<link|<img|<script\s+src", html, re.I)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert html.count("<script>") == 1 and html.count("<svg") >= 2


def test_svg_draws_each_finding_where_it_is(gc311_construction_outside_gpkg):
    """The outside part is 100 × 400 m: its path, read back from the SVG, has that area."""
    report = geocheck.check(gc311_construction_outside_gpkg)
    smap = render_map(report, "zh")
    (finding,) = re.findall(r'<g id="f-1" class="finding status-fail"[^>]*>(.*?)</g>', smap.svg)
    d = re.search(r'<path d="([^"]+)" fill="#', finding).group(1)
    (ring,) = path_rings(d)
    assert shoelace(ring) == pytest.approx(100 * 400, rel=1e-3)
    origin = [float(v) for v in re.search(r'data-origin="([^"]+)"', smap.svg).group(1).split()]
    x, y = ring[:, 0] + origin[0], origin[1] - ring[:, 1]  # back to the CRS
    minx, miny, maxx, maxy = report.check("GC311").features[0].geometry.bounds
    assert (x.min(), y.min(), x.max(), y.max()) == pytest.approx((minx, miny, maxx, maxy), abs=0.06)


def test_svg_styles_fail_and_warn_apart_and_draws_reference_context(sample_town_with_references):
    smap = render_map(sample_town_with_references, "en")
    fail = re.search(r'class="finding status-fail".*?</g>', smap.svg).group(0)
    warn = re.search(r'class="finding status-warn".*?</g>', smap.svg).group(0)
    assert f'stroke="{STATUS_STYLES["fail"].color}"' in fail and "stroke-dasharray" not in fail
    assert f'stroke="{STATUS_STYLES["warn"].color}"' in warn and 'stroke-dasharray="7 4"' in warn
    for kind in ("ecological_red_line", "basic_farmland", "urban_development_boundary", "heritage_points"):
        assert f'id="layer-ctx-{kind}"' in smap.svg
        assert CONTEXT_STYLES[kind].label_en in [e["label"] for e in smap.legend]
    # GC401 (fail) and GC402 (warn) concern the same red line but are drawn differently
    codes = {c.check.code: c.status for c in smap.conflicts}
    assert codes["GC401"] == "fail" and codes["GC402"] == "warn"
    toggles = [e["layer"] for e in smap.legend if e["layer"]]
    assert {"role-construction", "finding-fail", "finding-warn", "numbers"} <= set(toggles)
    assert all(f'id="layer-{t}"' in smap.svg for t in toggles)


def test_findings_numbered_failures_first(sample_town_with_references):
    items = conflicts(sample_town_with_references)
    statuses = [c.check.status for c in items]
    assert [c.number for c in items] == list(range(1, len(items) + 1))
    assert statuses == sorted(statuses, key=lambda s: (s is not Status.FAIL, s is not Status.WARN))
    assert statuses[0] is Status.FAIL and Status.WARN in statuses
    assert statuses[-1] is not Status.FAIL  # notes (indicators of checks that passed) come last


def test_html_escapes_markup_from_layer_and_file_names(script_injection_gpkg):
    report = geocheck.check(script_injection_gpkg, profile=LENIENT)
    assert "<script>" in report.inputs["roles"]["construction"]["layer"]
    html = render_html(report, generated=WHEN)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "建设用地&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=document.title=1&gt;.gpkg" in html


def test_html_escapes_attribute_values_in_findings(compliant_gpkg):
    report = with_finding(geocheck.check(compliant_gpkg), "ecological_red_line_overlap",
                          towns.rect(100, 100, 50, 50), info='名称 "<script>alert(1)</script>" & co')
    html = render_html(report, lang="en", generated=WHEN)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&amp; co" in html


def test_error_report_renders_without_map():
    report = Report.failed("0.1", "bad<b>.gpkg", "cannot open <b>")
    html = render_html(report, generated=WHEN)
    assert "无法检查" in html and "cannot open &lt;b&gt;" in html and "<svg" not in html


def test_new_indicator_kinds_are_drawn_without_code_changes(compliant_gpkg):
    report = with_finding(geocheck.check(compliant_gpkg), "ecological_red_line_overlap",
                          towns.rect(100, 100, 200, 200), reference_kind="ecological_red_line")
    report = with_finding(report, "mystery_kind_from_the_future", towns.rect(1300, 1300, 200, 200))
    labels = [e["label"] for e in render_map(report, "en").legend]
    assert "On ecological red line" in labels and "Mystery kind from the future" in labels
    png = map_png(report, width=800)
    assert colour_pixels(png, STATUS_STYLES["fail"].color) > 50
    assert colour_pixels(map_png(geocheck.check(compliant_gpkg), width=800), STATUS_STYLES["fail"].color) == 0
    assert style_key(report.checks[-2].features[0]) == "ecological_red_line"
    assert style_for("mystery_kind_from_the_future").fill == style_for("other").fill


def test_png_map_for_word_draws_findings_and_context(sample_town_with_references):
    png = map_png(sample_town_with_references, width=1200)
    assert png_size(png) == (1200, 800)
    assert colour_pixels(png, STATUS_STYLES["fail"].color) > 200
    assert colour_pixels(png, STATUS_STYLES["warn"].color) > 200
    assert colour_pixels(png, CONTEXT_STYLES["ecological_red_line"].color, tol=6) > 50


def test_point_finding_is_drawn(gc101_bowtie_boundary_gpkg):
    report = geocheck.check(gc101_bowtie_boundary_gpkg)
    points = [c for c in conflicts(report) if c.indicator.kind == "invalid_geometry"]
    assert points and isinstance(points[0].indicator.geometry, Point)
    svg = render_map(report, "en").svg
    assert re.search(rf'id="f-{points[0].number}"[^>]*>.*?class="px"', svg)
    assert colour_pixels(map_png(report, width=800), KIND_STYLES["invalid_geometry"].fill) > 10


@pytest.mark.parametrize("span,length", [(2000, 200), (9000, 1000), (260, 50), (1200, 200), (50_000, 10_000)])
def test_scale_bar_length_is_round_and_fits(span, length):
    assert nice_length(span) == length


def test_number_and_time_formats():
    assert num(40000) == f"40{NNBSP}000" and num(1234.567, 2) == f"1{NNBSP}234.57" and num(12) == "12"
    assert local_time(datetime(2026, 6, 30, 20, 0, tzinfo=timezone.utc)) == "2026-07-01 04:00 (UTC+08:00)"


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


def test_status_styles_stay_apart_in_greyscale():
    """On a greyscale print fail, warn and note still differ: in grey level and in pattern."""
    def grey(hex_colour):  # ITU-R BT.601 luma, as a greyscale printer driver converts
        r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    fail, warn, note = (STATUS_STYLES[s] for s in ("fail", "warn", "note"))
    levels = sorted(grey(s.color) for s in (fail, warn, note))
    assert min(b - a for a, b in zip(levels, levels[1:])) > 15
    assert len({fail.hatch, warn.hatch, note.hatch}) == 3 and len({fail.dasharray, warn.dasharray, note.dasharray}) == 3
