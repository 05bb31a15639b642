#!/usr/bin/env python3
"""Regenerate the sample reports shown in docs/reports.md, from sample_data/.

Run from the repository root:  python docs/make_samples.py

Writes docs/samples/:
  noncompliant_town.html           the HTML report (Chinese), self-contained, with its SVG map
  noncompliant_town.en.html        the same in English
  noncompliant_town.en.md          the Markdown report (English)
  noncompliant_town_opinion.docx   the Word opinion (初审意见 draft)
  noncompliant_town_findings.gpkg  the findings GeoPackage (styles embedded)
  noncompliant_town_map.png        the map as the Word opinion holds it (drawn with PIL)
  noncompliant_town_html.png       the top of the Chinese HTML report as headless Chromium shows it
  noncompliant_town_html.en.png    the same for the English report
  noncompliant_town_findings.png   the findings GeoPackage as QGIS draws it with its own styles
  noncompliant_town_opinion.png    the first pages of the Word opinion, as LibreOffice prints them
The pictures need Debian's chromium, qgis + python3-qgis (.ci/run installs them), and for the
opinion libreoffice-writer-nogui and poppler-utils (pdftoppm); without one the script says so
and leaves the old picture.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geocheck  # noqa: E402
from geocheck.report import render_docx, render_html, render_markdown, write_atomic, write_findings_gpkg  # noqa: E402
from geocheck.report.raster import map_png  # noqa: E402
from geocheck.config import load_config  # noqa: E402
from geocheck.references import collect_specs  # noqa: E402

OUT = ROOT / "docs" / "samples"
TOWN = "sample_data/noncompliant_town"
# The same reference layers as README's sample run.
REFERENCES = collect_specs((), load_config(ROOT / "sample_data" / "geocheck.toml"))


def screenshot(html: Path, png: Path) -> bool:
    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium not installed: screenshot not updated")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp}/profile", f"--screenshot={shot}", "--window-size=1280,2000",
                        "--hide-scrollbars", html.resolve().as_uri()], check=True, capture_output=True)
        img = Image.open(shot).convert("RGB")
    img.quantize(colors=256, dither=Image.Dither.NONE).save(png, optimize=True)
    return True


def qgis_picture(gpkg: Path, png: Path) -> bool:
    if not Path("/usr/bin/python3").exists():
        print("QGIS not installed: findings picture not updated")
        return False
    script = ROOT / "tests" / "qgis_findings.py"
    backgrounds = [str(ROOT / TOWN / f"{n}.shp") for n in ("planning_boundary", "construction", "core_area")]
    result = subprocess.run(["/usr/bin/python3", str(script), "render", str(gpkg), str(png), *backgrounds],
                            capture_output=True, text=True, env={"QT_QPA_PLATFORM": "offscreen",
                                                                 "PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir()})
    if result.returncode != 0:
        print("QGIS could not draw the findings:", result.stderr[-500:])
        return False
    return True


def opinion_picture(docx: Path, png: Path, pages: int = 2) -> bool:
    """The opinion's first pages side by side, as LibreOffice lays them out and prints them."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        print("libreoffice-writer-nogui or poppler-utils not installed: opinion picture not updated")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/lo", "--convert-to", "pdf",
                        "--outdir", tmp, str(docx)], check=True, capture_output=True, timeout=300)
        subprocess.run([pdftoppm, "-r", "80", "-png", "-l", str(pages), str(Path(tmp) / f"{docx.stem}.pdf"),
                        f"{tmp}/page"], check=True, capture_output=True)
        images = [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("page-*.png"))]
        w, h = images[0].size
        sheet = Image.new("RGB", (len(images) * (w + 16) + 16, h + 32), "#d9dee6")
        for i, img in enumerate(images):
            sheet.paste(img, (16 + i * (w + 16), 16))
    sheet.quantize(colors=256, dither=Image.Dither.NONE).save(png, optimize=True)
    return True


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # paths in the samples relative to the repository, as a reviewer types them
    report = geocheck.check(TOWN, profile="zhejiang-2015", references=REFERENCES)
    when = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    html = OUT / "noncompliant_town.html"
    write_atomic(html, render_html(report, lang="zh", generated=when))
    html_en = OUT / "noncompliant_town.en.html"
    write_atomic(html_en, render_html(report, lang="en", generated=when))
    write_atomic(OUT / "noncompliant_town.en.md", render_markdown(report, lang="en"))
    docx = OUT / "noncompliant_town_opinion.docx"
    write_atomic(docx, render_docx(report, generated=when))
    write_atomic(OUT / "noncompliant_town_map.png", map_png(report, width=1200))
    gpkg = OUT / "noncompliant_town_findings.gpkg"
    layers = write_findings_gpkg(report, gpkg)
    screenshot(html, OUT / "noncompliant_town_html.png")
    screenshot(html_en, OUT / "noncompliant_town_html.en.png")
    qgis_picture(gpkg, OUT / "noncompliant_town_findings.png")
    opinion_picture(docx, OUT / "noncompliant_town_opinion.png")
    print(f"{report.verdict.value}: {len(report.checks)} checks; findings layers: {', '.join(layers)}")
    for p in sorted(OUT.iterdir()):
        print(f"  {p.relative_to(ROOT)}  {p.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
