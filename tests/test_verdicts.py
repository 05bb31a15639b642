"""The verdict contract (docs/verdicts.md), rule by rule, on real GeoPackages whose right
answers are known by arithmetic."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pyproj import Geod, Transformer

import geocheck
import towns
from cli_tools import GEOCHECK, assert_one_line_error, invoke
from lenient_profiles import references_optional
from towns import X0, Y0, frame, rect, write_gpkg

GENERIC = references_optional("generic")
ZHEJIANG = references_optional("zhejiang-2015")
NATIONAL = references_optional("national-2021")
GANSU = references_optional("gansu")


def town(tmp_path, name="town.gpkg", **replace):
    """The compliant test town with some role layers replaced by single rectangles."""
    layers = towns.compliant_layers()
    for layer, geom in replace.items():
        layers[layer] = frame([geom], "EPSG:4549")
    return write_gpkg(tmp_path / name, layers)


# ------------------------------------------------------------------ tolerance at bounds

def test_planned_area_005_m2_under_the_minimum_passes_with_a_note(tmp_path):
    # 2 000 m × 1 499.999975 m = 2 999 999.95 m²: 0.05 m² under 3 km², inside the 1 m² tolerance.
    report = geocheck.check(town(tmp_path, 规划范围=rect(0, 0, 2000, 1499.999975)), profile=GENERIC)
    c = report.check("GC201")
    assert c.measured["m2"] == pytest.approx(2_999_999.95, abs=1e-6)
    assert c.status.value == "pass"
    assert "within the measurement tolerance 1 m²" in c.message_en and "量算容差" in c.message_zh
    assert "2 999 999.95 m²" in c.message_en  # near a bound the message prints m² exactly
    assert c.threshold["tolerance_m2"] == 1.0 and "measurement tolerance 1 m²" in c.threshold["text_en"]
    assert report.verdict.value == "compliant"


def test_planned_area_2000_m2_under_the_minimum_fails(tmp_path):
    report = geocheck.check(town(tmp_path, 规划范围=rect(0, 0, 2000, 1499)), profile=GENERIC)
    c = report.check("GC201")
    assert c.status.value == "fail" and "below the minimum by 2 000.00 m²" in c.message_en
    assert report.verdict.value == "non_compliant" and report.exit_code == 1


# ------------------------------------------------------------------ graded about bands

@pytest.mark.parametrize("profile", [GENERIC, ZHEJIANG], ids=["generic", "zhejiang-2015"])
def test_construction_half_again_its_target_fails(tmp_path, profile):
    report = geocheck.check(town(tmp_path, 建设用地=rect(200, 200, 1000, 1500)), profile=profile)
    c = report.check("GC212")
    assert c.measured["deviation_pct"] == pytest.approx(50.0)
    assert c.status.value == "fail" and report.verdict.value == "non_compliant"


@pytest.mark.parametrize("profile", [GENERIC, ZHEJIANG], ids=["generic", "zhejiang-2015"])
def test_construction_5_pct_over_its_target_passes(tmp_path, profile):
    report = geocheck.check(town(tmp_path, 建设用地=rect(200, 200, 1000, 1050)), profile=profile)
    assert report.check("GC212").status.value == "pass"
    assert report.verdict.value == "compliant"


def test_construction_in_the_warn_band_warns(tmp_path):
    # zhejiang-2015: ±15 % passes, ±30 % warns; 1.2 km² is +20 %.
    report = geocheck.check(town(tmp_path, 建设用地=rect(200, 200, 1000, 1200)), profile=ZHEJIANG)
    c = report.check("GC212")
    assert c.status.value == "warn" and c.severity.value == "warning"
    assert "warn band ±30%" in c.message_en and report.verdict.value == "compliant"


@pytest.mark.parametrize("core_height,status", [(1500, "fail"), (1050, "pass")])
def test_gansu_core_area_about_1_km2(tmp_path, core_height, status):
    # Gansu's 1 km² figure is the core area (it sets none for construction land).
    path = town(tmp_path, 核心区=rect(200, 200, 1000, core_height), 城市设计范围=rect(150, 150, 1100, 1600))
    report = geocheck.check(path, profile=GANSU)
    assert report.check("GC222").status.value == status


# ------------------------------------------------------------------ caps and town-type exemptions

@pytest.mark.parametrize("profile", [GENERIC, NATIONAL], ids=["generic", "national-2021"])
def test_planned_area_over_the_5_km2_cap_fails(tmp_path, profile):
    report = geocheck.check(town(tmp_path, 规划范围=rect(0, 0, 2800, 2000)), profile=profile)
    c = report.check("GC201")
    assert c.measured["km2"] == pytest.approx(5.6)
    assert c.status.value == "fail" and "above the maximum by 600 000.00 m²" in c.message_en


@pytest.mark.parametrize("profile,source", [(GENERIC, "国办发〔2020〕33号"), (NATIONAL, "发改规划〔2021〕1383号")],
                         ids=["generic", "national-2021"])
def test_cultural_tourism_town_may_exceed_the_cap_where_the_source_says_so(tmp_path, profile, source):
    report = geocheck.check(town(tmp_path, 规划范围=rect(0, 0, 2800, 2000)), profile=profile,
                            town_type="cultural-tourism")
    c = report.check("GC201")
    assert c.status.value == "pass"
    assert "cap is waived" in c.message_en and source in c.message_en and "文化旅游" in c.message_zh
    assert c.threshold["exemption"]["town_type"] == "cultural-tourism"
    assert any("GC201" in n["en"] and source in n["en"] for n in report.notes)
    assert report.inputs["town_type"] == "cultural-tourism"


def test_town_type_without_an_exemption_changes_nothing(tmp_path):
    report = geocheck.check(town(tmp_path, 规划范围=rect(0, 0, 2800, 2000)), profile=GENERIC,
                            town_type="industrial")
    assert report.check("GC201").status.value == "fail"


def test_unknown_town_type_is_a_clean_error(compliant_gpkg):
    assert_one_line_error(invoke("check", compliant_gpkg, "--town-type", "circus"), "unknown town type 'circus'",
                          "cultural-tourism")


def test_town_type_from_cli_and_manifest(tmp_path):
    path = town(tmp_path, 规划范围=rect(0, 0, 2800, 2000))
    result = invoke("check", path, "-p", GENERIC, "--town-type", "sports", "-f", "json")
    statuses = {c["code"]: c["status"] for c in json.loads(result.output)["checks"]}
    assert result.exit_code == 0 and statuses["GC201"] == "pass"
    manifest = tmp_path / "round.csv"
    manifest.write_text(f"path,name,town_type\n{path},体育小镇,sports\n{path},制造小镇,industrial\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("batch", manifest, "-o", out, "-p", GENERIC, "-j", "1", "--no-findings", "-f", "markdown")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    verdicts = {s["name"]: s["verdict"] for s in summary["submissions"]}
    assert verdicts == {"体育小镇": "compliant", "制造小镇": "non_compliant"}
    assert result.exit_code == 1


# ------------------------------------------------------------------ incomplete, everywhere

def test_no_reference_layer_is_incomplete_in_every_output(compliant_gpkg, tmp_path):
    text = invoke("check", compliant_gpkg, "-p", "zhejiang-2015")
    assert text.exit_code == 3 and "未完成 — incomplete" in text.output and "not_run" in text.output
    data = json.loads(invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-f", "json").output)
    assert data["verdict"] == "incomplete" and data["summary"]["not_run"] == 8 and data["summary"]["fail"] == 0
    md = invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-f", "markdown", "--lang", "en").output
    assert "Incomplete" in md and "Not run" in md
    html = invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-f", "html").output
    assert 'class="verdict incomplete"' in html and "未完成" in html
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    shutil.copy(compliant_gpkg, round_dir / "a.gpkg")
    out = tmp_path / "out"
    result = invoke("batch", round_dir, "-o", out, "-p", "zhejiang-2015", "-j", "1", "--no-findings")
    assert result.exit_code == 3 and "1 incomplete" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["incomplete"] == 1 and summary["counts"]["compliant"] == 0
    csv_text = (out / "summary.csv").read_text(encoding="utf-8-sig")
    assert "not_run_codes" in csv_text.splitlines()[0] and "GC401" in csv_text
    assert "未完成 incomplete 1" in (out / "index.html").read_text(encoding="utf-8")


def test_a_failure_outweighs_a_check_that_did_not_run(gc302_split_construction_gpkg):
    report = geocheck.check(gc302_split_construction_gpkg, profile="zhejiang-2015")
    assert report.summary["not_run"] > 0 and report.summary["fail"] > 0
    assert report.verdict.value == "non_compliant" and report.exit_code == 1


# ------------------------------------------------------------------ a target CRS that distorts

def independent_distortion_pct(crs: str) -> float:
    """Area of the compliant town's 1 700 × 1 800 m plan in `crs` against its geodesic area."""
    corners = [(X0, Y0), (X0 + 1700, Y0), (X0 + 1700, Y0 + 1800), (X0, Y0 + 1800)]
    to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
    to_t = Transformer.from_crs(4549, crs, always_xy=True)
    ring = [(X0 + t * 1700, Y0) for t in (i / 400 for i in range(400))] + \
           [(X0 + 1700, Y0 + t * 1800) for t in (i / 400 for i in range(400))] + \
           [(X0 + 1700 - t * 1700, Y0 + 1800) for t in (i / 400 for i in range(400))] + \
           [(X0, Y0 + 1800 - t * 1800) for t in (i / 400 for i in range(400))]
    lon, lat = to_ll.transform(*zip(*ring))
    geodesic = abs(Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])
    x, y = to_t.transform(*zip(*ring))
    planar = abs(sum(x[i] * y[i - 1] - x[i - 1] * y[i] for i in range(len(x))) / 2)  # shoelace
    assert corners  # the ring walks these corners
    return 100 * (planar / geodesic - 1)


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:4545"])  # web mercator; the GK zone of CM 108E
def test_a_distorting_crs_is_refused_with_the_recommended_zone(compliant_gpkg, crs):
    expected = independent_distortion_pct(crs)
    assert abs(expected) > 1  # web mercator +34 % at 30°N; a GK zone 12° away +3.3 %
    result = invoke("check", compliant_gpkg, "-p", ZHEJIANG, "--crs", crs)
    assert_one_line_error(result, f"distorts areas by {expected:+.2f}%", "EPSG:4549", "--allow-crs-distortion")
    allowed = invoke("check", compliant_gpkg, "-p", ZHEJIANG, "--crs", crs, "--allow-crs-distortion",
                     "-f", "json")
    report = json.loads(allowed.output)
    assert any(f"{expected:+.2f}%" in n["en"] for n in report["notes"])


def test_the_right_gk_zone_given_explicitly_is_accepted(compliant_gpkg):
    assert invoke("check", compliant_gpkg, "-p", ZHEJIANG, "--crs", "EPSG:4549").exit_code == 0


# ------------------------------------------------------------------ provenance and configuration

def test_report_names_files_profile_and_config_with_hashes(compliant_gpkg, tmp_path, monkeypatch):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "geocheck.toml").write_text(f'profile = "{ZHEJIANG}"\n', encoding="utf-8")
    monkeypatch.chdir(cfg)
    report = json.loads(invoke("check", compliant_gpkg, "-f", "json").output)
    [entry] = report["inputs"]["files"]
    assert entry["sha256"] == hashlib.sha256(compliant_gpkg.read_bytes()).hexdigest()
    assert report["profile"]["sha256"] == hashlib.sha256(open(ZHEJIANG, "rb").read()).hexdigest()
    assert report["inputs"]["config"]["path"] == str((cfg / "geocheck.toml").resolve())
    assert report["inputs"]["config"]["found_by"] == "working directory"


def test_a_configuration_inside_the_submission_is_ignored_and_said_so(tmp_path, monkeypatch):
    # The non-compliant sample brings a lax profile of its own; run from inside its folder.
    sub = tmp_path / "submission"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_data" / "noncompliant_town", sub)
    lax = references_optional("national-2021")
    (sub / "geocheck.toml").write_text(f'profile = "{lax}"\n', encoding="utf-8")
    monkeypatch.chdir(sub)
    result = subprocess_check(["check", ".", "-f", "json"])
    report = json.loads(result.stdout)
    assert report["profile"]["name"] == "generic"  # the default, not the submission's own
    assert report["inputs"]["config"]["found_by"] == "none"
    assert any("inside the submission was ignored" in n["en"] for n in report["notes"])
    assert result.returncode == 1


def subprocess_check(args):
    return subprocess.run([*GEOCHECK, *args], capture_output=True, text=True)
