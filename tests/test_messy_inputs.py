"""Messy real-world inputs (tests/messy_corpus.py): each case behaves as its table row says,
never prints a traceback, and leaves every input byte as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import tree_digest
from geocheck.cli import cli
from messy_corpus import CASES

MAIN = "from geocheck.cli import main; main()"


def run_check(path: Path, *args: str):
    return CliRunner().invoke(cli, ["check", str(path), "-p", "zhejiang-2015", "-f", "json", *args])


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
        lines = [l for l in result.output.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("geocheck: error:"), result.output
        for fragment in case.fragments:
            assert fragment in lines[0]
    else:
        report = json.loads(result.stdout)
        text = json.dumps(report, ensure_ascii=False)
        for fragment in case.fragments:
            assert fragment in text, f"{fragment!r} not in report notes/findings: {report['notes']}"
        for dotted, expected in case.json_checks.items():
            assert dig(report, dotted) == expected
    assert tree_digest(case_dir) == before, "an input file was changed, created or removed"


def test_corpus_is_big_enough():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


def test_encoding_shown_in_text_report(tmp_path):
    from messy_corpus import gbk_shp

    result = CliRunner().invoke(cli, ["check", str(gbk_shp(tmp_path)), "-p", "zhejiang-2015"])
    assert result.exit_code == 0, result.output
    assert "GB18030" in result.output and "测试小镇" not in result.output  # a note, not the data


def test_gbk_attributes_are_decoded(tmp_path):
    from geocheck.sources import list_layers, read_layer
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
    proc = subprocess.run([sys.executable, "-c", MAIN, "check", str(folder)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert tree_digest(folder) == before


def _nobody_can_run_python() -> bool:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                            "-c", "import geocheck"], capture_output=True)
    return probe.returncode == 0


def test_unreadable_file_is_refused_as_another_user(tmp_path):
    """Root reads everything, so drop to `nobody` to meet a real permission error."""
    if not _nobody_can_run_python():
        pytest.skip("this interpreter or package is not reachable for user nobody")
    from towns import compliant_layers, write_gpkg

    shared = Path("/tmp") / f"geocheck-perm-{os.getpid()}"
    shared.mkdir(mode=0o755, exist_ok=True)
    try:
        path = write_gpkg(shared / "town.gpkg", compliant_layers())
        path.chmod(0o000)
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                               "-c", MAIN, "check", str(path)], capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        assert "permission denied" in proc.stderr and "Traceback" not in proc.stderr
    finally:
        shutil.rmtree(shared)


def test_unreadable_file_code_path(tmp_path, monkeypatch):
    """The same refusal when the OS says the file is unreadable (works as root too)."""
    from towns import compliant_layers, write_gpkg

    path = write_gpkg(tmp_path / "town.gpkg", compliant_layers())
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == path else real_access(p, mode))
    result = run_check(path)
    assert result.exit_code == 2 and "town.gpkg: is not readable (permission denied)" in result.output
