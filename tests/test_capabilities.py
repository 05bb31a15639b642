"""`geocheck capabilities`: one version everywhere, and lists that say what geocheck really does
(checked by running it, not by reading the registries it is built from)."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
from pathlib import Path

import pytest

import geocheck
from cli_tools import GEOCHECK, invoke
from geocheck.capabilities import SHAPE

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"


@pytest.fixture(scope="module")
def caps() -> dict:
    done = subprocess.run([*GEOCHECK, "capabilities", "--format", "json"], capture_output=True, text=True, check=True)
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_one_version_for_the_command_the_package_metadata_and_capabilities(caps):
    printed = subprocess.run([*GEOCHECK, "--version"], capture_output=True, text=True, check=True).stdout
    assert printed == f"geocheck, version {geocheck.__version__}\n"
    assert importlib.metadata.version("geocheck") == geocheck.__version__ == caps["version"]
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject.split("[project]")[1].split("\n[")[0]


def test_every_key_is_described(caps):
    assert list(caps) == list(SHAPE) and caps["type"] == "geocheck_capabilities"


def test_profiles_are_the_rules_folder(caps):
    assert [p["name"] for p in caps["profiles"]] == sorted(p.stem for p in (REPO / "rules").glob("*.toml"))
    assert caps["default_profile"] in [p["name"] for p in caps["profiles"]]
    assert all(p["title_zh"] and p["title_en"] for p in caps["profiles"])


def test_verdict_exit_codes_are_the_commands(caps, tmp_path):
    exit_code = {v["name"]: v["exit_code"] for v in caps["verdicts"]}
    config = SAMPLE / "geocheck.toml"
    for town, verdict in ((SAMPLE / "compliant_town.gpkg", "compliant"), (SAMPLE / "noncompliant_town", "non_compliant")):
        assert invoke("check", town, "--config", config).exit_code == exit_code[verdict]
    assert invoke("check", SAMPLE / "compliant_town.gpkg").exit_code == exit_code["incomplete"]  # no references
    assert invoke("check", tmp_path / "nowhere.gpkg").exit_code == exit_code["error"]


def test_report_formats_write_what_they_say(caps, tmp_path):
    town = SAMPLE / "compliant_town.gpkg"
    out = tmp_path / "batch"
    names = [f["name"] for f in caps["report_formats"]]
    result = invoke("batch", SAMPLE, "-o", out, "-j", "1", "--no-findings", "--exclude", SAMPLE / "reference",
                    "--config", SAMPLE / "geocheck.toml", *[a for n in names for a in ("-f", n)])
    assert result.exit_code == 1, result.output
    for f in caps["report_formats"]:
        written = tmp_path / f"report{f['suffixes'][0]}"
        assert invoke("check", town, "-f", f["name"], "-o", written).exit_code == 3
        data = written.read_bytes()
        assert data.startswith(b"PK") == f["binary"] == (f["name"] == "docx")  # a .docx is a zip
        assert (out / "compliant_town" / f["batch_file"]).read_bytes()[:2] == data[:2]
        to_terminal = invoke("check", town, "-f", f["name"])
        assert (to_terminal.exit_code == 3) == f["stdout"], to_terminal.output


def test_roles_kinds_langs_and_town_types_are_accepted(caps, tmp_path):
    town = SAMPLE / "compliant_town.gpkg"
    layers = {"boundary": "规划范围", "construction": "建设用地", "core": "核心区", "urban_design": "城市设计范围",
              "parcels": "用地规划"}
    role_args = [a for r in caps["roles"] if r["name"] in layers for a in (r["option"], layers[r["name"]])]
    report = json.loads(invoke("check", town, "-f", "json", *role_args).stdout)
    assert {k: v["layer"] for k, v in report["inputs"]["roles"].items()} == layers
    assert [r["name"] for r in caps["roles"]] == list(report["inputs"]["roles"]) == list(layers)
    kinds = {k["name"]: k["geometry"] for k in caps["reference_kinds"]}
    refs = {"ecological_red_line": "ecological_red_line.gpkg", "heritage_points": "heritage_sites.gpkg:文物保护单位"}
    args = [a for kind, src in refs.items() for a in ("--reference", f"{kind}={SAMPLE / 'reference' / src}")]
    report = json.loads(invoke("check", town, "-f", "json", *args).stdout)
    assert {s["kind"] for s in report["inputs"]["references"]} == set(refs) <= set(kinds)
    assert kinds["heritage_points"] == "point" and kinds["ecological_red_line"] == "polygon"
    for lang in caps["langs"]:
        assert f'<html lang="{lang}' in invoke("check", town, "-f", "html", "--lang", lang).stdout  # zh-CN, en
    for t in caps["town_types"]:
        report = json.loads(invoke("check", town, "-f", "json", "--town-type", t["name"]).stdout)
        assert report["inputs"]["town_type"] == t["name"]


def test_text_form_lists_the_same(caps):
    text = invoke("capabilities").output
    assert text.startswith(f"geocheck {caps['version']}\n")
    for section in ("profiles", "reference_kinds", "town_types", "verdicts", "report_formats"):
        for entry in caps[section]:
            assert entry["name"] in text, (section, entry["name"])
