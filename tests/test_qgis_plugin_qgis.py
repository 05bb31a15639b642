"""The QGIS plugin end to end, in real QGIS (Debian's qgis + python3-qgis, headless).

PyQGIS only imports under Debian's /usr/bin/python3, not the interpreter running pytest, so
one PyQGIS session (DRIVER below) runs every scenario in a subprocess and writes its results
as JSON; the tests assert on those. The scenarios run the real geocheck CLI, except cancelling,
which needs a geocheck that is slow on purpose (STAND_IN). A second test installs the built zip
into a throw-away QGIS profile and drives /usr/bin/qgis_process.bin.

Without QGIS these tests skip, except under CI=true, where they fail (report_tools.require).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyogrio
import pytest
from geocheck.inputs.formats import describe as input_formats
from report_tools import qgis_python, require
from test_qgis_plugin_argv import build_zip

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_data"
# Not the `qgis_process` wrapper: it passes --noversioncheck, which 3.22 rejects.
QGIS_PROCESS = "/usr/bin/qgis_process.bin"


def geocheck_executable() -> str:
    # The console script next to this interpreter first: a pyenv shim on PATH would pick its
    # Python by the working directory the plugin runs geocheck in.
    beside = Path(sys.executable).with_name("geocheck")
    found = str(beside) if beside.exists() else shutil.which("geocheck")
    require("the geocheck executable", None if found else "not installed beside pytest's Python or on PATH")
    return found


def qgis_env(home: Path, extra_path: str | None = None) -> dict[str, str]:
    """A clean environment for Debian's QGIS: offscreen, its own HOME (so its own profile)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    # Embedded Python finds its prefix through the first python3 on PATH: keep /usr/bin first.
    env["PATH"] = "/usr/bin:/bin" + (os.pathsep + extra_path if extra_path else "")
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"),
               LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    (home / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


# --------------------------------------------------------------------------------------------
# A stand-in geocheck for cancelling: `capabilities` answers as geocheck does (CAPABILITIES,
# filled in when written); `check` prints a line, records its pid and sleeps.
STAND_IN = r'''
import os, sys, time
if sys.argv[1:2] == ["capabilities"]:
    print(CAPABILITIES)
    sys.exit(0)
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "pid"), "w") as f:
    f.write(str(os.getpid()))
print("checking slowly", flush=True)
time.sleep(120)
'''
# A geocheck from before `capabilities`: click's answer to an unknown command.
OLD_GEOCHECK = r'''
import sys
print("Usage: geocheck [OPTIONS] COMMAND [ARGS]...", file=sys.stderr)
print("Error: No such command 'capabilities'.", file=sys.stderr)
sys.exit(2)
'''

# --------------------------------------------------------------------------------------------
# The PyQGIS session. argv: plan.json (inputs), results.json (written at the end).
DRIVER = r'''
import json, os, sys, traceback
plan = json.load(open(sys.argv[1], encoding="utf-8"))
from qgis.core import QgsApplication, QgsProject, QgsProcessingException, QgsProcessingFeedback, QgsVectorLayer
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
sys.path.append("/usr/share/qgis/python/plugins")
sys.path.insert(0, plan["plugin_dir"])
from processing.core.Processing import Processing
Processing.initialize()
import processing
from processing.core.ProcessingConfig import ProcessingConfig
import geocheck_qgis

# Processing's default, stated: result layers are named after their file or layername=, so the
# findings layers keep their table names without LayerDetails.forceName.
ProcessingConfig.setSettingValue(ProcessingConfig.PREFER_FILENAME_AS_LAYER_NAME, True)
plugin = geocheck_qgis.classFactory(None)
plugin.initProcessing()
registry = QgsApplication.processingRegistry()
provider = registry.providerById("geocheck")
results = {"provider": {
    "exists": provider is not None,
    "algorithms": sorted(a.id() for a in provider.algorithms()) if provider else [],
    "setting": "GEOCHECK_PATH" in ProcessingConfig.settings,
    "qgis": __import__("qgis.core").core.Qgis.QGIS_VERSION,
    "load_error": provider.load_error,  # geocheck is not on this session's PATH
}}


def set_executable(exe):
    try:
        ProcessingConfig.setSettingValue("GEOCHECK_PATH", exe)
    except ValueError:  # the options dialog refuses missing files; a stale saved path is still possible
        ProcessingConfig.settings["GEOCHECK_PATH"].value = exe


def parameters(alg_id):
    """What a dialog for the algorithm offers, as geocheck's capabilities made it."""
    alg = registry.createAlgorithmById(alg_id)
    out = {}
    for p in alg.parameterDefinitions():
        if p.type() == "enum":
            out[p.name()] = {"options": p.options(), "static": p.usesStaticStrings(), "optional":
                             bool(p.flags() & p.FlagOptional)}
        elif p.name().startswith("REF_"):
            out[p.name()] = {"label": p.description(), "types": list(p.dataTypes())}
        elif p.name() == "REPORT":
            out[p.name()] = {"filter": p.fileFilter()}
    return out


set_executable(plan["geocheck"])
results["parameters"] = {a: parameters(a) for a in ("geocheck:check_submission", "geocheck:batch_check")}


class Feedback(QgsProcessingFeedback):
    def __init__(self, cancel_on_first_line=False):
        super().__init__()
        self.log, self.progress, self.cancel_on_first_line = [], [], cancel_on_first_line
        self.progressChanged.connect(self.progress.append)
    def pushInfo(self, text): self.log.append(text)
    def pushConsoleInfo(self, text):
        self.log.append(text)
        if self.cancel_on_first_line:
            self.cancel()
    def pushCommandInfo(self, text): self.log.append("$ " + text)
    def reportError(self, text, fatalError=False): self.log.append("ERROR " + text)


def style_dump(uri, name):
    styled = QgsVectorLayer(uri, name, "ogr")  # default options: loads the default style
    return styled.renderer().dump() if styled.isValid() else None


def add_project_layers(spec):
    """Reference layers that exist only as project layers (their source is no plain path, so
    Processing would not open it from a string): passed by layer id, as the dialog does."""
    for param, uri in spec.get("project_layers", {}).items():
        name = os.path.splitext(os.path.basename(uri.split("|")[0]))[0]
        layer = QgsVectorLayer(uri, name, "ogr")
        assert layer.isValid(), uri
        QgsProject.instance().addMapLayer(layer)
        spec["params"][param] = layer.id()
    for path in spec.get("delete_after_loading", []):
        os.remove(path)


def run(spec):
    add_project_layers(spec)
    set_executable(spec.get("executable", plan["geocheck"]))
    feedback = Feedback(spec.get("cancel", False))
    out = {"log": feedback.log}
    try:
        run_fn = processing.runAndLoadResults if spec.get("load") else processing.run
        out["outputs"] = run_fn(spec["alg"], spec["params"], feedback=feedback)
        out["ok"] = True
    except QgsProcessingException as exc:
        out["ok"], out["error"] = False, str(exc)
    except Exception:
        out["ok"], out["error"] = False, traceback.format_exc()
    out["progress"] = feedback.progress
    if spec.get("load"):
        layers = []
        for layer in QgsProject.instance().mapLayers().values():
            layers.append({"name": layer.name(), "source": layer.source(),
                           "renderer": layer.renderer().dump(),
                           "gpkg_style": style_dump(layer.source(), layer.name())})
        out["project_layers"] = layers
    QgsProject.instance().removeAllMapLayers()
    return out


for name, spec in plan["scenarios"].items():
    results[name] = run(spec)
json.dump(results, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
app.exitQgis()
'''


def write_stand_in(folder: Path, body: str = STAND_IN) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "geocheck"
    answer = subprocess.run([geocheck_executable(), "capabilities", "--format", "json"], capture_output=True,
                            text=True, check=True).stdout
    script.write_text(f"#!{sys.executable}\nCAPABILITIES = {answer!r}\n{body}", encoding="utf-8")
    script.chmod(0o755)
    return script


def zipped_shapefile(gpkg: Path, folder: Path) -> Path:
    """The layer of gpkg as a Shapefile inside a .zip: QGIS opens it as /vsizip/…/NAME.shp."""
    folder.mkdir(parents=True)
    pyogrio.write_dataframe(pyogrio.read_dataframe(gpkg), folder / "red.shp", encoding="UTF-8")
    with zipfile.ZipFile(folder / "red.zip", "w") as zf:
        for part in sorted(folder.glob("red.*")):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return folder / "red.zip"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Run every scenario in one PyQGIS session; returns (results, workdir)."""
    python = qgis_python()
    work = tmp_path_factory.mktemp("qgis")
    stand_in = write_stand_in(work / "stand_in")
    old_geocheck = write_stand_in(work / "old_geocheck", OLD_GEOCHECK)
    batch_in = work / "batch_in"
    batch_in.mkdir()
    shutil.copy(SAMPLES / "compliant_town.gpkg", batch_in / "compliant_town.gpkg")
    shutil.copytree(SAMPLES / "noncompliant_town", batch_in / "noncompliant_town")
    (batch_in / "broken.gpkg").write_bytes(b"not a GeoPackage")
    (work / "nothing_in").mkdir()
    garbage = work / "garbage-geocheck"  # executable bit, but not a program
    garbage.write_bytes(b"\x00\x01 not an executable")
    garbage.chmod(0o755)
    ref = SAMPLES / "reference"
    heritage = ref / "heritage_sites.gpkg"
    red_zip = zipped_shapefile(ref / "ecological_red_line.gpkg", work / "zipped")
    gone = work / "gone" / "jbnt.gpkg"  # loaded, then deleted
    gone.parent.mkdir()
    shutil.copy(ref / "basic_farmland.gpkg", gone)
    check = "geocheck:check_submission"
    batch = "geocheck:batch_check"
    scenarios = {
        "compliant": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "PROFILE": "zhejiang-2015", "LANG": "en",
            "REPORT": str(work / "compliant.json")}},
        "noncompliant_folder": {"alg": check, "params": {
            "SUBMISSION_FOLDER": str(SAMPLES / "noncompliant_town"), "PROFILE": "zhejiang-2015",
            "REPORT": str(work / "noncompliant.json")}},
        "noncompliant_shp": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "noncompliant_town" / "core_area.shp"), "PROFILE": "zhejiang-2015"}},
        "layer_source": {"alg": check, "params": {
            "SUBMISSION_LAYER": str(SAMPLES / "compliant_town.gpkg") + "|layername=核心区",
            "PROFILE": "zhejiang-2015", "REPORT": str(work / "layer.md")}},
        "missing_file": {"alg": check, "params": {"SUBMISSION": str(work / "nowhere.gpkg")}},
        "bad_profile": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"),
            "PROFILE_FILE": str(work / "no-such-profile.toml")}},
        "missing_executable": {"alg": check, "executable": str(work / "not-geocheck"), "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg")}},
        "unstartable_executable": {"alg": check, "executable": str(garbage), "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg")}},
        "old_geocheck": {"alg": batch, "executable": str(old_geocheck), "params": {
            "INPUT": str(batch_in), "OUTPUT": str(work / "old_out"), "PROFILE": "zhejiang-2015"}},
        "no_submission": {"alg": check, "params": {"PROFILE": "zhejiang-2015"}},
        "two_submissions": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"),
            "SUBMISSION_FOLDER": str(SAMPLES / "noncompliant_town")}},
        "html_findings": {"alg": check, "load": True, "params": {
            "SUBMISSION_FOLDER": str(SAMPLES / "noncompliant_town"), "PROFILE": "zhejiang-2015",
            "REPORT": str(work / "real.html"), "FINDINGS": str(work / "real_findings.gpkg")}},
        "references": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "PROFILE": "national-2021",
            "REF_ECOLOGICAL_RED_LINE": str(ref / "ecological_red_line.gpkg"),
            "REF_BASIC_FARMLAND": str(ref / "basic_farmland.gpkg"),
            "REF_URBAN_DEVELOPMENT_BOUNDARY": str(ref / "urban_development_boundary.gpkg"),
            "REF_HERITAGE_PROTECTION_RANGE": f"{heritage}|layername=文物保护范围",
            "REF_HERITAGE_POINTS": f"{heritage}|layername=文物保护单位",
            "REPORT": str(work / "references.json")}},
        "reference_in_zip": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "PROFILE": "national-2021"},
            "project_layers": {"REF_ECOLOGICAL_RED_LINE": f"/vsizip/{red_zip}/red.shp"}},
        "reference_file_gone": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "PROFILE": "national-2021"},
            "project_layers": {"REF_BASIC_FARMLAND": f"{gone}|layername=永久基本农田"},
            "delete_after_loading": [str(gone)]},
        "batch": {"alg": batch, "params": {
            "INPUT": str(batch_in), "OUTPUT": str(work / "batch_out"), "PROFILE": "zhejiang-2015", "JOBS": 2,
            "FORCE": True, "LANG": "en"}},
        # Into the folder "batch" has just written a summary to: a stale summary is no success.
        "batch_nothing": {"alg": batch, "params": {
            "INPUT": str(work / "nothing_in"), "OUTPUT": str(work / "batch_out")}},
        "stand_in_cancel": {"alg": check, "executable": str(stand_in), "cancel": True, "params": {
            "SUBMISSION": str(work / "slow.gpkg")}},
    }
    plan = {"plugin_dir": str(REPO / "qgis_plugin"), "geocheck": geocheck_executable(), "scenarios": scenarios}
    (work / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    (work / "driver.py").write_text(DRIVER, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([python, str(work / "driver.py"), str(work / "plan.json"),
                           str(work / "results.json")], capture_output=True, text=True,
                          env=qgis_env(work / "home"), timeout=600, check=False)
    assert proc.returncode == 0 and (work / "results.json").exists(), proc.stderr[-4000:]
    results = json.loads((work / "results.json").read_text(encoding="utf-8"))
    results["_seconds"] = time.monotonic() - started
    return results, work


def ok(result: dict) -> dict:
    assert result["ok"], result.get("error", "") + "\n" + "\n".join(result["log"][-20:])
    return result["outputs"]


def failed(result: dict) -> str:
    """The error of a run that must fail before or when running geocheck."""
    assert not result["ok"], result["outputs"]
    return result["error"]


def command(result: dict) -> list[str]:
    """The geocheck argv the algorithm logged (`$ …`)."""
    return shlex.split(next(line for line in result["log"] if line.startswith("$ "))[2:])


# -- provider ---------------------------------------------------------------------------------
def test_provider_and_algorithms_are_registered(session):
    results, _ = session
    provider = results["provider"]
    assert provider["exists"] and provider["setting"]
    assert provider["algorithms"] == ["geocheck:batch_check", "geocheck:check_submission"]


# -- Check submission ---------------------------------------------------------------------------
def test_compliant_gpkg_in_english(session):
    results, work = session
    outputs = ok(results["compliant"])
    # No reference layers given: the profile's required checks did not run (exit 3), shown as such.
    assert outputs["VERDICT"] == "incomplete"
    assert json.loads((work / "compliant.json").read_text(encoding="utf-8"))["verdict"] == "incomplete"
    assert any("Incomplete" in line for line in results["compliant"]["log"])
    argv = command(results["compliant"])
    assert argv[argv.index("--profile") + 1] == "zhejiang-2015"
    assert argv[argv.index("--lang") + 1] == "en"


def test_noncompliant_is_a_successful_run_with_findings(session):
    results, work = session
    outputs = ok(results["noncompliant_folder"])
    assert outputs["VERDICT"] == "non_compliant"
    report = json.loads((work / "noncompliant.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "non_compliant"
    assert any("Completed with findings" in line for line in results["noncompliant_folder"]["log"])


def test_shp_stands_for_its_folder_and_text_report_streams_to_the_log(session):
    results, _ = session
    result = results["noncompliant_shp"]
    assert ok(result)["VERDICT"] == "non_compliant"
    log = "\n".join(result["log"])
    assert f"check {SAMPLES / 'noncompliant_town'} " in log  # the folder, not core_area.shp
    assert "不符合要求" in log  # geocheck's text report, line by line


def test_layer_source_checks_its_whole_gpkg_with_a_markdown_report(session):
    results, work = session
    assert ok(results["layer_source"])["VERDICT"] == "incomplete"  # no reference layers given
    argv = command(results["layer_source"])
    assert argv[2] == str(SAMPLES / "compliant_town.gpkg")
    assert argv[argv.index("--format") + 1] == "markdown"
    markdown = (work / "layer.md").read_text(encoding="utf-8")
    assert markdown.startswith("# ") and "**结论: 未完成**" in markdown


def test_missing_file_raises_geocheck_one_line_message(session):
    results, work = session
    assert failed(results["missing_file"]) == f"{work / 'nowhere.gpkg'}: does not exist"


def test_bad_profile_raises_one_line_message(session):
    results, _ = session
    error = failed(results["bad_profile"])
    assert "\n" not in error and "no-such-profile.toml" in error


def test_missing_unstartable_or_old_executable_is_one_clear_error(session):
    # Said before anything else (no geocheck, no parameters worth judging), and geocheck never runs.
    results, work = session
    assert failed(results["missing_executable"]).splitlines()[-1].startswith(
        f"geocheck executable not found: {work / 'not-geocheck'}")
    assert failed(results["unstartable_executable"]).splitlines()[-1] == \
        f"cannot start {work / 'garbage-geocheck'}: Exec format error"
    assert failed(results["old_geocheck"]).splitlines()[-1] == (
        f"{work / 'old_geocheck' / 'geocheck'} cannot say what it supports (`geocheck capabilities`: No such "
        "command 'capabilities'.); it is not geocheck, or a geocheck older than this plugin")
    for name in ("missing_executable", "unstartable_executable", "old_geocheck"):
        assert not any(line.startswith("$ ") for line in results[name]["log"]), name
    assert not (work / "old_out").exists()


def test_plugin_loaded_without_geocheck_says_why_once(session):
    results, _ = session
    assert results["provider"]["load_error"].startswith("geocheck executable not found on PATH")
    assert results["provider"]["algorithms"] == ["geocheck:batch_check", "geocheck:check_submission"]


def test_dialog_offers_what_geocheck_says_it_supports(session):
    results, _ = session
    caps = json.loads(subprocess.run([geocheck_executable(), "capabilities", "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)
    for alg, params in results["parameters"].items():
        assert params["PROFILE"] == {"options": [p["name"] for p in caps["profiles"]], "static": True,
                                     "optional": True}, alg
        assert params["LANG"]["options"] == caps["langs"] == ["zh", "en"]
        refs = {k: v for k, v in params.items() if k.startswith("REF_")}
        assert list(refs) == [f"REF_{k['name'].upper()}" for k in caps["reference_kinds"]]
        assert refs["REF_HERITAGE_POINTS"]["types"] == [0] and refs["REF_BASIC_FARMLAND"]["types"] == [2]  # point, polygon
        assert refs["REF_ECOLOGICAL_RED_LINE"]["label"] == "Ecological protection red line 生态保护红线"
    assert results["parameters"]["geocheck:check_submission"]["REPORT"]["filter"].startswith("HTML (*.html *.htm);;")


def test_exactly_one_submission_input(session):
    results, _ = session
    for name in ("no_submission", "two_submissions"):
        assert "exactly one of" in failed(results[name]), results[name]["error"]


def first_style_colour(gpkg: Path, table: str) -> str:
    """The first symbol layer's colour in the default style geocheck stored for a table."""
    with contextlib.closing(sqlite3.connect(gpkg)) as db:
        [qml] = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault",
                           (table,)).fetchone()
    return re.search(r'<prop k="(?:line_)?color" v="([^"]+)"', qml).group(1)


def test_html_report_and_findings_layers_styled_from_the_gpkg(session):
    results, work = session
    result = results["html_findings"]
    outputs = ok(result)
    assert outputs["VERDICT"] == "non_compliant"
    html = (work / "real.html").read_text(encoding="utf-8")
    assert "<html" in html.lower()
    gpkg = work / "real_findings.gpkg"
    # What geocheck wrote, read without the plugin: every feature table, areas before lines before points.
    rank = {"Polygon": 0, "LineString": 1, "Point": 2}
    tables = [(name, kind.removeprefix("Multi")) for name, kind in pyogrio.list_layers(gpkg) if kind]
    expected = [name for name, kind in sorted(tables, key=lambda t: rank[t[1]])]
    assert len(expected) >= 2
    assert outputs["FINDINGS_LAYERS"] == [f"{gpkg}|layername={name}" for name in expected]
    layers = result["project_layers"]
    assert sorted(layer["name"] for layer in layers) == sorted(expected)
    for layer in layers:
        assert layer["source"] == f"{gpkg}|layername={layer['name']}"
        assert layer["renderer"] == layer["gpkg_style"], layer["name"]
        # The layer_styles colour, not a random default or Processing's style.
        assert first_style_colour(gpkg, layer["name"]) in layer["renderer"], layer["name"]


def test_reference_layers_from_real_geocheck(session):
    results, work = session
    outputs = ok(results["references"])
    assert outputs["VERDICT"] == "compliant"
    argv = command(results["references"])
    given = [argv[i + 1].split("=")[0] for i, arg in enumerate(argv) if arg == "--reference"]
    assert given == ["ecological_red_line", "basic_farmland", "urban_development_boundary",
                     "heritage_protection_range", "heritage_points"]
    report = json.loads((work / "references.json").read_text(encoding="utf-8"))
    statuses = {c["code"]: c["status"] for c in report["checks"] if c["code"].startswith("GC4")}
    # Checked against the layers given (GC412 is a warning by design); only the construction-
    # control zone, which was not given, is skipped.
    assert statuses == {"GC401": "pass", "GC402": "pass", "GC411": "pass", "GC412": "warn", "GC421": "pass",
                        "GC431": "pass", "GC432": "skip", "GC433": "pass", "GC434": "pass"}


def test_reference_layer_inside_a_zip_is_refused(session):
    results, work = session
    result = results["reference_in_zip"]
    assert failed(result) == (
        f"ecological_red_line: layer “red”: /vsizip/{work / 'zipped' / 'red.zip'}/red.shp is inside an archive "
        "or a virtual file system, which geocheck cannot read; save it as a GeoPackage first")
    assert not any(line.startswith("$ ") for line in result["log"])  # geocheck never ran


def test_reference_layer_whose_file_is_gone_is_refused(session):
    results, work = session
    result = results["reference_file_gone"]
    assert failed(result) == (f"basic_farmland: layer “jbnt”: {work / 'gone' / 'jbnt.gpkg'} is not a file on disk; "
                               "save it as a GeoPackage first")
    assert not any(line.startswith("$ ") for line in result["log"])


def test_cancel_stops_geocheck(session):
    results, work = session
    result = results["stand_in_cancel"]
    assert ok(result)["VERDICT"] == "canceled"
    pid = int((work / "stand_in" / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_whole_session_is_quick(session):
    results, _ = session
    assert results["_seconds"] < 240, results["_seconds"]


# -- Batch check folder ---------------------------------------------------------------------
def test_batch_outputs_counts_progress_and_exit_2_with_summary(session):
    results, work = session
    result = results["batch"]
    outputs = ok(result)  # one broken submission: exit 2 after the others ran is not a failure
    out = work / "batch_out"
    assert command(result)[1:] == ["batch", str(work / "batch_in"), "--out", str(out),
                                   "--profile", "zhejiang-2015", "--lang", "en", "-j", "2", "--force"]
    assert outputs["TOTAL"] == 3
    # Without reference layers the clean town is incomplete, never compliant.
    assert (outputs["COMPLIANT"], outputs["INCOMPLETE"], outputs["NON_COMPLIANT"], outputs["ERRORS"]) == (0, 1, 1, 1)
    assert outputs["SUMMARY_CSV"] == str(out / "summary.csv") and (out / "summary.csv").exists()
    assert outputs["SUMMARY_JSON"] == str(out / "summary.json")
    assert outputs["INDEX"] == str(out / "index.html") and (out / "index.html").exists()
    counts = json.loads((out / "summary.json").read_text(encoding="utf-8"))["counts"]
    assert (counts["total"], counts["incomplete"], counts["non_compliant"], counts["error"]) == (3, 1, 1, 1)
    assert '<html lang="en">' in (out / "compliant_town" / "report.html").read_text(encoding="utf-8")
    assert max(result["progress"]) == 100 and round(result["progress"][0]) == 33
    # geocheck's stderr is empty here: the message comes from its `[k/n] broken: error (…)` line.
    [error] = [line for line in result["log"] if line.startswith("ERROR ")]
    broken = work / "batch_in" / "broken.gpkg"
    assert error.startswith(f"ERROR Some submissions could not be checked: broken: {broken}: not a vector dataset")
    assert "no message" not in error


def test_batch_that_cannot_start_fails_despite_an_old_summary(session):
    # geocheck says so on stderr, with exit 2.
    results, work = session
    assert failed(results["batch_nothing"]) == f"{work / 'nothing_in'}: holds no submission (no {input_formats()})"


# -- the built zip, installed into a profile, under qgis_process ------------------------------
def test_zip_installs_and_runs_under_qgis_process(tmp_path):
    qgis_python()
    require("qgis_process", None if Path(QGIS_PROCESS).exists() else f"{QGIS_PROCESS} not found")
    exe = geocheck_executable()
    home = tmp_path / "home"
    profile = home / ".local/share/QGIS/QGIS3/profiles/default"
    with zipfile.ZipFile(build_zip(tmp_path / "dist")) as zf:  # what Plugins ▸ Install from ZIP does
        zf.extractall(profile / "python" / "plugins")
    (profile / "QGIS").mkdir(parents=True)
    (profile / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\ngeocheck_qgis=true\n")
    # geocheck found on PATH (the default setting); appended after /usr/bin, see qgis_env.
    env = qgis_env(home, extra_path=str(Path(exe).parent))

    def qgis_process(*args):
        return subprocess.run([QGIS_PROCESS, *args], capture_output=True, text=True, env=env, timeout=120,
                              check=False)

    listed = qgis_process("list")
    assert "geocheck:check_submission" in listed.stdout, listed.stdout[-2000:] + listed.stderr[-2000:]
    assert "geocheck:batch_check" in listed.stdout
    helped = qgis_process("help", "geocheck:check_submission").stdout  # the profiles come from geocheck
    assert all(name in helped for name in ("gansu", "generic", "national-2021", "zhejiang-2015")), helped[-3000:]

    report = tmp_path / "non_compliant.json"
    run = qgis_process("--json", "run", "geocheck:check_submission",
                       f"--SUBMISSION_FOLDER={SAMPLES / 'noncompliant_town'}", "--PROFILE=zhejiang-2015",
                       f"--REPORT={report}")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert json.loads(run.stdout)["results"]["VERDICT"] == "non_compliant"
    assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == "non_compliant"

    failed = qgis_process("run", "geocheck:check_submission", f"--SUBMISSION={tmp_path / 'nowhere.gpkg'}")
    assert failed.returncode != 0
    assert f"{tmp_path / 'nowhere.gpkg'}: does not exist" in failed.stdout + failed.stderr
