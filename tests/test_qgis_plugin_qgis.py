"""The QGIS plugin end to end, in real QGIS (Debian's qgis + python3-qgis, headless).

PyQGIS only imports under Debian's /usr/bin/python3, not the interpreter running pytest, so
one PyQGIS session (DRIVER below) runs every scenario in a subprocess and writes its results
as JSON; the tests assert on those. A second test installs the built zip into a throw-away
QGIS profile and drives /usr/bin/qgis_process.bin.

Without QGIS these tests skip, except under CI=true, where they fail. Tests that need a
geocheck CLI feature (--format html, --findings, --reference, --lang, `geocheck batch`) skip
while the installed geocheck lacks it, again only outside CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_data"
SYSTEM_PYTHON = "/usr/bin/python3"
# Not the `qgis_process` wrapper: it passes --noversioncheck, which 3.22 rejects.
QGIS_PROCESS = "/usr/bin/qgis_process.bin"
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def geocheck_executable() -> str:
    # The console script next to this interpreter first: a pyenv shim on PATH would pick its
    # Python by the working directory the plugin runs geocheck in.
    beside = Path(sys.executable).with_name("geocheck")
    found = str(beside) if beside.exists() else shutil.which("geocheck")
    if not found:
        unavailable("the geocheck executable is not installed")
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


@pytest.fixture(scope="module")
def pyqgis():
    if not Path(SYSTEM_PYTHON).exists():
        unavailable(f"{SYSTEM_PYTHON} not found")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    if probe.returncode != 0:
        unavailable("PyQGIS is not installed (apt-get install qgis python3-qgis)")


@pytest.fixture(scope="module")
def cli_help() -> dict[str, str]:
    """`geocheck check --help` and `geocheck batch --help` ("" if there is no batch command)."""
    exe = geocheck_executable()
    out = {}
    for command in ("check", "batch"):
        done = subprocess.run([exe, command, "--help"], capture_output=True, text=True)
        out[command] = done.stdout if done.returncode == 0 else ""
    return out


def require_cli(cli_help: dict[str, str], command: str, marker: str) -> None:
    """Skip (outside CI) while the geocheck CLI lacks a feature the plugin relies on."""
    if marker not in cli_help[command]:
        unavailable(f"geocheck {command} has no {marker.strip()} yet")


# --------------------------------------------------------------------------------------------
# A stand-in geocheck, so plugin behaviour that needs no real check (loading styled findings,
# batch outputs, cancelling) is tested whatever the real CLI does today. It logs its argv.
STAND_IN = r'''
import json, os, shutil, sys, time
HERE = os.path.dirname(os.path.abspath(__file__))
argv = sys.argv[1:]
with open(os.path.join(HERE, "argv.jsonl"), "a", encoding="utf-8") as log:
    log.write(json.dumps(argv) + "\n")
def opt(name):
    return argv[argv.index(name) + 1] if name in argv else None
if argv[0] == "check":
    if argv[1].endswith("slow.gpkg"):
        with open(os.path.join(HERE, "pid"), "w") as f:
            f.write(str(os.getpid()))
        print("checking slowly", flush=True)
        time.sleep(120)
        sys.exit(0)
    if opt("--findings"):
        shutil.copy(os.path.join(HERE, "styled.gpkg"), opt("--findings"))
    with open(opt("-o"), "w", encoding="utf-8") as f:
        f.write("<html><body>non_compliant</body></html>")
    print("non_compliant: report written to " + opt("-o"))
    sys.exit(1)
if argv[0] == "batch":
    out = opt("--out")
    os.makedirs(out, exist_ok=True)
    rows = [("镇甲", "compliant"), ("town b", "non_compliant"), ("broken c", "error (c.gpkg: unreadable)")]
    for k, (name, verdict) in enumerate(rows, 1):
        print(f"[{k}/{len(rows)}] {name}: {verdict}", flush=True)
    with open(os.path.join(out, "summary.csv"), "w", encoding="utf-8") as f:
        f.write("name,verdict\n" + "".join(f"{n},{v.split()[0]}\n" for n, v in rows))
    for name in ("summary.json", "index.html"):
        open(os.path.join(out, name), "w").close()
    print("geocheck: error: 1 of 3 submissions could not be checked", file=sys.stderr)
    sys.exit(2)
'''

# --------------------------------------------------------------------------------------------
# The PyQGIS session. argv: plan.json (inputs), results.json (written at the end).
DRIVER = r'''
import json, os, sys, traceback
plan = json.load(open(sys.argv[1], encoding="utf-8"))
from qgis.core import (QgsApplication, QgsFeature, QgsField, QgsFields, QgsGeometry, QgsProject,
                       QgsProcessingException, QgsProcessingFeedback, QgsVectorFileWriter,
                       QgsVectorLayer, QgsWkbTypes, QgsCoordinateReferenceSystem,
                       QgsCoordinateTransformContext, QgsFillSymbol, QgsSingleSymbolRenderer)
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

plugin = geocheck_qgis.classFactory(None)
plugin.initProcessing()
registry = QgsApplication.processingRegistry()
provider = registry.providerById("geocheck")
results = {"provider": {
    "exists": provider is not None,
    "algorithms": sorted(a.id() for a in provider.algorithms()) if provider else [],
    "setting": "GEOCHECK_PATH" in ProcessingConfig.settings,
    "qgis": __import__("qgis.core").core.Qgis.QGIS_VERSION,
}}


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


def run(spec):
    exe = spec.get("executable", plan["geocheck"])
    try:
        ProcessingConfig.setSettingValue("GEOCHECK_PATH", exe)
    except ValueError:  # the options dialog refuses missing files; a stale saved path is still possible
        ProcessingConfig.settings["GEOCHECK_PATH"].value = exe
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


def make_styled_gpkg(path):
    """What geocheck's --findings writes, in small: a layer with a default style in layer_styles."""
    fields = QgsFields()
    fields.append(QgsField("code", __import__("qgis.PyQt.QtCore", fromlist=["QVariant"]).QVariant.String))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.layerName = "findings_areas"
    writer = QgsVectorFileWriter.create(path, fields, QgsWkbTypes.Polygon,
                                        QgsCoordinateReferenceSystem("EPSG:4549"),
                                        QgsCoordinateTransformContext(), options)
    feature = QgsFeature(fields)
    feature.setAttributes(["GC311"])
    feature.setGeometry(QgsGeometry.fromWkt(
        "POLYGON((500000 3300000, 500100 3300000, 500100 3300100, 500000 3300000))"))
    writer.addFeature(feature)
    del writer
    layer = QgsVectorLayer(path + "|layername=findings_areas", "findings_areas", "ogr")
    symbol = QgsFillSymbol.createSimple({"color": "255,0,0,120", "outline_color": "200,0,0"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    layer.saveStyleToDatabase("geocheck", "geocheck findings", True, "")


if plan.get("styled_gpkg"):
    make_styled_gpkg(plan["styled_gpkg"])
for name, spec in plan["scenarios"].items():
    results[name] = run(spec)
json.dump(results, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
app.exitQgis()
'''


def write_stand_in(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "geocheck"
    script.write_text(f"#!{sys.executable}\n{STAND_IN}", encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture(scope="module")
def session(pyqgis, tmp_path_factory):
    """Run every scenario in one PyQGIS session; returns (results, workdir)."""
    work = tmp_path_factory.mktemp("qgis")
    stand_in = write_stand_in(work / "stand_in")
    batch_in = work / "batch_in"
    batch_in.mkdir()
    shutil.copy(SAMPLES / "compliant_town.gpkg", batch_in / "compliant_town.gpkg")
    shutil.copytree(SAMPLES / "noncompliant_town", batch_in / "noncompliant_town")
    (batch_in / "broken.gpkg").write_bytes(b"not a GeoPackage")
    garbage = work / "garbage-geocheck"  # executable bit, but not a program
    garbage.write_bytes(b"\x00\x01 not an executable")
    garbage.chmod(0o755)
    ref = SAMPLES / "reference"
    heritage = ref / "heritage_sites.gpkg"
    check = "geocheck:check_submission"
    batch = "geocheck:batch_check"
    scenarios = {
        "compliant": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "PROFILE": 2,
            "REPORT": str(work / "compliant.json")}},
        "noncompliant_folder": {"alg": check, "params": {
            "SUBMISSION_FOLDER": str(SAMPLES / "noncompliant_town"), "PROFILE": 2,
            "REPORT": str(work / "noncompliant.json")}},
        "noncompliant_shp": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "noncompliant_town" / "core_area.shp"), "PROFILE": 2}},
        "layer_source": {"alg": check, "params": {
            "SUBMISSION_LAYER": str(SAMPLES / "compliant_town.gpkg") + "|layername=核心区",
            "PROFILE": 2, "REPORT": str(work / "layer.json")}},
        "missing_file": {"alg": check, "params": {"SUBMISSION": str(work / "nowhere.gpkg")}},
        "bad_profile": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"),
            "PROFILE_FILE": str(work / "no-such-profile.toml")}},
        "missing_executable": {"alg": check, "executable": str(work / "not-geocheck"), "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg")}},
        "unstartable_executable": {"alg": check, "executable": str(garbage), "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg")}},
        "no_submission": {"alg": check, "params": {"PROFILE": 2}},
        "two_submissions": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"),
            "SUBMISSION_FOLDER": str(SAMPLES / "noncompliant_town")}},
        # Need CLI features that are being added (see require_cli in the tests).
        "html_findings": {"alg": check, "load": True, "params": {
            "SUBMISSION_FOLDER": str(SAMPLES / "noncompliant_town"), "PROFILE": 2,
            "REPORT": str(work / "real.html"), "FINDINGS": str(work / "real_findings.gpkg")}},
        "references": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "PROFILE": 4,
            "REF_ECOLOGICAL_RED_LINE": str(ref / "ecological_red_line.gpkg"),
            "REF_BASIC_FARMLAND": str(ref / "basic_farmland.gpkg"),
            "REF_URBAN_DEVELOPMENT_BOUNDARY": str(ref / "urban_development_boundary.gpkg"),
            "REF_HERITAGE_PROTECTION_RANGE": f"{heritage}|layername=文物保护范围",
            "REF_HERITAGE_POINTS": f"{heritage}|layername=文物保护单位",
            "REPORT": str(work / "references.json")}},
        "lang_en": {"alg": check, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"), "LANG": 2,
            "REPORT": str(work / "en.json")}},
        "batch": {"alg": batch, "params": {
            "INPUT": str(batch_in), "OUTPUT": str(work / "batch_out"), "PROFILE": 2, "JOBS": 2}},
        # Stand-in geocheck: plugin behaviour independent of the CLI's progress.
        "stand_in_findings": {"alg": check, "executable": str(stand_in), "load": True, "params": {
            "SUBMISSION": str(SAMPLES / "compliant_town.gpkg"),
            "REPORT": str(work / "stand_in.html"), "FINDINGS": str(work / "stand_in_findings.gpkg")}},
        "stand_in_batch": {"alg": batch, "executable": str(stand_in), "params": {
            "INPUT": str(batch_in), "OUTPUT": str(work / "stand_in_batch"), "PROFILE": 1,
            "JOBS": 3, "FORCE": True}},
        "stand_in_cancel": {"alg": check, "executable": str(stand_in), "cancel": True, "params": {
            "SUBMISSION": str(work / "slow.gpkg")}},
    }
    plan = {"plugin_dir": str(REPO / "qgis_plugin"), "geocheck": geocheck_executable(),
            "styled_gpkg": str(stand_in.parent / "styled.gpkg"), "scenarios": scenarios}
    (work / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    (work / "driver.py").write_text(DRIVER, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([SYSTEM_PYTHON, str(work / "driver.py"), str(work / "plan.json"),
                           str(work / "results.json")], capture_output=True, text=True,
                          env=qgis_env(work / "home"), timeout=600)
    assert proc.returncode == 0 and (work / "results.json").exists(), proc.stderr[-4000:]
    results = json.loads((work / "results.json").read_text(encoding="utf-8"))
    results["_seconds"] = time.monotonic() - started
    return results, work


def ok(result: dict) -> dict:
    assert result["ok"], result.get("error", "") + "\n" + "\n".join(result["log"][-20:])
    return result["outputs"]


def stand_in_argv(work: Path) -> list[list[str]]:
    lines = (work / "stand_in" / "argv.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# -- provider ---------------------------------------------------------------------------------
def test_provider_and_algorithms_are_registered(session):
    results, _ = session
    provider = results["provider"]
    assert provider["exists"] and provider["setting"]
    assert provider["algorithms"] == ["geocheck:batch_check", "geocheck:check_submission"]


# -- Check submission with today's CLI ------------------------------------------------------
def test_compliant_gpkg(session):
    results, work = session
    outputs = ok(results["compliant"])
    assert outputs["VERDICT"] == "compliant"
    assert json.loads((work / "compliant.json").read_text(encoding="utf-8"))["verdict"] == "compliant"
    assert any("--profile zhejiang-2015" in line for line in results["compliant"]["log"])


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


def test_layer_source_checks_its_whole_gpkg(session):
    results, _ = session
    assert ok(results["layer_source"])["VERDICT"] == "compliant"
    assert any(line.startswith("$ ") and line.split()[3] == str(SAMPLES / "compliant_town.gpkg")
               for line in results["layer_source"]["log"])


def test_missing_file_raises_geocheck_one_line_message(session):
    results, work = session
    result = results["missing_file"]
    assert not result["ok"]
    assert result["error"] == f"{work / 'nowhere.gpkg'}: does not exist"


def test_bad_profile_raises_one_line_message(session):
    results, _ = session
    result = results["bad_profile"]
    assert not result["ok"] and "\n" not in result["error"]
    assert "no-such-profile.toml" in result["error"]


def test_missing_or_unstartable_executable_raises(session):
    results, work = session
    missing, garbage = results["missing_executable"], results["unstartable_executable"]
    assert not missing["ok"] and not garbage["ok"]
    assert missing["error"].startswith(f"geocheck executable not found: {work / 'not-geocheck'}")
    assert garbage["error"] == f"cannot start {work / 'garbage-geocheck'}: Exec format error"


def test_exactly_one_submission_input(session):
    results, _ = session
    for name in ("no_submission", "two_submissions"):
        assert not results[name]["ok"]
        assert "exactly one of" in results[name]["error"], results[name]["error"]


# -- plugin behaviour with a stand-in geocheck -------------------------------------------------
def test_findings_load_as_layers_styled_from_the_gpkg(session):
    results, work = session
    result = results["stand_in_findings"]
    outputs = ok(result)
    assert outputs["VERDICT"] == "non_compliant"
    assert (work / "stand_in.html").exists()
    [layer] = result["project_layers"]
    assert layer["name"] == "findings_areas"
    assert layer["source"] == f"{work / 'stand_in_findings.gpkg'}|layername=findings_areas"
    assert outputs["FINDINGS_LAYERS"] == [layer["source"]]
    assert "255,0,0,120" in layer["renderer"]  # the layer_styles colour, not a random default
    assert layer["renderer"] == layer["gpkg_style"]


def test_batch_outputs_counts_progress_and_exit_2_with_summary(session):
    results, work = session
    result = results["stand_in_batch"]
    outputs = ok(result)  # exit 2 after writing a summary: warnings, not a failure
    assert outputs["TOTAL"] == 3
    assert (outputs["COMPLIANT"], outputs["NON_COMPLIANT"], outputs["ERRORS"]) == (1, 1, 1)
    assert outputs["SUMMARY_CSV"] == str(work / "stand_in_batch" / "summary.csv")
    assert outputs["INDEX"] == str(work / "stand_in_batch" / "index.html")
    assert max(result["progress"]) == 100 and round(result["progress"][0]) == 33
    assert any(line.startswith("ERROR Some submissions could not be checked: 1 of 3")
               for line in result["log"])
    batch_argv = [a for a in stand_in_argv(work) if a[0] == "batch"][0]
    assert batch_argv == ["batch", str(work / "batch_in"), "--out", str(work / "stand_in_batch"),
                          "--profile", "generic", "-j", "3", "--force"]


def test_cancel_stops_geocheck(session):
    results, work = session
    result = results["stand_in_cancel"]
    assert ok(result)["VERDICT"] == "canceled"
    pid = int((work / "stand_in" / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_whole_session_is_quick(session):
    results, _ = session
    assert results["_seconds"] < 240, results["_seconds"]


# -- needs CLI features being added -----------------------------------------------------------
def test_html_report_and_findings_layers_from_real_geocheck(session, cli_help):
    require_cli(cli_help, "check", "html")
    require_cli(cli_help, "check", "--findings")
    results, work = session
    result = results["html_findings"]
    outputs = ok(result)
    assert outputs["VERDICT"] == "non_compliant"
    html = (work / "real.html").read_text(encoding="utf-8")
    assert "<html" in html.lower()
    assert (work / "real_findings.gpkg").exists()
    layers = result["project_layers"]
    assert layers and len(layers) == len(outputs["FINDINGS_LAYERS"])
    for layer in layers:
        assert layer["source"].startswith(str(work / "real_findings.gpkg") + "|layername=")
        assert layer["renderer"] == layer["gpkg_style"], layer["name"]


def test_reference_layers_from_real_geocheck(session, cli_help):
    require_cli(cli_help, "check", "--reference")
    results, work = session
    outputs = ok(results["references"])
    assert outputs["VERDICT"] in ("compliant", "non_compliant")
    command = next(line for line in results["references"]["log"] if line.startswith("$ "))
    assert "ecological_red_line=" in command and "heritage_points=" in command
    assert (work / "references.json").exists()


def test_lang_from_real_geocheck(session, cli_help):
    require_cli(cli_help, "check", "--lang")
    results, _ = session
    assert ok(results["lang_en"])["VERDICT"] == "compliant"


def test_batch_from_real_geocheck(session, cli_help):
    require_cli(cli_help, "batch", "--out")
    results, work = session
    result = results["batch"]
    outputs = ok(result)  # one broken submission: exit 2 with a summary is not a failure
    out = work / "batch_out"
    assert (out / "summary.csv").exists() and (out / "summary.json").exists()
    assert (out / "index.html").exists()
    assert (outputs["COMPLIANT"], outputs["NON_COMPLIANT"], outputs["ERRORS"]) == (1, 1, 1)
    assert (out / "compliant_town" / "report.json").exists()
    assert max(result["progress"]) == 100


# -- the built zip, installed into a profile, under qgis_process ------------------------------
def test_zip_installs_and_runs_under_qgis_process(pyqgis, tmp_path):
    if not Path(QGIS_PROCESS).exists():
        unavailable(f"{QGIS_PROCESS} not found")
    exe = geocheck_executable()
    built = subprocess.run([sys.executable, str(REPO / "qgis_plugin" / "build_plugin_zip.py"),
                            str(tmp_path / "dist")], capture_output=True, text=True, check=True)
    zip_path = Path(built.stdout.strip())
    home = tmp_path / "home"
    profile = home / ".local/share/QGIS/QGIS3/profiles/default"
    import zipfile
    with zipfile.ZipFile(zip_path) as zf:  # what Plugins ▸ Install from ZIP does
        zf.extractall(profile / "python" / "plugins")
    (profile / "QGIS").mkdir(parents=True)
    (profile / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\ngeocheck_qgis=true\n")
    # geocheck found on PATH (the default setting); appended after /usr/bin, see qgis_env.
    env = qgis_env(home, extra_path=str(Path(exe).parent))

    listed = subprocess.run([QGIS_PROCESS, "list"], capture_output=True, text=True, env=env, timeout=120)
    assert "geocheck:check_submission" in listed.stdout, listed.stdout[-2000:] + listed.stderr[-2000:]
    assert "geocheck:batch_check" in listed.stdout

    for town, verdict in (("compliant_town.gpkg", "compliant"), ("noncompliant_town", "non_compliant")):
        key = "--SUBMISSION" if town.endswith(".gpkg") else "--SUBMISSION_FOLDER"
        report = tmp_path / f"{verdict}.json"
        run = subprocess.run([QGIS_PROCESS, "--json", "run", "geocheck:check_submission",
                              f"{key}={SAMPLES / town}", "--PROFILE=2", f"--REPORT={report}"],
                             capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert json.loads(run.stdout)["results"]["VERDICT"] == verdict
        assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == verdict

    failed = subprocess.run([QGIS_PROCESS, "run", "geocheck:check_submission",
                             f"--SUBMISSION={tmp_path / 'nowhere.gpkg'}"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert failed.returncode != 0
    assert f"{tmp_path / 'nowhere.gpkg'}: does not exist" in failed.stdout + failed.stderr
