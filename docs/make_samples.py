#!/usr/bin/env python3
"""Regenerate the sample reports shown in docs/reports.md, from sample_data/.

Run from the repository root:  python docs/make_samples.py

Writes docs/samples/:
  noncompliant_town.html           the HTML report (Chinese), self-contained
  noncompliant_town.en.md          the Markdown report (English)
  noncompliant_town_findings.gpkg  the findings GeoPackage (styles embedded)
  noncompliant_town_map.png        the report's overview map
  noncompliant_town_html.png       the top of the HTML report as headless Chromium shows it
  noncompliant_town_findings.png   the findings GeoPackage as QGIS draws it with its own styles
The two pictures need Debian's chromium and qgis + python3-qgis (.ci/run installs them);
without them the script says so and leaves the old pictures.
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
from geocheck.report import render_html, render_markdown, write_atomic, write_findings_gpkg  # noqa: E402
from geocheck.report.maps import overview_png  # noqa: E402
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
                        f"--user-data-dir={tmp}/profile", f"--screenshot={shot}", "--window-size=1280,2300",
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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # paths in the samples relative to the repository, as a reviewer types them
    report = geocheck.check(TOWN, profile="zhejiang-2015", references=REFERENCES)
    html = OUT / "noncompliant_town.html"
    write_atomic(html, render_html(report, lang="zh", generated=datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)))
    write_atomic(OUT / "noncompliant_town.en.md", render_markdown(report, lang="en"))
    (OUT / "noncompliant_town_map.png").write_bytes(overview_png(report, "zh"))
    gpkg = OUT / "noncompliant_town_findings.gpkg"
    layers = write_findings_gpkg(report, gpkg)
    screenshot(html, OUT / "noncompliant_town_html.png")
    qgis_picture(gpkg, OUT / "noncompliant_town_findings.png")
    print(f"{report.verdict.value}: {len(report.checks)} checks; findings layers: {', '.join(layers)}")
    for p in sorted(OUT.iterdir()):
        print(f"  {p.relative_to(ROOT)}  {p.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
