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
REPO = HERE.parent
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
    """What a dumped DOM contains: elements by tag, <img> sources, visible text (and the SVG
    map's <title> tooltips; not the contents of <style> and <script>)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, int] = {}
        self.img_srcs: list[str] = []
        self.handlers: list[str] = []  # on* attributes anywhere
        self.title = ""
        self._in_title = False
        self._hidden = 0  # inside <style> or <script>: not visible text
        self.text_parts: list[str] = []
        self.feed(html)
        self.text = "".join(self.text_parts)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        if tag == "img":
            self.img_srcs.append(dict(attrs).get("src") or "")
        self._in_title = tag == "title"
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if not self._hidden:
            self.text_parts.append(data)


def png_from_data_uri(uri: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix), uri[:40]
    return base64.b64decode(uri[len(prefix):], validate=True)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@pytest.fixture(scope="module")
def sample_town_with_references():
    """The bundled non-compliant sample town checked against the bundled reference layers (red
    line, farmland, development boundary, heritage ranges and points): findings of every status
    class (fail, warn) and reference context on the map. Import this fixture into a test module."""
    import geocheck
    from geocheck.config import load_config
    from geocheck.references import collect_specs

    specs = collect_specs((), load_config(REPO / "sample_data" / "geocheck.toml"))  # paths relative to the file
    return geocheck.check(REPO / "sample_data" / "noncompliant_town", profile="zhejiang-2015", references=specs)


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
    real wheel and mouse events, every network request the page makes, the DOM's live state.

        with Browser(tmp_path) as b:
            b.open(page)
            b.evaluate("document.title")
    """

    def __init__(self, tmp: Path, width: int = 1280, height: int = 900):
        self.tmp, self.size = tmp, (width, height)
        self.requests: list[str] = []
        self._id = 0
        self._buf = b""
        self.session = None

    def __enter__(self) -> "Browser":
        import fcntl

        to_chrome, from_chrome = os.pipe(), os.pipe()
        # keep the ends Chromium gets away from fds 3 and 4, which the child re-points at them
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome[0], from_chrome[1])]
        for fd in (to_chrome[0], from_chrome[1]):
            os.close(fd)

        def child_fds():
            os.dup2(ends[0], 3)
            os.dup2(ends[1], 4)

        self.proc = subprocess.Popen(
            [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-pipe", f"--user-data-dir={self.tmp / 'cdp-profile'}", "about:blank"],
            preexec_fn=child_fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in ends:
            os.close(fd)
        self.w, self.r = to_chrome[1], from_chrome[0]
        target = self.send("Target.createTarget", url="about:blank", session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True, session=False)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=self.size[0], height=self.size[1],
                  deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        os.close(self.w)
        os.close(self.r)

    def _read(self, timeout: float = 60.0) -> dict:
        import json
        import select

        while b"\0" not in self._buf:
            ready, _, _ = select.select([self.r], [], [], timeout)
            assert ready, "Chromium did not answer"
            chunk = os.read(self.r, 1 << 20)
            assert chunk, "Chromium closed the pipe"
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        data = json.loads(message)
        if data.get("method") == "Network.requestWillBeSent":
            self.requests.append(data["params"]["request"]["url"])
        return data

    def send(self, method: str, session: bool = True, **params) -> dict:
        import json

        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            data = self._read()
            if data.get("id") == self._id:
                assert "error" not in data, data["error"]
                return data.get("result", {})

    def wait_for(self, method: str) -> dict:
        while True:
            data = self._read()
            if data.get("method") == method:
                return data.get("params", {})

    def open(self, page: Path) -> None:
        self.send("Page.navigate", url=page.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def centre(self, selector: str) -> tuple[float, float]:
        """Scroll an element into view; its centre in viewport pixels."""
        import json

        return tuple(self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"))

    def wheel(self, x: float, y: float, delta_y: float) -> None:
        self.send("Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=delta_y)

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.send("Input.dispatchMouseEvent", type="mouseMoved", x=start[0], y=start[1])
        self.send("Input.dispatchMouseEvent", type="mousePressed", x=start[0], y=start[1], button="left", clickCount=1)
        self.send("Input.dispatchMouseEvent", type="mouseMoved", x=end[0], y=end[1], button="left", buttons=1)
        self.send("Input.dispatchMouseEvent", type="mouseReleased", x=end[0], y=end[1], button="left", clickCount=1)
