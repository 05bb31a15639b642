"""The command line: exit codes, one-line errors, JSON output, config discovery."""

from __future__ import annotations

import json
import subprocess

import pytest

from cli_tools import GEOCHECK, assert_one_line_error, invoke
from geocheck.errors import InputError
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed


def test_compliant_exit_0_and_table(compliant_gpkg):
    result = invoke("check", compliant_gpkg, "--profile", LENIENT)
    assert result.exit_code == 0, result.output
    assert "符合要求 — compliant" in result.output
    assert "GC202" in result.output and "km²" in result.output and "亩" in result.output
    assert "\x1b[" not in result.output  # no colour when not a terminal


def test_non_compliant_exit_1(gc302_split_construction_gpkg):
    result = invoke("check", gc302_split_construction_gpkg, "-p", LENIENT)
    assert result.exit_code == 1
    assert "不符合要求 — non-compliant" in result.output


def test_json_validates_and_has_required_measurements(gc311_construction_outside_gpkg, report_schema):
    result = invoke("check", gc311_construction_outside_gpkg, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    report_schema.validate(report)
    for key in ("planned_area_m2", "planned_area_geodesic_m2", "construction_area_m2",
                "construction_parts", "core_area_m2", "urban_design_coverage_pct"):
        assert report["measurements"][key] is not None
    assert report["verdict"] == "non_compliant"
    assert report["profile"]["name"] == "generic" and report["profile"]["source"]
    check = next(c for c in report["checks"] if c["code"] == "GC311")
    assert check["threshold"]["max_m2"] == 1.0 and check["source"]


def test_output_file_written_atomically(compliant_gpkg, tmp_path, report_schema):
    out = tmp_path / "report.json"
    out.write_text("old", encoding="utf-8")
    result = invoke("check", compliant_gpkg, "-f", "json", "-o", out)
    assert result.exit_code == 3  # the default profile requires reference layers: incomplete, never compliant
    report_schema.validate(json.loads(out.read_text(encoding="utf-8")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compliant.gpkg", "report.json"]  # no temp file


def test_missing_file(tmp_path):
    assert_one_line_error(invoke("check", tmp_path / "nope.gpkg"), "nope.gpkg", "does not exist")


def test_non_spatial_csv(tmp_path):
    csv = tmp_path / "table.csv"
    csv.write_text("name,area\n小镇,3\n", encoding="utf-8")
    assert_one_line_error(invoke("check", csv), "table.csv", "no spatial layers")


def test_text_file_named_gpkg(tmp_path):
    fake = tmp_path / "plan.gpkg"
    fake.write_text("this is not a geopackage\n", encoding="utf-8")
    assert_one_line_error(invoke("check", fake), "plan.gpkg", "not a vector dataset")


def test_bad_profile(compliant_gpkg, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n', encoding="utf-8")
    assert_one_line_error(invoke("check", compliant_gpkg, "--profile", bad), "bad.toml", "title_zh")


def test_missing_prj_lonlat_in_china_is_inferred_and_reported(no_prj_shapefile_folder):
    # Plain GK coordinates without a .prj are refused instead: tests/messy_corpus.py no_prj_plain_gk.
    report = json.loads(invoke("check", no_prj_shapefile_folder, "-f", "json").output)
    assert report["inputs"]["roles"]["boundary"]["crs_assumed"] is True
    assert any("inferred EPSG:4490" in n["en"] for n in report["notes"])


def test_missing_prj_with_assume_crs_is_reported(no_prj_shapefile_folder):
    result = invoke("check", no_prj_shapefile_folder, "--assume-crs", "EPSG:4490", "-f", "json")
    report = json.loads(result.output)
    assert report["inputs"]["roles"]["boundary"]["crs_assumed"] is True
    # The note says the CRS was assumed as instructed; nothing was guessed from the coordinates.
    assert any("assumed EPSG:4490" in n["en"] and "as instructed" in n["en"] for n in report["notes"]), report["notes"]
    assert not any("inferred" in n["en"] for n in report["notes"]), report["notes"]
    assert report["measurements"]["planned_area_m2"] == pytest.approx(1700 * 1800, rel=1e-6)


def test_debug_lets_the_error_itself_propagate(tmp_path):
    plain = invoke("check", tmp_path / "nope.gpkg")
    assert isinstance(plain.exception, SystemExit) and plain.exit_code == 2
    debug = invoke("check", tmp_path / "nope.gpkg", "--debug")
    assert isinstance(debug.exception, InputError), repr(debug.exception)
    assert "does not exist" in str(debug.exception)


def test_role_option_and_crs_option(compliant_gpkg):
    result = invoke("check", compliant_gpkg, "--boundary", "规划范围", "--crs", "EPSG:4527", "-f", "json")
    report = json.loads(result.output)
    assert report["target_crs"]["epsg"] == 4527 and report["target_crs"]["chosen_by"] == "user"


def test_geographic_crs_option_refused(compliant_gpkg):
    assert_one_line_error(invoke("check", compliant_gpkg, "--crs", "EPSG:4326"), "geographic")


def test_config_file_in_parent_sets_profile_and_roles(compliant_gpkg, tmp_path, monkeypatch):
    (tmp_path / "geocheck.toml").write_text(
        'profile = "national-2021"\n[roles]\nboundary = "规划范围"\n', encoding="utf-8")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    report = json.loads(invoke("check", compliant_gpkg, "-f", "json").output)
    assert report["profile"]["name"] == "national-2021"
    # The command line still wins over the config.
    report = json.loads(invoke("check", compliant_gpkg, "-f", "json", "-p", "gansu").output)
    assert report["profile"]["name"] == "gansu"


def test_pyproject_tool_section(compliant_gpkg, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.geocheck]\nprofile = "gansu"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert json.loads(invoke("check", compliant_gpkg, "-f", "json").output)["profile"]["name"] == "gansu"


def test_bad_config_key(compliant_gpkg, tmp_path, monkeypatch):
    (tmp_path / "geocheck.toml").write_text('profil = "gansu"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(invoke("check", compliant_gpkg), "geocheck.toml", "profil")


def test_rules_lists_codes_and_thresholds():
    result = invoke("rules", "--profile", LENIENT, env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "GC202" in result.output and "about_km2=3.0" in result.output
    assert "not used by this profile" in result.output  # e.g. GC201


def test_explain_prints_docs():
    result = invoke("explain", "gc302")
    assert result.exit_code == 0
    assert "集中连片" in result.output and "minimum spanning tree" in result.output
    assert_one_line_error(invoke("explain", "GC999"), "unknown rule code")


def test_installed_command_runs_as_a_process(compliant_gpkg):
    """The console script itself (not CliRunner): exit code and stderr as a user sees them."""
    ok = subprocess.run([*GEOCHECK, "check", str(compliant_gpkg), "-p", LENIENT], capture_output=True,
                        text=True)
    assert ok.returncode == 0 and "compliant" in ok.stdout
    bad = subprocess.run([*GEOCHECK, "check", "/nonexistent/x.gpkg"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0 and "does not exist" in bad.stderr
    assert "Traceback" not in bad.stderr
    debug = subprocess.run([*GEOCHECK, "check", "/nonexistent/x.gpkg", "--debug"], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback (most recent call last)" in debug.stderr
    assert "InputError" in debug.stderr and "does not exist" in debug.stderr


def test_a_wkt_crs_with_a_zero_scale_factor_is_one_clean_line(compliant_gpkg):
    """A projected WKT PROJ parses but cannot project to (k = 0): refused before any reading,
    not an internal error."""
    from pyproj import CRS

    wkt = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m").to_wkt()
    broken = wkt.replace('"Scale factor at natural origin",1', '"Scale factor at natural origin",0')
    assert broken != wkt
    assert_one_line_error(invoke("check", compliant_gpkg, "-p", LENIENT, "--crs", broken),
                          "--crs:", "cannot be projected to", "k/k_0")
