"""The QGIS plugin's pure-Python parts, without QGIS: geocheck's capabilities as the plugin reads
them, the argv each algorithm builds, the process runner (with a stand-in executable), the
findings-layer order and the plugin zip."""

from __future__ import annotations

import configparser
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

import geocheck
from geocheck.capabilities import capabilities as geocheck_capabilities

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "qgis_plugin"))

from geocheck_qgis import argv as gc  # noqa: E402
from geocheck_qgis import capabilities, runner  # noqa: E402
from geocheck_qgis.findings_gpkg import feature_layers  # noqa: E402

EXE = "/opt/geocheck/bin/geocheck"
CAPS = geocheck_capabilities()  # what `geocheck capabilities --format json` answers (read for real below)


# -- geocheck's capabilities, read through the runner -----------------------------------------
def installed_geocheck() -> str:
    beside = Path(sys.executable).with_name("geocheck")  # the console script of this environment
    assert beside.exists(), beside
    return str(beside)


def test_capabilities_of_the_installed_geocheck_are_read_once(tmp_path):
    capabilities.clear()
    exe = installed_geocheck()
    caps = capabilities.load(exe)
    assert caps == json.loads(json.dumps(CAPS)) and caps["version"] == geocheck.__version__
    assert [p["name"] for p in caps["profiles"]] == sorted(p.stem for p in (REPO / "rules").glob("*.toml"))
    # Asked once: a second load is answered from memory (a stand-in counts how often it runs).
    count = tmp_path / "count"
    counting = stand_in_script(tmp_path, f"""
        import sys
        with open({str(count)!r}, "a") as f:
            f.write("x")
        print({json.dumps(json.dumps(CAPS))})
    """)
    assert capabilities.load(counting) == capabilities.load(counting) == caps
    assert count.read_text() == "x"
    capabilities.clear()


@pytest.mark.parametrize("body, fragment", [
    ('import sys; print("Error: No such command \'capabilities\'.", file=sys.stderr); sys.exit(2)',
     "cannot say what it supports (`geocheck capabilities`: No such command 'capabilities'.); it is not geocheck"),
    ('print("<html>not json</html>")', "did not answer with geocheck's capabilities"),
    ('print(\'{"type": "something else"}\')', "did not answer with geocheck's capabilities"),
])
def test_a_geocheck_that_cannot_answer_is_one_clear_error(body, fragment, tmp_path):
    capabilities.clear()
    exe = stand_in_script(tmp_path, body)
    for _ in range(2):  # the failure is kept: a broken geocheck is not started at every dialog
        with pytest.raises(runner.RunError) as caught:
            capabilities.load(exe)
        assert fragment in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(runner.RunError, match=r"^cannot start .*no-such-geocheck"):
        capabilities.load(str(tmp_path / "no-such-geocheck"))
    capabilities.clear()


def stand_in_script(tmp_path: Path, body: str) -> str:
    """An executable file (a Python script with a shebang) that behaves as `body` says."""
    script = tmp_path / f"geocheck-{len(list(tmp_path.iterdir()))}"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    script.chmod(0o755)
    return str(script)


# -- argv: Check submission ---------------------------------------------------------------
def test_check_minimal():
    assert gc.check_argv(EXE, "/d/town.gpkg", CAPS) == [EXE, "check", "/d/town.gpkg"]


def test_check_all_options():
    argv = gc.check_argv(
        EXE, "/d/town.gpkg", CAPS, profile="zhejiang-2015",
        references={"heritage_points": "/r/文物.gpkg|layername=文物保护单位",
                    "ecological_red_line": "/r/red line.shp"},
        report="/out/report.html", findings="/out/findings.gpkg", lang="en")
    assert argv == [
        EXE, "check", "/d/town.gpkg", "--profile", "zhejiang-2015",
        "--reference", "ecological_red_line=/r/red line.shp",  # kind order, not dict order
        "--reference", "heritage_points=/r/文物.gpkg:文物保护单位", "--lang", "en",
        "--format", "html", "-o", "/out/report.html",
        "--findings", "/out/findings.gpkg"]


def test_paths_are_single_items_without_quoting():
    odd = "/d/梦想 小镇 'v2' $HOME; rm -rf ~.gpkg"
    argv = gc.check_argv(EXE, odd, CAPS, report="/o/a b.html")
    assert argv[2] == odd and argv[-1] == "/o/a b.html"


@pytest.mark.parametrize("report, fmt", [("/o/r.html", "html"), ("/o/r.HTM", "html"),
                                         ("/o/r.json", "json"), ("/o/r.txt", "text"), ("/o/r.md", "markdown"),
                                         ("/o/初审意见.docx", "docx"),
                                         ("/o/r", "html"), ("/o/r.pdf", "html")])
def test_report_format_follows_the_extension(report, fmt):
    assert gc.check_argv(EXE, "/d/t.gpkg", CAPS, report=report)[-4:] == ["--format", fmt, "-o", report]


def test_report_file_filter_offers_every_format_html_first():
    assert gc.report_file_filter(CAPS) == ("HTML (*.html *.htm);;Text (*.txt);;JSON (*.json);;"
                                           "Markdown (*.md *.markdown);;Word 初审意见 (*.docx)")


@pytest.mark.parametrize("name, path, expected", [
    (None, None, None), ("zhejiang-2015", None, "zhejiang-2015"), ("", None, None),
    ("zhejiang-2015", "/p/my.toml", "/p/my.toml"), (None, "/p/my.toml", "/p/my.toml")])
def test_profile_value(name, path, expected):
    assert gc.profile_value(name, path) == expected


def test_no_profile_option_when_geocheck_chooses():
    assert "--profile" not in gc.check_argv(EXE, "/d/t.gpkg", CAPS, profile=gc.profile_value(None, None))


def test_reference_kinds_in_geochecks_order():
    assert gc.reference_kinds(CAPS) == ["ecological_red_line", "basic_farmland", "urban_development_boundary",
                                        "heritage_protection_range", "heritage_control_zone", "heritage_points"]


@pytest.mark.parametrize("kind, source, arg", [
    ("basic_farmland", "/r/jbnt.gpkg", "basic_farmland=/r/jbnt.gpkg"),
    ("basic_farmland", "/r/jbnt.gpkg|layername=永久基本农田|subset=\"a\"=1",
     "basic_farmland=/r/jbnt.gpkg:永久基本农田"),
    ("heritage_control_zone", "/r/ww.gpkg|layerid=1", "heritage_control_zone=/r/ww.gpkg"),
])
def test_reference_arg(kind, source, arg):
    assert gc.reference_arg(kind, source, CAPS) == arg


def test_unknown_reference_kind_is_refused():
    with pytest.raises(ValueError):
        gc.reference_arg("river", "/r/river.gpkg", CAPS)


def test_virtual_reference_file_is_refused():
    # geocheck cannot open GDAL's /vsizip/ paths (a layer inside a .zip): it says "does not exist".
    with pytest.raises(ValueError, match="inside an archive"):
        gc.reference_arg("urban_development_boundary", "/vsizip//r/kfbj.zip/kfbj.shp", CAPS)


def test_reference_problem(tmp_path):
    ref = tmp_path / "红线.gpkg"
    ref.write_bytes(b"")
    assert gc.reference_problem(f"{ref}|layername=红线") is None
    assert gc.reference_problem(str(tmp_path)) is None  # a folder dataset (.gdb)
    assert gc.reference_problem("/vsizip//r/kfbj.zip/kfbj.shp|layername=kfbj") == (
        "/vsizip//r/kfbj.zip/kfbj.shp is inside an archive or a virtual file system, which geocheck cannot read")
    assert gc.reference_problem(f"{tmp_path}/gone.gpkg|layername=x") == f"{tmp_path}/gone.gpkg is not a file on disk"


@pytest.mark.parametrize("source, path", [
    ("/d/town.gpkg|layername=规划范围", "/d/town.gpkg"),
    ("/d/town.gpkg", "/d/town.gpkg"),
    ("/d/town_shp/planning_boundary.shp", "/d/town_shp"),
    ("/d/town_shp/CORE.SHP|layername=CORE", "/d/town_shp"),
    ("/vsizip//d/town.zip/planning_boundary.shp", "/d/town.zip"),
    ("/vsizip//d/town.ZIP/sub/core.shp|layername=core", "/d/town.ZIP"),
    ("/d/town_shp", "/d/town_shp"),
    ("/d/plan.geojson", "/d/plan.geojson"),
])
def test_submission_path(source, path):
    assert gc.submission_path(source) == path


def test_absolute_source(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert gc.absolute_source("refs/红线.gpkg|layername=红线") == f"{tmp_path}/refs/红线.gpkg|layername=红线"
    assert gc.absolute_source("/r/a.shp") == "/r/a.shp"
    assert gc.absolute_source("/vsizip//r/a.zip/a.shp") == "/vsizip//r/a.zip/a.shp"


# -- argv: Batch check folder -------------------------------------------------------------
def test_batch_minimal_leaves_jobs_to_geocheck():
    assert gc.batch_argv(EXE, "/in", "/out", CAPS) == [EXE, "batch", "/in", "--out", "/out"]


def test_batch_all_options():
    argv = gc.batch_argv(EXE, "/in/manifest.csv", "/out", CAPS, profile="/p/省.toml", jobs=4, force=True,
                         references={"basic_farmland": "/r/jbnt.gpkg|layername=jbnt"}, lang="en",
                         scheduler="tcp://10.0.0.5:8786")
    assert argv == [EXE, "batch", "/in/manifest.csv", "--out", "/out", "--profile", "/p/省.toml",
                    "--reference", "basic_farmland=/r/jbnt.gpkg:jbnt", "--lang", "en", "-j", "4", "--force",
                    "--scheduler", "tcp://10.0.0.5:8786"]


# -- runner ---------------------------------------------------------------------------------
def stand_in(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "stand_in.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    return [sys.executable, str(script)]


def collect(argv, **kwargs):
    seen = []
    result = runner.run(argv, on_line=lambda stream, line: seen.append((stream, line)), **kwargs)
    return result, seen


def test_streams_lines_utf8_and_keeps_exit_code(tmp_path):
    argv = stand_in(tmp_path, """
        import sys
        print("[1/2] 梦想小镇: compliant", flush=True)
        print("warning on stderr", file=sys.stderr, flush=True)
        print("[2/2] b: non_compliant", flush=True)
        sys.exit(1)
    """)
    result, seen = collect(argv)
    assert result.returncode == 1 and not result.canceled
    assert ("stdout", "[1/2] 梦想小镇: compliant") in seen and ("stderr", "warning on stderr") in seen
    assert result.stdout == ["[1/2] 梦想小镇: compliant", "[2/2] b: non_compliant"]


def test_child_runs_in_cwd_without_qgis_python_and_proj_variables(tmp_path, monkeypatch):
    # What QGIS on Windows exports for its own Python and PROJ; a bogus PYTHONHOME that
    # reached the child would stop its Python from starting at all.
    monkeypatch.setenv("PYTHONHOME", str(tmp_path / "qgis-python"))
    monkeypatch.setenv("PROJ_LIB", str(tmp_path / "qgis-proj"))
    argv = stand_in(tmp_path, """
        import os
        print(os.getcwd(), os.environ.get("PYTHONHOME"), os.environ.get("PROJ_LIB"))
    """)
    result, _ = collect(argv, cwd=str(tmp_path))
    assert result.returncode == 0 and result.stdout == [f"{tmp_path} None None"]


def test_cannot_start_raises(tmp_path):
    with pytest.raises(runner.RunError, match=r"^cannot start .*no-such-geocheck"):
        runner.run([str(tmp_path / "no-such-geocheck"), "check"], on_line=lambda *_: None)


def test_cancel_stops_the_child_and_its_workers(tmp_path):
    pids = tmp_path / "pids"
    argv = stand_in(tmp_path, f"""
        import subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pids)!r}, "w").write(f"{{worker.pid}}\\n")
        print("started", flush=True)
        time.sleep(60)
    """)
    lines = []
    started = time.monotonic()
    result = runner.run(argv, on_line=lambda s, l: lines.append(l), is_canceled=lambda: bool(lines))
    assert result.canceled and time.monotonic() - started < 20
    worker = int(pids.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]


def test_cancel_returns_while_a_stray_process_holds_the_pipes(tmp_path):
    # A process outside geocheck's process group (here a detached `sleep`) keeps stdout and
    # stderr open after geocheck has stopped; run() must not wait for it to end.
    stray = tmp_path / "stray"
    argv = stand_in(tmp_path, f"""
        import subprocess, time
        stray = subprocess.Popen(["sleep", "60"], start_new_session=True)
        open({str(stray)!r}, "w").write(str(stray.pid))
        print("started", flush=True)
        time.sleep(60)
    """)
    lines = []
    started = time.monotonic()
    try:
        result = runner.run(argv, on_line=lambda s, l: lines.append(l), is_canceled=lambda: bool(lines))
        elapsed = time.monotonic() - started
    finally:
        os.kill(int(stray.read_text()), signal.SIGKILL)
    assert result.canceled and lines == ["started"]
    assert elapsed < 5, elapsed  # the child stops at once; the readers get 2 s, not the stray's 60


def test_cancel_on_windows_kills_the_tree_at_once(monkeypatch):
    # No Ctrl-C can reach a console-less child of QGIS on Windows: no 5 s wait for one.
    calls = []

    class Proc:
        pid = 4242

        def wait(self, timeout=None):
            calls.append(("wait", timeout))
            return 1

    monkeypatch.setattr(runner.sys, "platform", "win32")
    monkeypatch.setattr(subprocess, "CREATE_NO_WINDOW", 0x08000000, raising=False)
    monkeypatch.setattr(subprocess, "run", lambda argv, **kw: calls.append(("run", argv)))
    runner._stop(Proc())
    assert calls == [("run", ["taskkill", "/T", "/F", "/PID", "4242"]), ("wait", None)]


@pytest.mark.parametrize("stderr, message", [
    (["geocheck: error: /d/x.gpkg: does not exist"], "/d/x.gpkg: does not exist"),
    (["Usage: geocheck check [OPTIONS] SUBMISSION", "Try 'geocheck check -h' for help.", "",
      "Error: No such option: --findings"], "No such option: --findings"),
    (["Traceback (most recent call last):", "  ...", "MemoryError"], "MemoryError"),
    ([], "geocheck exited with code 2 and no message"),
])
def test_error_message(stderr, message):
    assert runner.error_message(stderr, 2) == message


def test_failed_submissions_from_batch_stdout():
    # What `geocheck batch` prints when some submissions cannot be checked (exit 2, empty stderr).
    stdout = ["[1/4] broken: error (in/broken.gpkg: not a vector dataset GDAL can read ('x' not recognized (y)))",
              "[2/4] 镇甲: compliant",
              "[3/4] old: error [unchanged] (old.gpkg: no planned area)",
              "[4/4] town b: non_compliant [unchanged]",
              "4 submissions: 1 compliant, 1 non-compliant, 2 could not be checked; summary in out/summary.csv"]
    assert runner.failed_submissions(stdout) == [
        "broken: in/broken.gpkg: not a vector dataset GDAL can read ('x' not recognized (y))",
        "old: old.gpkg: no planned area"]
    assert runner.failed_submissions(stdout[1:2]) == []
    assert runner.explicit_error([]) is None


@pytest.mark.parametrize("line, parsed", [
    ("[3/50] 梦想小镇: non_compliant", (3, 50, "梦想小镇", "non_compliant")),
    ("[1/3] broken: error (/in/broken.gpkg: not a vector dataset: x)", (1, 3, "broken", "error")),
    ("3 submissions: 1 compliant", None),
    ("checking [1/2]", None),
])
def test_parse_progress(line, parsed):
    assert runner.parse_progress(line) == parsed


def test_find_executable(tmp_path, monkeypatch):
    exe = tmp_path / "geocheck"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert runner.find_executable(str(exe)) == str(exe)
    with pytest.raises(runner.RunError, match="not found"):
        runner.find_executable(str(tmp_path / "missing"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert runner.find_executable("") == str(exe)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(runner.RunError, match="not found on PATH"):
        runner.find_executable(None)


def test_pure_modules_do_not_import_qgis():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import geocheck_qgis.argv, geocheck_qgis.capabilities, geocheck_qgis.runner, geocheck_qgis.findings_gpkg; "
            "assert not any(m.split('.')[0] in ('qgis', 'processing', 'PyQt5') for m in sys.modules), "
            "sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code, str(REPO / "qgis_plugin")], check=True)


# -- findings GeoPackage layer order ----------------------------------------------------------
def test_feature_layers_polygons_below_points(tmp_path):
    import geopandas as gpd
    from shapely import Point, box

    path = tmp_path / "findings.gpkg"
    for layer, geometry in (("points", Point(0, 0)), ("外溢", box(0, 0, 1, 1)), ("a_uncovered", box(0, 0, 2, 2))):
        gpd.GeoDataFrame({"code": ["GC"]}, geometry=[geometry], crs="EPSG:4549").to_file(path, layer=layer)
    assert feature_layers(str(path)) == ["外溢", "a_uncovered", "points"]


# -- the plugin zip ---------------------------------------------------------------------------
def build_zip(out: Path) -> Path:
    """Build the plugin zip as the docs say (test_qgis_plugin_qgis.py installs it in QGIS)."""
    done = subprocess.run([sys.executable, str(REPO / "qgis_plugin" / "build_plugin_zip.py"), str(out)],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


def test_plugin_zip_is_reproducible_and_complete(tmp_path):
    first, second = build_zip(tmp_path / "a"), build_zip(tmp_path / "b")
    assert first.name == second.name == "geocheck_qgis-0.1.0.zip"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        names = zf.namelist()
        meta = configparser.ConfigParser()
        meta.read_string(zf.read("geocheck_qgis/metadata.txt").decode("utf-8"))
    assert names == sorted(names) and all(n.startswith("geocheck_qgis/") for n in names)
    for required in ("__init__.py", "metadata.txt", "plugin.py", "provider.py", "check_submission.py",
                     "batch_check.py", "runner.py", "argv.py", "capabilities.py", "icon.svg"):
        assert f"geocheck_qgis/{required}" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    general = meta["general"]
    assert general["qgisMinimumVersion"] == "3.22" and general["hasProcessingProvider"] == "yes"
    assert f"geocheck_qgis/{general['icon']}" in names
    for key in ("name", "description", "about", "version", "author"):
        assert general[key].strip(), key


def test_plugin_version_follows_geocheck():
    meta = configparser.ConfigParser()
    meta.read(REPO / "qgis_plugin" / "geocheck_qgis" / "metadata.txt", encoding="utf-8")
    assert meta["general"]["version"] == geocheck.__version__
