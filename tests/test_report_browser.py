"""The HTML report as a reviewer's browser shows it: headless Chromium (Debian package
`chromium`, installed by .ci/run) renders it offline, dumps the DOM and takes a screenshot."""

from __future__ import annotations


import numpy as np
from PIL import Image

import geocheck
from geocheck.findings import Indicator
from geocheck.report import render_html
from report_tools import INJECTION, DomSummary, chromium, png_from_data_uri, png_size
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed


def test_chromium_renders_report_with_map_every_check_and_inert_input_markup(script_injection_gpkg, tmp_path):
    report = geocheck.check(script_injection_gpkg, profile=LENIENT)
    # an attribute value copied into a finding, as a reference layer's feature name would be
    report.check("GC302").features.append(Indicator(kind="gap", role="construction", info=f"名称 {INJECTION}"))
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")

    dom = DomSummary(chromium(page, tmp_path, "--dump-dom", "--virtual-time-budget=2000").stdout)
    assert dom.tags.get("script", 0) == 0, "input markup became a <script> element"
    assert dom.handlers == [], f"input markup became an event handler: {dom.handlers}"
    assert not dom.title.strip().isdigit(), "an injected onerror handler ran"
    assert "建设用地<script>alert(1)</script>" in dom.text  # shown as text
    assert f"名称 {INJECTION}" in dom.text
    assert "<img src=x onerror=document.title=1>.gpkg" in dom.text
    for c in report.checks:
        assert c.code in dom.text and c.title_zh in dom.text and c.message_zh in dom.text
    assert all(src.startswith("data:image/png;base64,") for src in dom.img_srcs)
    width, height = png_size(png_from_data_uri(dom.img_srcs[0]))
    assert width >= 1000 and height >= 700

    shot = tmp_path / "screenshot.png"
    chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", "--hide-scrollbars")
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape[:2] == (4000, 1280)
    # the verdict badge (#b00020) and the map's construction zone fill are painted
    assert (np.abs(img - [0xB0, 0x00, 0x20]).max(axis=2) < 8).sum() > 500
    assert len(np.unique(img.reshape(-1, 3)[::97], axis=0)) > 50, "screenshot is nearly blank"


def test_chromium_prints_report_to_pdf(gc311_construction_outside_gpkg, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(geocheck.check(gc311_construction_outside_gpkg), lang="en"), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    chromium(page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2


def test_missing_viewer_fails_under_ci_and_skips_elsewhere(monkeypatch):
    import pytest

    from report_tools import require

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium needed"):
        require("chromium", "not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require("chromium", "not installed")
    require("chromium", None)  # present: nothing happens
