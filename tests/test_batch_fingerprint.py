"""Batch re-runs see every change: reference Shapefile sidecars, PostGIS table content, the
profile file, the config file; and an error (an unreachable table) is never kept as a result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cli_tools import GEOCHECK, run
from lenient_profiles import references_optional
from geocheck.batch import Job, discover, job_fingerprint, run_batch
from geocheck.options import CheckOptions, ReportOptions
from geocheck.references import parse_reference
from towns import compliant_layers, english, write_shapefiles

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
FAST = ("-j", "1", "--no-findings", "-f", "text", "-p", "zhejiang-2015")


def batch(*args):
    result = subprocess.run([*GEOCHECK, "batch", *map(str, args), *FAST], capture_output=True, text=True)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def noncompliant_round(tmp_path) -> Path:
    """The sample town whose construction land lies on the red line (GC401 fails)."""
    root = tmp_path / "round"
    shutil.copytree(SAMPLE / "noncompliant_town", root / "noncompliant_town")
    return root


def red_line_ids(out: Path) -> set:
    report = json.loads((out / "noncompliant_town" / "report.json").read_text(encoding="utf-8"))
    return {f["reference_id"] for c in report["checks"] if c["code"] == "GC401" for f in c["features"]}


def test_editing_a_reference_shapefiles_dbf_is_seen_even_with_its_mtime_kept(noncompliant_round, tmp_path):
    refs = tmp_path / "refs"
    refs.mkdir()
    run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", refs / "red.shp",
         SAMPLE / "reference" / "ecological_red_line.gpkg"])
    out = tmp_path / "out"
    ref = f"ecological_red_line={refs / 'red.shp'}"
    first = batch(noncompliant_round, "-o", out, "--reference", ref)
    assert first.returncode == 1 and "[unchanged]" not in first.stdout
    (old_id,) = red_line_ids(out)
    assert "[unchanged]" in batch(noncompliant_round, "-o", out, "--reference", ref).stdout
    # Edit the red line's id in the .dbf in place: same size, and the old times put back.
    dbf = refs / "red.dbf"
    st = dbf.stat()
    data = dbf.read_bytes()
    new_id = old_id[:-1] + ("9" if old_id[-1] != "9" else "8")
    assert data.count(old_id.encode()) == 1
    dbf.write_bytes(data.replace(old_id.encode(), new_id.encode()))
    os.utime(dbf, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert dbf.stat().st_size == st.st_size and dbf.stat().st_mtime_ns == st.st_mtime_ns
    third = batch(noncompliant_round, "-o", out, "--reference", ref)
    assert "[unchanged]" not in third.stdout and third.returncode == 1
    assert red_line_ids(out) == {new_id}  # the report names the red line as it now is


def test_profile_file_and_config_file_contents_are_part_of_the_fingerprint(tmp_path):
    root = tmp_path / "round"
    write_shapefiles(root / "town", english(compliant_layers()))
    profile = tmp_path / "my-profile.toml"
    shutil.copy(references_optional("zhejiang-2015"), profile)
    config = tmp_path / "geocheck.toml"
    config.write_text('profile = "my-profile.toml"\n', encoding="utf-8")
    out = tmp_path / "out"

    def again():
        result = subprocess.run([*GEOCHECK, "batch", str(root), "-o", str(out), "--config", str(config), "-j", "1",
                                 "--no-findings", "-f", "text"], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        return "[unchanged]" in result.stdout

    assert not again() and again()
    with profile.open("a", encoding="utf-8") as fh:
        fh.write("\n# reviewed 2026-11-30\n")
    assert not again() and again()
    with config.open("a", encoding="utf-8") as fh:
        fh.write("# round 2\n")
    assert not again() and again()


def test_every_sidecar_of_a_file_submission_is_fingerprinted(tmp_path):
    folder = write_shapefiles(tmp_path / "shp", english(compliant_layers()))
    job = Job(str(folder / "planning_boundary.shp"), "planning_boundary")
    before = job_fingerprint(job, "context")
    assert job_fingerprint(job, "context") == before
    for sidecar in (".dbf", ".prj", ".shx", ".cpg"):
        f = folder / f"planning_boundary{sidecar}"
        data = f.read_bytes()
        f.write_bytes(data + b" ")
        assert job_fingerprint(job, "context") != before, sidecar
        f.write_bytes(data)
    (folder / "planning_boundary.shp.xml").write_text("<metadata/>", encoding="utf-8")  # new sidecar
    assert job_fingerprint(job, "context") != before
    # A FIFO beside it is named in the fingerprint, never opened (that would block).
    (folder / "planning_boundary.shp.xml").unlink()
    os.mkfifo(folder / "planning_boundary.fifo")
    assert job_fingerprint(job, "context") != before


def test_postgis_table_content_is_fingerprinted_and_an_unreadable_table_is_never_a_result(
        postgis, noncompliant_round, tmp_path):
    env = postgis.client_env()
    run(["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, SAMPLE / "reference" / "ecological_red_line.gpkg",
         "-nln", "red_fp", "-lco", "GEOMETRY_NAME=geom", "-overwrite"], env=env)
    # A reviewer's read-only role (the test server's own role is a superuser, whom grants do not bind).
    postgis.psql("DROP ROLE IF EXISTS fp_reader; CREATE ROLE fp_reader LOGIN; GRANT SELECT ON red_fp TO fp_reader")
    out = tmp_path / "out"
    ref = f"ecological_red_line={postgis.dsn.replace(postgis.user + '@', 'fp_reader@')}#red_fp"
    assert "[unchanged]" not in batch(noncompliant_round, "-o", out, "--reference", ref).stdout
    (old_id,) = red_line_ids(out)
    assert "[unchanged]" in batch(noncompliant_round, "-o", out, "--reference", ref).stdout
    # One attribute of one row changes; row count, extent and the table's size stay the same.
    new_id = old_id[:-1] + ("9" if old_id[-1] != "9" else "8")
    postgis.psql(f"UPDATE red_fp SET hxbh = '{new_id}' WHERE hxbh = '{old_id}'")
    changed = batch(noncompliant_round, "-o", out, "--reference", ref)
    assert "[unchanged]" not in changed.stdout and red_line_ids(out) == {new_id}
    assert "[unchanged]" in batch(noncompliant_round, "-o", out, "--reference", ref).stdout
    # The table becomes unreadable while a run is under way (a server or a grant goes away after
    # the run has started; here the workers open it after the REVOKE): an error row ...
    postgis.psql("REVOKE SELECT ON red_fp FROM fp_reader")
    try:
        options = CheckOptions(profile="zhejiang-2015", references=(parse_reference(ref),))
        down = run_batch(discover(noncompliant_round), out, options, ReportOptions(formats=("text",), findings=False),
                         workers=1)
    finally:
        postgis.psql("GRANT SELECT ON red_fp TO fp_reader")
    assert [o.verdict for o in down.outcomes] == ["error"] and "red_fp" in down.outcomes[0].error
    assert json.loads((out / "noncompliant_town" / "report.json").read_text(encoding="utf-8"))["verdict"] == "error"
    assert not (out / "noncompliant_town" / ".geocheck-fingerprint").exists()  # ... is not kept as a result:
    back = batch(noncompliant_round, "-o", out, "--reference", ref)  # the next run checks again
    assert back.returncode == 1 and "[unchanged]" not in back.stdout and red_line_ids(out) == {new_id}


def test_a_profile_edited_between_two_runs_in_one_process_is_seen(tmp_path):
    """A long-lived process (the QGIS plugin's Python, a Dask client or worker) runs two rounds;
    the profile file is tightened in between. The second round must check again with the new
    threshold, not reuse the first round's reports as if nothing had changed."""
    root = tmp_path / "round"
    write_shapefiles(root / "town", english(compliant_layers()))
    profile = tmp_path / "my-profile.toml"
    shutil.copy(references_optional("zhejiang-2015"), profile)
    out = tmp_path / "out"

    def round_():
        summary = run_batch(discover(root, exclude=[out]), out, CheckOptions(profile=str(profile)),
                            ReportOptions(formats=(), findings=False), workers=1)
        (outcome,) = summary.outcomes
        return outcome

    first = round_()
    assert first.verdict == "compliant" and not first.reused
    assert round_().reused
    text = profile.read_text(encoding="utf-8")
    # "about 3 km²" becomes "about 8 km²": the compliant town's planned area is far outside the band
    assert text.count("about_km2 = 3.0") == 1
    profile.write_text(text.replace("about_km2 = 3.0", "about_km2 = 8.0"), encoding="utf-8")
    second = round_()
    assert not second.reused and second.verdict == "non_compliant"
