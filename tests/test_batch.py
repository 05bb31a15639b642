"""geocheck batch over a generated review round of 54 submissions, 4 of them broken."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from distributed import LocalCluster

from cli_tools import GEOCHECK, assert_one_line_error, invoke
from towns import english, frame, rect, split_construction, variant, write_gpkg, write_shapefiles
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

KINDS = ("ok", "split", "outside")  # compliant; GC302 fails; GC311 fails


@pytest.fixture(scope="module")
def variant_files(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each variant written once by GDAL, as a GeoPackage, an English-named Shapefile folder and
    a zip of that folder: kind → {"gpkg", "shp", "zip"} → path, for tests to copy."""
    root = tmp_path_factory.mktemp("variants")
    files = {}
    for kind in KINDS:
        folder = write_shapefiles(root / f"{kind}_shp", english(variant(kind)))
        archive = root / f"{kind}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for f in sorted(folder.iterdir()):
                z.write(f, f.name)
        files[kind] = {"gpkg": write_gpkg(root / f"{kind}.gpkg", variant(kind)), "shp": folder, "zip": archive}
    return files


def make_round(root: Path, files) -> dict[str, str]:
    """A folder of submissions as a province's review round delivers them; returns name → expected verdict."""
    expected = {}
    for i in range(42):  # GeoPackages
        kind = KINDS[i % 3]
        sub = root / f"city{i % 5}"
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copy(files[kind]["gpkg"], sub / f"town{i:02d}.gpkg")
        expected[f"city{i % 5}__town{i:02d}"] = "compliant" if kind == "ok" else "non_compliant"
    for i in range(5):  # folders of Shapefiles
        kind = KINDS[i % 3]
        shutil.copytree(files[kind]["shp"], root / "shp" / f"shptown{i}")
        expected[f"shp__shptown{i}"] = "compliant" if kind == "ok" else "non_compliant"
    for i in range(3):  # zips of Shapefiles
        shutil.copy(files["ok"]["zip"], root / f"ziptown{i}.zip")
        expected[f"ziptown{i}"] = "compliant"
    broken = root / "broken"
    broken.mkdir()
    (broken / "empty.gpkg").write_bytes(b"")
    (broken / "text.gpkg").write_text("not a geopackage", encoding="utf-8")
    write_gpkg(broken / "roads.gpkg", {"道路": frame([rect(0, 0, 10, 10)], "EPSG:4549")})
    cut = shutil.copytree(files["ok"]["shp"], broken / "truncated")
    shp = cut / "planning_boundary.shp"
    shp.write_bytes(shp.read_bytes()[:60])  # header cut short, as by an interrupted copy
    for name in ("broken__empty", "broken__text", "broken__roads", "broken__truncated"):
        expected[name] = "error"
    return expected


@pytest.fixture(scope="module")
def review_round(tmp_path_factory, variant_files):
    root = tmp_path_factory.mktemp("round") / "round"
    root.mkdir()
    return root, make_round(root, variant_files)


def run_batch(*args, **kw):
    return subprocess.run([*GEOCHECK, "batch", *map(str, args)], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def review_round_checked_locally(review_round, tmp_path_factory):
    """`geocheck batch` over the review round with two local worker processes: (result, out folder)."""
    root, _ = review_round
    out = tmp_path_factory.mktemp("local") / "out"
    return run_batch(root, "-o", out, "-j", "2", "-p", LENIENT), out


def read_csv(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_batch_reports_every_submission_and_summary_matches_reports(review_round, review_round_checked_locally):
    _, expected = review_round
    assert len(expected) >= 50
    result, out = review_round_checked_locally
    assert result.returncode == 2, result.stderr  # some could not be checked
    assert "Traceback" not in result.stdout + result.stderr
    rows = {r["name"]: r for r in read_csv(out / "summary.csv")}
    assert {n: r["verdict"] for n, r in rows.items()} == expected
    for name, row in rows.items():
        report = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
        assert report["verdict"] == row["verdict"]
        fails = sorted(c["code"] for c in report["checks"] if c["status"] == "fail")
        assert int(row["failed_checks"]) == len(fails)
        for code in fails:
            assert row[f"fail_{code}"] == "1"
        if row["verdict"] == "error":
            assert row["error"] and report["error"] == row["error"]
    assert "planning_boundary" in rows["broken__truncated"]["error"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"total": len(expected),
                                 "compliant": sum(v == "compliant" for v in expected.values()),
                                 "non_compliant": sum(v == "non_compliant" for v in expected.values()),
                                 "incomplete": 0, "error": 4, "not_checked": 0}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("/report.html\">") == len(expected)
    # Every progress line names a submission; the last line sums up.
    assert sum(line.startswith("[") for line in result.stdout.splitlines()) == len(expected)


def test_rerun_skips_unchanged_and_rechecks_changed(variant_files, tmp_path):
    out = tmp_path / "out"
    sub = tmp_path / "sub"
    sub.mkdir()
    for i in range(2):
        shutil.copy(variant_files["ok"]["gpkg"], sub / f"t{i}.gpkg")
    first = run_batch(sub, "-o", out, "-j", "1", "-p", LENIENT)
    assert first.returncode == 0 and "[unchanged]" not in first.stdout
    again = run_batch(sub, "-o", out, "-j", "1", "-p", LENIENT)
    assert again.stdout.count("[unchanged]") == 2
    write_gpkg(sub / "t1.gpkg", {"建设用地": split_construction()})  # replaces a layer in place
    changed = run_batch(sub, "-o", out, "-j", "1", "-p", LENIENT)
    lines = {l.split("] ")[1].split(":")[0]: l for l in changed.stdout.splitlines() if l.startswith("[")}
    assert "[unchanged]" in lines["t0"] and "[unchanged]" not in lines["t1"] and "non_compliant" in lines["t1"]
    assert changed.returncode == 1
    other_profile = run_batch(sub, "-o", out, "-j", "1", "-p", "national-2021")
    assert "[unchanged]" not in other_profile.stdout
    forced = run_batch(sub, "-o", out, "-j", "1", "-p", "national-2021", "--force")
    assert "[unchanged]" not in forced.stdout


def test_manifest_with_names_and_profiles(variant_files, tmp_path):
    shutil.copy(variant_files["ok"]["gpkg"], tmp_path / "a.gpkg")  # named relative to the manifest
    b = shutil.copy(variant_files["split"]["gpkg"], tmp_path / "b.gpkg")
    manifest = tmp_path / "round.csv"
    national = references_optional("national-2021")
    manifest.write_text(f"path,name,profile\na.gpkg,东区小镇,{national}\n{b},西区小镇,\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_batch(manifest, "-o", out, "-p", LENIENT)
    assert result.returncode == 1
    rows = {r["name"]: r for r in read_csv(out / "summary.csv")}
    assert rows["东区小镇"]["profile"] == "national-2021" and rows["东区小镇"]["verdict"] == "compliant"
    assert rows["西区小镇"]["profile"] == "zhejiang-2015" and rows["西区小镇"]["verdict"] == "non_compliant"


def test_ctrl_c_keeps_finished_reports_and_lists_the_rest(variant_files, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    for i in range(40):
        shutil.copy(variant_files["ok"]["gpkg"], sub / f"t{i:02d}.gpkg")
    out = tmp_path / "out"
    proc = subprocess.Popen([*GEOCHECK, "batch", str(sub), "-o", str(out), "-j", "2", "-p", LENIENT], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    first = proc.stdout.readline()  # one submission finished
    assert first.startswith("[1/40]")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole process group
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stdout + stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True
    checked = summary["submissions"]
    assert summary["counts"]["not_checked"] == 40 - len(checked) > 0
    for s in checked:  # every finished report is whole
        report = json.loads((out / s["name"] / "report.json").read_text(encoding="utf-8"))
        assert report["verdict"] == "compliant"
    rows = read_csv(out / "summary.csv")
    assert sum(r["verdict"] == "not_checked" for r in rows) == summary["counts"]["not_checked"]
    assert not list(out.rglob("*.tmp"))


def test_dask_scheduler_gives_identical_summary(review_round, review_round_checked_locally, tmp_path):
    root, expected = review_round
    _, local_out = review_round_checked_locally
    dask_out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        result = run_batch(root, "-o", dask_out, "-p", LENIENT, "--scheduler", cluster.scheduler_address)
    assert result.returncode == 2, result.stderr
    assert (dask_out / "summary.csv").read_text(encoding="utf-8") == (local_out / "summary.csv").read_text(encoding="utf-8")
    for name in expected:
        a = json.loads((local_out / name / "report.json").read_text(encoding="utf-8"))
        b = json.loads((dask_out / name / "report.json").read_text(encoding="utf-8"))
        assert a == b


def test_unreachable_scheduler_is_a_clean_error(variant_files, tmp_path):
    shutil.copy(variant_files["ok"]["gpkg"], tmp_path / "a.gpkg")
    start = time.monotonic()
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s")  # dask's own default is 30 s
    result = run_batch(tmp_path, "-o", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("geocheck: error:") and "scheduler" in result.stderr
    assert time.monotonic() - start < 20  # the 1 s connect timeout above, not dask's 30 s default


SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def test_batch_with_reference_layers_writes_html_and_findings(tmp_path):
    out = tmp_path / "out"
    result = run_batch(SAMPLE, "-o", out, "--config", SAMPLE / "geocheck.toml", "-j", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == ""
    rows = {r["name"]: r for r in read_csv(out / "summary.csv")}
    # The reference layers inside sample_data/ are configured references, not submissions.
    assert set(rows) == {"compliant_town", "noncompliant_town"}
    assert rows["noncompliant_town"]["fail_GC401"] == "1"  # construction on the red line
    assert rows["compliant_town"]["verdict"] == "compliant"
    for name in rows:
        html = (out / name / "report.html").read_text(encoding="utf-8")
        assert "<html" in html and '<svg xmlns="http://www.w3.org/2000/svg" id="map"' in html  # the inline SVG map
        assert (out / name / "findings.gpkg").stat().st_size > 0
    assert 'href="noncompliant_town/report.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_reference_layers_opened_once_per_worker(tmp_path):
    from geocheck import batch
    from geocheck.references import collect_specs
    from geocheck.config import load_config
    from geocheck.options import CheckOptions, ReportOptions

    config = load_config(SAMPLE / "geocheck.toml")
    jobs = batch.discover(SAMPLE, exclude=[SAMPLE / "reference"])
    options = CheckOptions(profile=LENIENT, references=tuple(collect_specs((), config)))
    with batch.RunContext() as run:
        outcomes = [batch.check_job(job, options, ReportOptions(formats=(), findings=False), str(tmp_path / "out"),
                                    run=run) for job in jobs]
        assert [o.verdict for o in outcomes] == ["compliant", "non_compliant"]
        (refs,) = run.reference_sets()  # one ReferenceSet served both towns
        assert run.references(options.references) is refs
        assert [s.spec for s in refs.sources] == list(options.references)
    assert run.reference_sets() == []  # closed with the run


def test_threads_sharing_a_run_context_open_the_references_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from geocheck import batch
    from geocheck.references import parse_reference

    specs = (parse_reference(f"ecological_red_line={SAMPLE / 'reference' / 'ecological_red_line.gpkg'}"),)
    with batch.RunContext() as run, ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: run.references(specs), range(8)))
        assert len(run.reference_sets()) == 1 and all(g is got[0] for g in got)


def test_bad_reference_source_stops_before_the_round(variant_files, tmp_path):
    shutil.copy(variant_files["ok"]["gpkg"], tmp_path / "a.gpkg")
    result = run_batch(tmp_path, "-o", tmp_path / "out", "--reference", "ecological_red_line=/nonexistent/x.gpkg")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "x.gpkg" in result.stderr
    assert not (tmp_path / "out" / "a").exists()


def test_folder_without_submissions_is_a_clean_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no plans here", encoding="utf-8")
    assert_one_line_error(invoke("batch", tmp_path, "-o", tmp_path / "out"), str(tmp_path), "holds no submission")


def test_manifest_profile_file_is_found_beside_the_manifest_and_own_columns_are_left_alone(variant_files, tmp_path):
    """Run from another folder: a relative profile cell names the file beside the manifest (as a
    relative path cell does); a column of the reviewer's own is ignored; a misspelt option column
    stops the round with one line instead of checking every row without that option."""
    folder = tmp_path / "round"
    folder.mkdir()
    shutil.copy(variant_files["ok"]["gpkg"], folder / "a.gpkg")
    shutil.copy(references_optional("national-2021"), folder / "省级-2021.toml")
    manifest = folder / "round.csv"
    manifest.write_text("path,name,profile,县区\na.gpkg,东区小镇,省级-2021.toml,西湖区\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    result = subprocess.run([*GEOCHECK, "batch", str(manifest), "-o", str(out), "-j", "1", "-p", LENIENT,
                             "--no-findings"], capture_output=True, text=True, cwd=elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    (row,) = read_csv(out / "summary.csv")
    assert (row["name"], row["profile"], row["verdict"]) == ("东区小镇", "national-2021", "compliant")

    manifest.write_text("path,name,profiel\na.gpkg,东区小镇,省级-2021.toml\n", encoding="utf-8")
    typo = subprocess.run([*GEOCHECK, "batch", str(manifest), "-o", str(tmp_path / "out2"), "-p", LENIENT],
                          capture_output=True, text=True, cwd=elsewhere)
    assert typo.returncode == 2
    assert typo.stderr.strip().splitlines() == [
        f"geocheck: error: {manifest}: manifest column 'profiel' is no option geocheck knows; did you mean 'profile'? "
        "(columns: path, name, profile, boundary, construction, core, urban_design, parcels, field, town_type, crs, "
        "assume_crs, encoding, snap_tolerance)"]
    assert not (tmp_path / "out2" / "summary.csv").exists()
    # a per-row red line cannot be had: the round's references are opened once, so say so
    for column in ("reference", "references"):
        manifest.write_text(f"path,name,{column}\na.gpkg,东区小镇,ecological_red_line=红线.gpkg\n", encoding="utf-8")
        per_row = subprocess.run([*GEOCHECK, "batch", str(manifest), "-o", str(tmp_path / "out3"), "-p", LENIENT],
                                 capture_output=True, text=True, cwd=elsewhere)
        assert per_row.returncode == 2
        (line,) = per_row.stderr.strip().splitlines()
        assert f"manifest column '{column}': --reference is set for the whole round, not per submission" in line
    assert not (tmp_path / "out3").exists()
