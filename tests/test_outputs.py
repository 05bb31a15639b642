"""Outputs are guarded: standard output by name, never over an input, a directory, a device or a
symlink; long names work or give one clean line; names from inputs cannot forge terminal lines;
a closed pipe is not an error; `python -m geocheck` runs the command."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_tools import GEOCHECK, assert_one_line_error, invoke
from lenient_profiles import references_optional

LENIENT = ("-p", references_optional())  # no reference layers needed: the compliant town is compliant

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def geocheck(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*GEOCHECK, *map(str, args)], capture_output=True, text=True, **kw)


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_dash_and_dev_stdout_write_the_report_to_standard_output(compliant_gpkg, target):
    was_link = os.path.islink("/dev/stdout")
    result = geocheck("check", compliant_gpkg, "-f", "json", "-o", target, *LENIENT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "compliant"  # nothing but the report on stdout
    assert os.path.islink("/dev/stdout") == was_link  # the system's /dev/stdout is left as it was


def test_output_that_is_the_input_is_refused_and_the_input_unchanged(compliant_gpkg):
    before = sha(compliant_gpkg)
    assert_one_line_error(invoke("check", compliant_gpkg, "-o", compliant_gpkg), "overwrite an input")
    assert_one_line_error(invoke("check", compliant_gpkg, "--findings", compliant_gpkg), "--findings",
                          "overwrite an input")
    assert sha(compliant_gpkg) == before


def test_output_inside_a_folder_input_or_beside_an_input_file_is_refused(compliant_shapefile_folder, tmp_path):
    dbf = compliant_shapefile_folder / "planning_boundary.dbf"
    before = sha(dbf)
    assert_one_line_error(invoke("check", compliant_shapefile_folder, "-o", dbf), "overwrite an input")
    assert_one_line_error(invoke("check", compliant_shapefile_folder / "planning_boundary.shp", "-o", dbf),
                          "beside input")
    assert sha(dbf) == before
    assert not (compliant_shapefile_folder / "report.txt").exists()


def test_output_over_a_reference_layer_is_refused(compliant_gpkg, tmp_path):
    ref = tmp_path / "red.gpkg"
    ref.write_bytes((SAMPLE / "reference" / "ecological_red_line.gpkg").read_bytes())
    before = sha(ref)
    assert_one_line_error(invoke("check", compliant_gpkg, "--reference", f"ecological_red_line={ref}",
                                 "--findings", ref), "overwrite an input")
    assert sha(ref) == before


def test_directory_and_device_outputs_are_refused(compliant_gpkg, tmp_path):
    assert_one_line_error(invoke("check", compliant_gpkg, "-o", tmp_path), "is a directory")
    assert_one_line_error(invoke("check", compliant_gpkg, "-o", "/dev/null"), "not a regular file")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert_one_line_error(invoke("check", compliant_gpkg, "-o", fifo), "not a regular file")  # and no hang
    assert_one_line_error(invoke("check", compliant_gpkg, "--findings", "-"), "standard output")
    assert_one_line_error(invoke("check", compliant_gpkg, "-o", tmp_path / "no" / "r.json"),
                          "output folder does not exist")


def test_a_symlink_output_is_written_through_and_stays_a_link(compliant_gpkg, tmp_path):
    target = tmp_path / "reports" / "town.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    result = invoke("check", compliant_gpkg, "-f", "json", "-o", link, *LENIENT)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text(encoding="utf-8"))["verdict"] == "compliant"
    dangling = tmp_path / "next.json"
    dangling.symlink_to(tmp_path / "reports" / "new.json")
    assert invoke("check", compliant_gpkg, "-f", "json", "-o", dangling, *LENIENT).exit_code == 0
    assert dangling.is_symlink() and (tmp_path / "reports" / "new.json").is_file()


def test_long_but_valid_output_names_work_and_too_long_ones_are_one_line(compliant_gpkg, tmp_path):
    name = "审查报告" * 20 + ".json"  # 245 bytes: valid, though the temporary name beside it would not be
    assert len(name.encode()) <= 255
    result = invoke("check", compliant_gpkg, "-f", "json", "-o", tmp_path / name, *LENIENT)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / name).read_text(encoding="utf-8"))["verdict"] == "compliant"
    gpkg = "审查" * 40 + ".gpkg"
    assert invoke("check", compliant_gpkg, "--findings", tmp_path / gpkg, "-o", tmp_path / "r.txt", *LENIENT).exit_code == 0
    assert (tmp_path / gpkg).stat().st_size > 0
    assert_one_line_error(invoke("check", compliant_gpkg, "-o", tmp_path / ("长" * 100 + ".json")), "too long")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_names_with_newlines_and_escapes_stay_on_one_inert_line(tmp_path):
    evil = tmp_path / "town\x1b[2J\ngeocheck: error: forged\u202e.gpkg"
    result = geocheck("check", evil)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:"), result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert "\\x1b[2J\\ngeocheck: error: forged\\u202e" in lines[0]


@pytest.mark.parametrize("command", [["profiles"], ["rules"], ["explain", "GC201"]])
def test_a_reader_that_closes_the_pipe_is_not_an_error(command):
    proc = subprocess.Popen([*GEOCHECK, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `geocheck profiles | head -0`: gone before the first line
    stderr = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 141 and stderr == ""  # 128 + SIGPIPE, no "internal error", not rich's exit 1


def test_python_dash_m_geocheck_runs_the_command(compliant_gpkg):
    result = subprocess.run([sys.executable, "-m", "geocheck", "check", str(compliant_gpkg), "-f", "json", *LENIENT],
                            capture_output=True, text=True)
    assert result.returncode == 0 and json.loads(result.stdout)["verdict"] == "compliant"


def test_full_disk_for_a_single_report_is_one_line(compliant_gpkg, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)], check=True)
    try:
        with open(disk / "filler", "wb") as fh:
            try:
                fh.write(b"\0" * 64 * 1024)
            except OSError:
                pass
        assert_one_line_error(invoke("check", compliant_gpkg, "-f", "json", "-o", disk / "r.json"),
                              "r.json", "no space left on device")
        assert not (disk / "r.json").exists() and [p.name for p in disk.iterdir()] == ["filler"]
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
