"""Every check option is declared once (geocheck.options.OPTIONS): `check` and `batch` both take
it and it reaches the check, and a batch manifest column sets it per submission where the table
says so. Each case is a real submission on which the option changes what the report says."""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyogrio
import pytest

import geocheck
from cad_corpus import X0 as CAD_X0, Y0 as CAD_Y0, ZONE_PREFIX, open_boundary, town as cad_town, write_dxf
from cli_tools import assert_one_line_error, invoke
from geocheck.options import BY_NAME, OPTIONS, CheckOptions
from messy_corpus import drop, gbk_shp, shp_town
from towns import compliant_layers, frame, write_gpkg

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
RED_LINE = SAMPLE / "reference" / "ecological_red_line.gpkg"


# ---------------------------------------------------------------- submissions

def odd_names_town(d: Path) -> Path:
    """The compliant town with its roles under names no alias matches (图层1 … 图层5), besides the
    planned area as 规划范围 (found by name); the parcels' land-use code in a field named LUCODE."""
    layers = compliant_layers()
    construction = layers["建设用地"]
    out = {"规划范围": layers["规划范围"], "图层1": layers["规划范围"], "图层2": construction,
           "图层3": layers["核心区"], "图层4": layers["城市设计范围"],
           "图层5": frame(list(construction.geometry), "EPSG:4549", LUCODE=["0901", "070102"])}
    return write_gpkg(d / "odd_names.gpkg", out)


def gbk_shapefiles_without_cpg(d: Path) -> Path:
    return gbk_shp(d)  # attribute text in GBK, no .cpg: detected as GB18030 unless told


def gk_shapefiles_without_prj(d: Path) -> Path:
    return drop(shp_town(d), ".prj")  # plain GK eastings, no zone number: the CRS must be given


def dxf_with_half_metre_gap(d: Path) -> Path:
    """The CAD town whose boundary polyline stops 0.5 m short of closing (zone-prefixed eastings)."""
    (d / "cad").mkdir()
    return write_dxf(cad_town(open_boundary(0.5)), d / "cad" / "town.dxf", offset=(CAD_X0 + ZONE_PREFIX, CAD_Y0))


def red_line_without_prj(d: Path) -> Path:
    """The sample red line as a Shapefile in EPSG:4549 without its .prj: outside the round."""
    folder = d / "refs"
    folder.mkdir()
    pyogrio.write_dataframe(pyogrio.read_dataframe(RED_LINE).to_crs("EPSG:4549"), folder / "red.shp")
    (folder / "red.prj").unlink()
    return folder / "red.shp"


# ---------------------------------------------------------------- one case per option

def roles_of(report):
    return report["inputs"]["roles"]


def snap_tolerance_noted(report):
    return re.findall(r"snap tolerance ([\d.]+) m", json.dumps(report["notes"], ensure_ascii=False))


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], Path]  # the submission, inside the folder given
    given: tuple  # (option name, value) pairs; values may name the folder as {d}
    seen: Callable[[dict], object]  # what the JSON report shows of the option
    expected: object  # ... with it given, never without
    setup: Callable[[Path], object] | None = None  # a file outside the round, as {ref}


CASES = {
    "profile": Case(odd_names_town, (("profile", "gansu"),), lambda r: r["profile"]["name"], "gansu"),
    "boundary": Case(odd_names_town, (("boundary", "图层1"),), lambda r: roles_of(r)["boundary"]["layer"], "图层1"),
    "construction": Case(odd_names_town, (("construction", "图层2"),),
                         lambda r: (roles_of(r)["construction"] or {}).get("layer"), "图层2"),
    "core": Case(odd_names_town, (("core", "图层3"),), lambda r: (roles_of(r)["core"] or {}).get("layer"), "图层3"),
    "urban_design": Case(odd_names_town, (("urban_design", "图层4"),),
                         lambda r: (roles_of(r)["urban_design"] or {}).get("layer"), "图层4"),
    "parcels": Case(odd_names_town, (("parcels", "图层5"),),
                    lambda r: (roles_of(r)["parcels"] or {}).get("layer"), "图层5"),
    "field": Case(odd_names_town, (("parcels", "图层5"), ("field", "code=LUCODE")),
                  lambda r: ((r["measurements"]["parcels"] or {}).get("fields") or {}).get("code"),
                  {"field": "LUCODE", "by": "config"}),
    "town_type": Case(odd_names_town, (("town_type", "sports"),), lambda r: r["inputs"]["town_type"], "sports"),
    "crs": Case(odd_names_town, (("crs", "EPSG:4527"),), lambda r: r["target_crs"]["epsg"], 4527),
    "allow_crs_distortion": Case(odd_names_town, (("crs", "EPSG:3857"), ("allow_crs_distortion", True)),
                                 lambda r: any("used because the user allowed it" in n["en"] for n in r["notes"]),
                                 True),
    "assume_crs": Case(gk_shapefiles_without_prj, (("assume_crs", "EPSG:4549"),),
                       lambda r: roles_of(r).get("boundary", {}).get("source_crs", "")[:9], "EPSG:4549"),
    "encoding": Case(gbk_shapefiles_without_cpg, (("encoding", "GBK"),),
                     lambda r: roles_of(r)["boundary"]["encoding"], "GBK"),
    "snap_tolerance": Case(dxf_with_half_metre_gap, (("snap_tolerance", "0.75"),), snap_tolerance_noted, ["0.75"]),
    "reference": Case(odd_names_town, (("reference", "ecological_red_line={ref}"),),
                      lambda r: [s["kind"] for s in r["inputs"]["references"]], ["ecological_red_line"],
                      setup=lambda d: RED_LINE),
    "reference_crs": Case(odd_names_town, (("reference", "ecological_red_line={ref}"),
                                           ("reference_crs", "ecological_red_line=EPSG:4549")),
                          lambda r: [s["crs"][:9] for s in r["inputs"]["references"]], ["EPSG:4549"],
                          setup=red_line_without_prj),
}


def test_every_option_in_the_table_has_a_case():
    assert set(CASES) == {o.name for o in OPTIONS}
    for name, case in CASES.items():
        assert name in dict(case.given), name


def prepared(case: Case, tmp_path: Path) -> tuple[Path, list[tuple[str, object]]]:
    """(the round folder holding the one submission, the options with {ref} filled in)."""
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    case.build(round_dir)
    ref = case.setup(tmp_path) if case.setup else None
    given = [(name, value.format(ref=ref) if isinstance(value, str) else value) for name, value in case.given]
    return round_dir, given


def flags(given) -> list[str]:
    out = []
    for name, value in given:
        flag = BY_NAME[name].flags[-1]
        out += [flag] if value is True else [flag, str(value)]
    return out


def only_submission(round_dir: Path) -> Path:
    [path] = [p for p in round_dir.iterdir()]
    return path


def batch_report(source: Path, out: Path, *args) -> dict:
    result = invoke("batch", source, "-o", out, "-j", "1", "--no-findings", "-f", "json", *args)
    assert result.exit_code in (0, 1, 3), result.output
    [report] = out.glob("*/report.json")
    return json.loads(report.read_text(encoding="utf-8"))


def check_report(path: Path, *args) -> dict:
    result = invoke("check", path, "-f", "json", *args)
    assert result.exit_code in (0, 1, 3), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", CASES)
def test_option_reaches_the_check_in_check_and_batch(name, tmp_path):
    case = CASES[name]
    round_dir, given = prepared(case, tmp_path)
    submission = only_submission(round_dir)
    assert case.seen(check_report(submission, *flags(given))) == case.expected
    assert case.seen(batch_report(round_dir, tmp_path / "out", *flags(given))) == case.expected
    # Without the option the report says otherwise (or the submission cannot be checked at all).
    background = [(n, v) for n, v in given if n != name]
    without = invoke("check", submission, "-f", "json", *flags(background))
    assert without.exit_code == 2 or case.seen(json.loads(without.stdout)) != case.expected


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if all(BY_NAME[g].manifest for g, _ in case.given)])
def test_manifest_column_sets_the_option_per_submission(name, tmp_path):
    case = CASES[name]
    round_dir, given = prepared(case, tmp_path)
    manifest = tmp_path / "round.csv"
    columns = [n for n, _ in given]
    manifest.write_text(f"path,{','.join(columns)}\n{only_submission(round_dir)},{','.join(str(v) for _, v in given)}\n",
                        encoding="utf-8")
    assert case.seen(batch_report(manifest, tmp_path / "out")) == case.expected


def test_manifest_cell_overrides_the_command_line_and_a_bad_cell_is_its_rows_error(tmp_path):
    path = odd_names_town(tmp_path)
    manifest = tmp_path / "round.csv"
    manifest.write_text(f"path,name,boundary,snap_tolerance,field\n{path},a,图层1,,\n{path},b,,,\n"
                        f"{path},c,,one metre,\n{path},d,,,code\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("batch", manifest, "-o", out, "-j", "1", "--no-findings", "--boundary", "规划范围")
    assert result.exit_code == 2, result.output
    reports = {n: json.loads((out / n / "report.json").read_text(encoding="utf-8")) for n in "abcd"}
    assert roles_of(reports["a"])["boundary"]["layer"] == "图层1"  # the row's column over the command line
    assert roles_of(reports["b"])["boundary"]["layer"] == "规划范围"  # an empty cell leaves the option alone
    assert reports["c"]["error"] == "manifest line 4, column snap_tolerance: 'one metre' is not a number"
    assert reports["d"]["error"].startswith("manifest line 5, column field: 'code' is not PURPOSE=FIELD")


@pytest.mark.parametrize("args, fragment", [
    (("--field", "landuse=YDXZ"), "--field: 'landuse=YDXZ' is not PURPOSE=FIELD"),
    (("--field", "declared_area_unit=acre"), "declared_area_unit must be one of m2, ha, mu"),
    (("--snap-tolerance", "-1"), "--snap-tolerance: must be ≥ 0"),
])
def test_bad_option_values_are_one_line_errors_in_both_commands(args, fragment, tmp_path):
    path = odd_names_town(tmp_path)
    assert_one_line_error(invoke("check", path, *args), fragment)
    assert_one_line_error(invoke("batch", tmp_path, "-o", tmp_path / "out", *args), fragment)


@pytest.mark.parametrize("args, fragment", [
    (("--encoding", "klingon"), "'klingon' is not an encoding"),
    (("--town-type", "castle"), "unknown town type 'castle'"),
    (("--crs", "EPSG:999999"), "--crs: 'EPSG:999999'"),
])
def test_batch_refuses_a_value_every_submission_would_fail_on_before_the_round(args, fragment, tmp_path):
    odd_names_town(tmp_path)
    assert_one_line_error(invoke("batch", tmp_path, "-o", tmp_path / "out", *args), fragment)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the library

def test_check_takes_options_keywords_or_both(tmp_path):
    path = odd_names_town(tmp_path)
    options = CheckOptions(profile="gansu", roles={"boundary": "图层1"})
    by_object = geocheck.check(path, options)
    by_keywords = geocheck.check(path, profile="gansu", roles={"boundary": "图层1"})
    assert by_object.to_dict() == by_keywords.to_dict()
    assert by_object.inputs["roles"]["boundary"]["layer"] == "图层1"
    both = geocheck.check(path, options, crs="EPSG:4527")  # a keyword replaces the object's value
    assert (both.profile["name"], both.target_crs["epsg"], both.inputs["roles"]["boundary"]["layer"]) == \
        ("gansu", 4527, "图层1")
    with pytest.raises(TypeError, match="colour"):
        geocheck.check(path, colour="red")


def test_check_options_are_frozen_picklable_and_order_blind(tmp_path):
    a = CheckOptions(roles={"core": "图层3", "boundary": "图层1"}, fields={"code": "LUCODE"}, snap_tolerance=0.5)
    b = CheckOptions(roles={"boundary": "图层1", "core": "图层3"}, fields=(("code", "LUCODE"),), snap_tolerance=0.5)
    assert a == b and hash(a) == hash(b)
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(AttributeError):
        a.profile = "gansu"
    # A manifest row replaces only the role it names.
    row = a.overridden([("core", "核心区"), ("snap_tolerance", 2.0)])
    assert dict(row.roles) == {"boundary": "图层1", "core": "核心区"} and row.snap_tolerance == 2.0


def test_manifest_option_is_part_of_the_submissions_fingerprint(tmp_path):
    """A manifest option is part of the submission's fingerprint: changing it re-checks that row."""
    path = odd_names_town(tmp_path)
    manifest, out = tmp_path / "round.csv", tmp_path / "out"
    manifest.write_text(f"path,name,boundary\n{path},a,图层1\n", encoding="utf-8")
    assert "[unchanged]" not in invoke("batch", manifest, "-o", out, "-j", "1", "--no-findings").output
    assert "[unchanged]" in invoke("batch", manifest, "-o", out, "-j", "1", "--no-findings").output
    manifest.write_text(f"path,name,boundary\n{path},a,规划范围\n", encoding="utf-8")
    again = invoke("batch", manifest, "-o", out, "-j", "1", "--no-findings")
    assert "[unchanged]" not in again.output
    assert roles_of(json.loads((out / "a" / "report.json").read_text(encoding="utf-8")))["boundary"]["layer"] == "规划范围"


def test_encoding_from_the_config_file_in_check_and_batch_and_a_bad_one_is_the_configs_error(tmp_path):
    """An institute whose deliverables are all GBK says so once, in geocheck.toml."""
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    town = gbk_shapefiles_without_cpg(round_dir)
    config = tmp_path / "geocheck.toml"
    config.write_text('encoding = "GBK"\n', encoding="utf-8")
    checked = invoke("check", town, "-f", "json", "--config", config)
    assert roles_of(json.loads(checked.stdout))["boundary"]["encoding"] == "GBK"
    assert roles_of(batch_report(round_dir, tmp_path / "out", "--config", config))["boundary"]["encoding"] == "GBK"
    # without it the same town is detected (as GB18030): the key did the work
    assert roles_of(json.loads(invoke("check", town, "-f", "json").stdout))["boundary"]["encoding"] != "GBK"
    config.write_text('encoding = "klingon"\n', encoding="utf-8")
    assert_one_line_error(invoke("check", town, "--config", config),
                          f"{config}: encoding: 'klingon' is not an encoding Python knows")
