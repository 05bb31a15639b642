"""Real viewers for report tests: headless Chromium for the HTML, PyQGIS for the GeoPackage.

Each is a Debian package that .ci/run installs. A missing one fails the test under CI
(CI=true) and skips it on a developer's machine that lacks it.
"""

from __future__ import annotations

import base64
import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from geocheck.findings import CheckResult, Indicator, Severity, Status

HERE = Path(__file__).resolve().parent
QGIS_PYTHON = "/usr/bin/python3"
QGIS_SCRIPT = HERE / "qgis_findings.py"
INJECTION = "<script>alert(1)</script>"


def require(what: str, problem: str | None) -> None:
    if problem is None:
        return
    message = f"{what} needed: {problem}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (.ci/run installs it)")
    pytest.skip(message)


def with_finding(report, kind, geometry, **extra):
    """The report plus one failed check carrying an indicator of `kind` (as a reference-layer
    check adds them)."""
    ind = Indicator(kind=kind, role="construction", layer="建设用地", fid=7, geometry=geometry,
                    measured=geometry.area, info=extra.pop("info", None))
    for k, v in extra.items():
        setattr(ind, k, v)
    report.checks.append(CheckResult("GC499", "测试冲突", "test conflict", Status.FAIL, Severity.ERROR,
                                     measured={"text": "1"}, threshold={"text": "0"}, source="test",
                                     message_zh="冲突", message_en="conflict", features=[ind]))
    return report


def chromium_path() -> str:
    path = shutil.which("chromium")
    require("chromium", None if path else "no `chromium` on PATH (Debian package chromium)")
    return path


def qgis_python() -> str:
    problem = None
    if not Path(QGIS_PYTHON).exists():
        problem = f"{QGIS_PYTHON} missing"
    else:
        probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True)
        if probe.returncode != 0:
            problem = "Debian's python3 cannot import qgis (packages qgis, python3-qgis)"
    require("PyQGIS", problem)
    return QGIS_PYTHON


def chromium(html: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local file, offline, with a throwaway profile."""
    cmd = [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'chromium-profile'}", *args, html.resolve().as_uri()]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class DomSummary(HTMLParser):
    """What a dumped DOM contains: elements by tag, <img> sources, visible text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, int] = {}
        self.img_srcs: list[str] = []
        self.handlers: list[str] = []  # on* attributes anywhere
        self.title = ""
        self._in_title = False
        self.text_parts: list[str] = []
        self.feed(html)
        self.text = "".join(self.text_parts)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        if tag == "img":
            self.img_srcs.append(dict(attrs).get("src") or "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text_parts.append(data)


def png_from_data_uri(uri: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix), uri[:40]
    return base64.b64decode(uri[len(prefix):], validate=True)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])
