"""Messy real-world inputs (tests/messy_corpus.py): each case behaves as its table row says,
never prints a traceback, and leaves every input byte as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from cli_tools import GEOCHECK, assert_one_line_error, invoke
from conftest import tree_digest
from messy_corpus import CASES
from report_tools import require
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed


def run_check(path: Path, *args: str):
    return invoke("check", path, "-p", LENIENT, "-f", "json", *args)


def dig(report: dict, dotted: str):
    for key in dotted.split("."):
        report = report[key]
    return report


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_messy_input(case, tmp_path):
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    path = case.build(case_dir)
    before = tree_digest(case_dir)
    result = run_check(path, *case.args)
    assert "Traceback" not in result.output
    assert result.exit_code == case.exit_code, result.output
    if case.exit_code == 2:
        assert_one_line_error(result, *case.fragments)
    else:
        report = json.loads(result.stdout)
        text = json.dumps(report, ensure_ascii=False)
        for fragment in case.fragments:
            assert fragment in text, f"{fragment!r} not in report notes/findings: {report['notes']}"
        for dotted, expected in case.json_checks.items():
            assert dig(report, dotted) == expected
        assert case.areas, "a case geocheck copes with says which areas it must measure"
        for key, area in case.areas.items():
            assert report["measurements"][key] == pytest.approx(area, rel=1e-3), key
    assert tree_digest(case_dir) == before, "an input file was changed, created or removed"


def test_corpus_is_big_enough():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


def test_encoding_shown_in_text_report(tmp_path):
    from messy_corpus import gbk_shp

    result = invoke("check", gbk_shp(tmp_path), "-p", LENIENT)
    assert result.exit_code == 0, result.output
    assert "GB18030" in result.output and "测试小镇" not in result.output  # a note, not the data


def test_gbk_attributes_are_decoded(tmp_path):
    from geocheck.inputs.sources import list_layers, read_layer
    from messy_corpus import gbk_shp

    refs = {r.name: r for r in list_layers(gbk_shp(tmp_path))}
    gdf = read_layer(refs["规划范围"])
    assert list(gdf["名称"]) == ["测试小镇"]


def test_gdal_never_restores_a_missing_shx(tmp_path):
    """Even with SHAPE_RESTORE_SHX=YES in the environment, no .shx appears next to the input."""
    from messy_corpus import drop, shp_town

    folder = drop(shp_town(tmp_path), "规划范围.shx")
    before = tree_digest(folder)
    env = dict(os.environ, SHAPE_RESTORE_SHX="YES")
    proc = subprocess.run([*GEOCHECK, "check", str(folder)], env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert tree_digest(folder) == before


# Root reads every file whatever its mode. To meet the kernel's own "permission denied" a root
# run drops the two capabilities that override file modes (the interpreter, owned by root, stays
# reachable), or else becomes `nobody` where that user can reach the interpreter.
WITHOUT_DAC_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


@pytest.fixture(scope="module")
def unprivileged_run(tmp_path_factory):
    """(argv prefix, folder): run geocheck so that a mode-000 file in the folder is unreadable
    to it, as checked on a probe file. Fails under CI, skips elsewhere, when there is no way."""
    if os.geteuid() != 0:  # the owner's own mode bits already deny it
        yield [], tmp_path_factory.mktemp("perm")
        return
    folder = Path(tempfile.mkdtemp(prefix="geocheck-perm-", dir="/tmp"))  # reachable by `nobody` too
    folder.chmod(0o755)
    probe = folder / "probe.txt"
    probe.write_text("x")
    probe.chmod(0o000)
    script = f"import os, geocheck; assert not os.access({str(probe)!r}, os.R_OK)"
    try:
        problems = [] if shutil.which("setpriv") else ["no setpriv (Debian package util-linux)"]
        for prefix in (WITHOUT_DAC_OVERRIDE, AS_NOBODY) if not problems else ():
            result = subprocess.run([*prefix, GEOCHECK[0], "-c", script], capture_output=True, text=True)
            if result.returncode == 0:
                break
            problems.append(f"{' '.join(prefix)}: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
        else:
            require("a way to run without root's file access", "; ".join(problems))
        yield prefix, folder
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("kind", ["gpkg", "shapefile_folder"])
def test_unreadable_input_is_refused_with_permission_denied(unprivileged_run, kind):
    """A real permission error from the kernel: one line, exit 2, no traceback."""
    from towns import compliant_layers, english, write_gpkg, write_shapefiles

    prefix, folder = unprivileged_run
    if kind == "gpkg":
        path = write_gpkg(folder / "town.gpkg", compliant_layers())
    else:
        path = write_shapefiles(folder / "town_shp", english(compliant_layers()))
    path.chmod(0o000)
    try:
        proc = subprocess.run([*prefix, *GEOCHECK, "check", str(path), "-p", LENIENT], capture_output=True,
                              text=True)
    finally:
        path.chmod(0o755 if path.is_dir() else 0o644)  # so that it can be removed
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"geocheck: error: {path}: is not readable (permission denied)"]
