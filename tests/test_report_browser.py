"""The HTML report as a reviewer's browser shows it: headless Chromium (Debian package
`chromium`, installed by .ci/run) opens it offline and is driven over the DevTools protocol
with real wheel, drag and click events; every request the page makes is recorded."""

from __future__ import annotations

import hashlib
import base64
import re

import numpy as np
import pytest
from PIL import Image

import geocheck
from geocheck.findings import Indicator
from geocheck.report import render_html
from geocheck.report.styles import STATUS_STYLES
from report_tools import INJECTION, Browser, chromium, sample_town_with_references  # noqa: F401
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

VIEWBOX = "document.getElementById('map').getAttribute('viewBox').split(' ').map(Number)"


@pytest.fixture(scope="module")
def sample_page(sample_town_with_references, tmp_path_factory):
    page = tmp_path_factory.mktemp("html") / "report.html"
    page.write_text(render_html(sample_town_with_references), encoding="utf-8")
    return page


def test_input_markup_stays_text_and_only_the_reports_own_script_runs(script_injection_gpkg, tmp_path):
    report = geocheck.check(script_injection_gpkg, profile=LENIENT)
    # an attribute value copied into a located finding, as a reference layer's feature name would be
    gap = report.check("GC302").features[0]
    report.check("GC302").features.append(Indicator(kind="gap", role="construction", info=f"名称 {INJECTION}",
                                                    layer=INJECTION, geometry=gap.geometry, measured=1.0))
    page = tmp_path / "report.html"
    html = render_html(report, lang="en")
    page.write_text(html, encoding="utf-8")
    with Browser(tmp_path) as b:
        b.open(page)
        scripts = b.evaluate("[...document.scripts].map(s => s.textContent)")
        handlers = b.evaluate("[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                              ".filter(a => a.name.startsWith('on')).map(a => a.name))")
        text = b.evaluate("document.body.innerText")
        title = b.evaluate("document.title")
        svg_titles = b.evaluate("[...document.querySelectorAll('#map title')].map(t => t.textContent)")
    (script,) = scripts  # the map's own, nothing from the input
    assert "alert" not in script and "onerror" not in script
    assert handlers == [], f"input markup became an event handler: {handlers}"
    assert not title.strip().isdigit(), "an injected onerror handler ran"
    assert f"名称 {INJECTION}" in text and "建设用地<script>alert(1)</script>" in text
    assert "<img src=x onerror=document.title=1>.gpkg" in text
    assert len(svg_titles) == 2
    # the page allows exactly that script, by its hash: an injected one could not run either
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp


def test_wheel_zooms_about_the_cursor_and_drag_pans(sample_page, tmp_path):
    with Browser(tmp_path) as b:
        b.open(sample_page)
        home = b.evaluate(VIEWBOX)
        scale_before = b.evaluate("document.querySelector('#scalebar text:last-of-type').textContent")
        x, y = b.centre("#map")
        rect = b.evaluate("(() => { const r = document.getElementById('map').getBoundingClientRect();"
                          " return [r.x, r.y, r.width, r.height]; })()")
        cursor = (rect[0] + rect[2] * 0.25, rect[1] + rect[3] * 0.5)  # left of centre
        # the map point under the cursor, before zooming
        fx = home[0] + home[2] * 0.25
        for _ in range(4):
            b.wheel(*cursor, -120)
        zoomed = b.evaluate(VIEWBOX)
        hatch = b.evaluate("document.querySelector('#map > defs > pattern').getAttribute('patternTransform')")
        scale_after = b.evaluate("document.querySelector('#scalebar text:last-of-type').textContent")
        b.drag((x, y), (x + 200, y))
        panned = b.evaluate(VIEWBOX)
    assert zoomed[2] == pytest.approx(home[2] * 0.8 ** 4, rel=1e-3)  # four wheel steps in, 0.8 each
    assert zoomed[2] / zoomed[3] == pytest.approx(home[2] / home[3], rel=1e-3)
    # the point under the cursor stays under it
    assert zoomed[0] + zoomed[2] * 0.25 == pytest.approx(fx, abs=home[2] * 0.005)
    assert scale_after != scale_before  # the scale bar follows the zoom
    k = float(re.search(r"scale\(([\d.]+)\)", hatch).group(1))
    assert k == pytest.approx(0.8 ** 4, rel=1e-3)  # hatches keep their spacing on screen
    # dragging 200 px right moves the view left by 200 px worth of metres
    assert panned[2] == zoomed[2] and panned[0] == pytest.approx(zoomed[0] - 200 * zoomed[2] / rect[2], rel=0.02)


def test_finding_link_moves_the_map_to_the_finding(sample_page, sample_town_with_references, tmp_path):
    report = sample_town_with_references
    with Browser(tmp_path) as b:
        b.open(sample_page)
        home = b.evaluate(VIEWBOX)
        n = b.evaluate("document.querySelectorAll('a[data-finding]').length")
        b.click(*b.centre('a[data-finding="3"]'))
        view = b.evaluate(VIEWBOX)
        bbox = b.evaluate("document.getElementById('f-3').getAttribute('data-bbox').split(' ').map(Number)")
        focused = b.evaluate("[...document.querySelectorAll('#map .focus')].map(e => e.id)")
        origin = b.evaluate("document.getElementById('map').getAttribute('data-origin').split(' ').map(Number)")
        map_top = b.evaluate("document.getElementById('map').getBoundingClientRect().top")
    assert n == sum(1 for c in report.checks for f in c.features if f.geometry is not None)
    assert focused == ["f-3"]
    assert view[2] < home[2] / 2  # zoomed in on it
    centre = (view[0] + view[2] / 2, view[1] + view[3] / 2)
    assert centre == pytest.approx((bbox[0] + bbox[2] / 2, bbox[1] + bbox[3] / 2), abs=0.5)
    # finding 3 is GC401's red-line overlap: its polygon, in the CRS, lies inside the new view
    geom = report.check("GC401").features[0].geometry
    minx, miny, maxx, maxy = geom.bounds
    assert view[0] <= minx - origin[0] and maxx - origin[0] <= view[0] + view[2]
    assert view[1] <= origin[1] - maxy and origin[1] - miny <= view[1] + view[3]
    assert -5 <= map_top < 900  # the map was scrolled into view


def test_fail_warn_and_note_findings_are_styled_apart(sample_page, tmp_path):
    with Browser(tmp_path) as b:
        b.open(sample_page)
        style = ("(s => { const p = document.querySelector(`#map .finding.status-${s} path[stroke]:not([stroke='#fff']):not([stroke='none'])`);"
                 " const c = getComputedStyle(p); return [c.stroke, c.strokeDasharray, c.fill]; })")
        fail = b.evaluate(style + "('fail')")
        warn = b.evaluate(style + "('warn')")
        toggled = b.evaluate("(() => { const box = document.querySelector('input[data-layer=\"finding-warn\"]');"
                             " box.click(); return getComputedStyle(document.getElementById('layer-finding-warn'))"
                             ".display; })()")
        requests = list(b.requests)
    assert fail[0] == "rgb(192, 0, 26)" and warn[0] == "rgb(199, 119, 0)"  # colour
    assert fail[1] == "none" and warn[1].replace("px", "") == "7, 4"  # and line pattern
    assert fail[2] != warn[2] and "url(" in fail[2] and "url(" in warn[2]  # and hatch
    assert STATUS_STYLES["fail"].hatch != STATUS_STYLES["warn"].hatch
    assert toggled == "none"  # the legend's check box hides the layer
    assert requests == [sample_page.resolve().as_uri()]  # nothing but the page itself


def test_no_request_leaves_the_page_while_it_is_used(sample_page, tmp_path):
    with Browser(tmp_path) as b:
        b.open(sample_page)
        x, y = b.centre("#map")
        b.wheel(x, y, -240)
        b.drag((x, y), (x - 100, y + 50))
        for n in (1, 5):
            b.click(*b.centre(f'a[data-finding="{n}"]'))
        b.click(*b.centre('button[data-zoom="home"]'))
        b.evaluate("new Promise(r => setTimeout(r, 300))")
        assert b.requests == [sample_page.resolve().as_uri()]


def test_screenshot_shows_the_map_in_status_colours(sample_page, tmp_path):
    shot = tmp_path / "screenshot.png"
    chromium(sample_page, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", "--hide-scrollbars")
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape[:2] == (4000, 1280)
    for colour in (STATUS_STYLES["fail"].color, STATUS_STYLES["warn"].color):
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        assert (np.abs(img - rgb).max(axis=2) < 10).sum() > 300, colour
    assert len(np.unique(img.reshape(-1, 3)[::97], axis=0)) > 50, "screenshot is nearly blank"


def test_chromium_prints_report_to_pdf(gc311_construction_outside_gpkg, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(geocheck.check(gc311_construction_outside_gpkg), lang="en"), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    chromium(page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2


def test_missing_viewer_fails_under_ci_and_skips_elsewhere(monkeypatch):
    from report_tools import require

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium needed"):
        require("chromium", "not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require("chromium", "not installed")
    require("chromium", None)  # present: nothing happens
