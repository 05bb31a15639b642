"""geocheck batch under a hostile user and a hostile environment: killed, interrupted, out of
disk, run twice into one folder, fed a manifest of hostile rows. Every test ends by reading the
output folder back: the summary and the reports agree, and nothing finished is lost."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_tools import GEOCHECK
from lenient_profiles import references_optional
from towns import variant, write_gpkg

LENIENT = references_optional("zhejiang-2015")  # no reference layers needed: compliant / non_compliant

VERDICT_OF = {"ok": "compliant", "split": "non_compliant"}


@pytest.fixture(scope="module")
def town_files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("towns")
    return {kind: write_gpkg(root / f"{kind}.gpkg", variant(kind)) for kind in VERDICT_OF}


def make_round(folder: Path, town_files, n: int) -> dict[str, str]:
    """n GeoPackages t00…, alternately compliant and non-compliant: name → expected verdict."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for i in range(n):
        kind = ("ok", "split")[i % 2]
        shutil.copy(town_files[kind], folder / f"t{i:02d}.gpkg")
        expected[f"t{i:02d}"] = VERDICT_OF[kind]
    return expected


def batch(*args, **kw):
    return subprocess.run([*GEOCHECK, "batch", *map(str, args), "-p", LENIENT], capture_output=True, text=True, **kw)


def start_batch(*args) -> subprocess.Popen:
    return subprocess.Popen([*GEOCHECK, "batch", *map(str, args), "-p", LENIENT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def read_csv(path: Path, *, raw: bool = False) -> list[dict]:
    """summary.csv's rows; cells as a spreadsheet shows them (the ' before a formula dropped)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if raw:
        return rows
    return [{k: v[1:] if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r") else v for k, v in r.items()}
            for r in rows]


def progress_names(stdout: str) -> list[str]:
    return [line.split("] ", 1)[1].rsplit(": ", 1)[0].split(": ")[0] for line in stdout.splitlines()
            if line.startswith("[")]


def assert_summary_agrees_with_reports(out: Path, expected: dict[str, str] | None = None) -> dict:
    """summary.json, summary.csv and each report.json say the same; no temporary file is left."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in read_csv(out / "summary.csv")}
    checked = {s["name"]: s for s in summary["submissions"]}
    not_checked = {j["name"] for j in summary["not_checked"]}
    assert set(rows) == set(checked) | not_checked and not (set(checked) & not_checked)
    assert summary["counts"]["total"] == len(rows)
    assert summary["counts"]["not_checked"] == len(not_checked)
    for verdict in {s["verdict"] for s in checked.values()}:
        assert summary["counts"][verdict] == sum(s["verdict"] == verdict for s in checked.values())
    for name, s in checked.items():
        report = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
        assert report["verdict"] == s["verdict"] == rows[name]["verdict"], name
        if expected and name in expected:
            assert s["verdict"] == expected[name], name
    for name in not_checked:
        assert rows[name]["verdict"] == "not_checked"
        assert not (out / name / ".geocheck-fingerprint").exists()  # never reused as a result
    if expected:
        assert set(rows) == set(expected)
    leftovers = [p.name for p in out.rglob("*") if ".tmp" in p.name or p.name.endswith("-journal")]
    assert leftovers == []
    return summary


# ---------------------------------------------------------------- killed and interrupted

def test_sigkill_then_rerun_keeps_finished_reports_and_checks_the_rest(town_files, tmp_path):
    expected = make_round(tmp_path / "round", town_files, 12)
    out = tmp_path / "out"
    proc = start_batch(tmp_path / "round", "-o", out, "-j", "2")
    finished = [proc.stdout.readline() for _ in range(3)]
    assert all(line.startswith("[") for line in finished), finished
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group, workers included
    proc.wait(timeout=30)
    # What a kill in the middle of writing leaves (the kill above may or may not hit a write).
    (out / "t11").mkdir(exist_ok=True)
    (out / "t11" / ".findings.gpkg.k3_9zq0a.tmp.gpkg").write_bytes(b"SQLite format 3\0")
    (out / "t11" / ".findings.gpkg.k3_9zq0a.tmp.gpkg-journal").write_bytes(b"\0" * 512)
    (out / ".summary.csv.ab12cd34.tmp").write_text("half", encoding="utf-8")

    again = batch(tmp_path / "round", "-o", out, "-j", "2")
    assert again.returncode == 1, again.stderr  # some non-compliant; no lock left behind by the kill
    assert "Traceback" not in again.stderr and again.stderr == ""
    lines = {name: line for name, line in zip(progress_names(again.stdout), again.stdout.splitlines())}
    for line in finished:  # finished before the kill: reused, not lost, not re-checked
        name = progress_names(line)[0]
        assert "[unchanged]" in lines[name], (name, lines[name])
    summary = assert_summary_agrees_with_reports(out, expected)
    assert summary["counts"]["not_checked"] == 0 and summary["interrupted"] is False


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_is_never_lost_and_keeps_every_finished_report(town_files, tmp_path, workers):
    """Ctrl-C at different moments of a check (reading, measuring, writing): each one stops the
    round; what finished is in the summary as checked, with its whole report."""
    expected = make_round(tmp_path / "round", town_files, 40)
    # Pressed after the k-th finished submission plus a fraction of one check (a town takes some
    # tens of ms): counted in submissions, not seconds, so a faster geocheck still presses mid-round.
    for attempt, (k, delay) in enumerate(((1, 0.0), (1, 0.02), (3, 0.01), (8, 0.04))):
        out = tmp_path / f"out{attempt}"
        proc = start_batch(tmp_path / "round", "-o", out, "-j", workers)
        seen = [proc.stdout.readline() for _ in range(k)]
        assert seen[0].startswith("[1/40]") and seen[-1].startswith(f"[{k}/40]")
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole process group
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (k, delay, stdout, stderr)
        assert "Traceback" not in stderr and "internal error" not in stderr
        summary = assert_summary_agrees_with_reports(out, expected)
        assert summary["interrupted"] is True, (k, delay)
        assert 0 < summary["counts"]["not_checked"] < 40
        assert set(progress_names("".join(seen) + stdout)) <= {s["name"] for s in summary["submissions"]}


def test_second_ctrl_c_aborts_running_checks_and_lists_finished_ones_as_checked(town_files, tmp_path):
    expected = make_round(tmp_path / "round", town_files, 40)
    out = tmp_path / "out"
    proc = start_batch(tmp_path / "round", "-o", out, "-j", "2")
    first = proc.stdout.readline()
    assert first.startswith("[1/40]")
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.02)  # well within the checks still running (a town takes some tens of ms)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "Traceback" not in stderr
    summary = assert_summary_agrees_with_reports(out, expected)
    checked = {s["name"] for s in summary["submissions"]}
    assert set(progress_names(first + stdout)) <= checked  # every reported submission stays checked
    assert summary["counts"]["not_checked"] == 40 - len(checked) > 0


@pytest.mark.parametrize("workers", [1, 2])
def test_a_burst_of_ctrl_c_never_cuts_the_summary_short(town_files, tmp_path, workers):
    """A reviewer hammering Ctrl-C: the second press aborts the running checks, and every press
    after it, whatever the run is doing by then (terminating workers, writing the summary), is
    ignored, so the round always ends with exit 2 and a summary that agrees with the reports."""
    expected = make_round(tmp_path / "round", town_files, 40)
    out = tmp_path / "out"
    proc = start_batch(tmp_path / "round", "-o", out, "-j", workers)
    first = proc.stdout.readline()
    assert first.startswith("[1/40]")
    presses = 0
    while proc.poll() is None and presses < 2000:
        os.killpg(proc.pid, signal.SIGINT)
        presses += 1
        time.sleep(0.002)
    stdout, stderr = proc.communicate(timeout=60)
    assert presses >= 2
    assert proc.returncode == 2, (presses, stdout, stderr)
    assert "Traceback" not in stderr and "geocheck: interrupted" not in stderr
    summary = assert_summary_agrees_with_reports(out, expected)
    assert summary["interrupted"] is True
    assert set(progress_names(first + stdout)) <= {s["name"] for s in summary["submissions"]}


# ---------------------------------------------------------------- two batches, one folder

def test_a_second_batch_into_the_same_folder_is_refused_while_the_first_runs(town_files, tmp_path):
    expected = make_round(tmp_path / "round", town_files, 8)
    (tmp_path / "other").mkdir()
    for i in range(3):
        shutil.copy(town_files["ok"], tmp_path / "other" / f"o{i}.gpkg")
    out = tmp_path / "out"
    first = start_batch(tmp_path / "round", "-o", out, "-j", "1")
    assert first.stdout.readline().startswith("[1/8]")
    os.killpg(first.pid, signal.SIGSTOP)  # held mid-round however fast this machine is
    try:
        second = batch(tmp_path / "other", "-o", out, "-j", "1")
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 1, stderr
    assert second.returncode == 2 and second.stdout == ""
    lines = second.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:") and "another geocheck batch" in lines[0]
    assert str(first.pid) in lines[0]
    summary = assert_summary_agrees_with_reports(out, expected)  # only the first round's towns
    assert summary["run_id"]
    assert not list(out.glob("o*"))  # nothing of the refused batch was written
    # Once the first has finished, the folder is free again.
    third = batch(tmp_path / "round", "-o", out, "-j", "1")
    assert third.returncode == 1 and third.stdout.count("[unchanged]") == 8


# ---------------------------------------------------------------- output disk full or read-only

@pytest.fixture
def small_disk(tmp_path):
    """A 1.5 MB tmpfs (geocheck's tests run as root in CI); unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_output_disk_stops_with_a_summary_and_the_rerun_finishes(town_files, tmp_path, small_disk):
    expected = make_round(tmp_path / "round", town_files, 12)
    out = small_disk / "out"
    full = batch(tmp_path / "round", "-o", out, "-j", "1")
    assert full.returncode == 2, full.stdout + full.stderr
    lines = full.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:"), full.stderr
    assert "no space left on device" in lines[0] and "internal error" not in lines[0]
    assert "submissions written" in lines[0] and "summary in" in lines[0]
    summary = assert_summary_agrees_with_reports(out, expected)
    assert "no space left on device" in summary["stopped"]
    assert 0 < len(summary["submissions"]) and summary["counts"]["not_checked"] > 0
    written = {s["name"] for s in summary["submissions"]}

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)  # space freed
    again = batch(tmp_path / "round", "-o", out, "-j", "2")
    assert again.returncode == 1, again.stdout + again.stderr
    lines = dict(zip(progress_names(again.stdout), again.stdout.splitlines()))
    assert all("[unchanged]" in lines[n] for n in written)
    assert not any("[unchanged]" in lines[n] for n in set(expected) - written)  # the full disk was not a result
    summary = assert_summary_agrees_with_reports(out, expected)
    assert summary["counts"]["not_checked"] == 0 and summary["stopped"] is None


def test_read_only_output_disk_is_one_line(town_files, tmp_path, small_disk):
    make_round(tmp_path / "round", town_files, 2)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = batch(tmp_path / "round", "-o", small_disk, "-j", "1")
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:") and "read-only file system" in lines[0]
    assert "internal error" not in lines[0]


# ---------------------------------------------------------------- hostile entries

def test_manifest_of_hostile_rows_gives_one_error_row_each_and_the_round_completes(town_files, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(town_files["ok"], sub / "东区.gpkg")
    shutil.copy(town_files["split"], sub / "summary.csv.gpkg")  # its report folder would be summary.csv
    shutil.copy(town_files["ok"], sub / "short.gpkg")
    shutil.copy(town_files["ok"], sub / "formula.gpkg")
    shutil.copy(town_files["ok"], sub / "escape.gpkg")
    (sub / "loop.gpkg").symlink_to("loop.gpkg")
    os.mkfifo(sub / "pipe.gpkg")
    long_name = "很长的小镇名称" * 40  # 840 bytes: too long for any file system
    rows = [
        "path,name,profile",
        "sub/东区.gpkg,东区小镇,",
        "sub/summary.csv.gpkg,summary.csv,",  # a name that is the summary's file name
        f"sub/东区.gpkg,{long_name},",
        "sub/short.gpkg",  # a short row: only the path
        ",无路径,",  # no path at all
        "sub/loop.gpkg,,",
        "sub/pipe.gpkg,,",
        'sub/formula.gpkg,"=HYPERLINK(""http://evil.example"",""click"")",',
        "sub/escape.gpkg,\x1b[2Jred\u202etxt,",
        "sub/missing.gpkg,,",
    ]
    manifest = tmp_path / "round.csv"
    manifest.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))  # Excel on Chinese Windows: GBK
    out = tmp_path / "out"
    result = batch(manifest, "-o", out, "-j", "2", "--no-findings", timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == ""
    summary = assert_summary_agrees_with_reports(out)
    by_path = {}
    for s in summary["submissions"]:
        by_path.setdefault(Path(s["path"]).name, []).append(s)
    assert [s["verdict"] for s in by_path["东区.gpkg"]] == ["compliant", "compliant"]
    assert by_path["summary.csv.gpkg"][0]["verdict"] == "non_compliant"
    assert by_path["summary.csv.gpkg"][0]["name"] == "summary.csv-submission"
    assert by_path["short.gpkg"][0]["verdict"] == "compliant"
    assert "symbolic link loop" in by_path["loop.gpkg"][0]["error"]
    assert "not a regular file" in by_path["pipe.gpkg"][0]["error"]
    assert "does not exist" in by_path["missing.gpkg"][0]["error"]
    no_path = [s for s in summary["submissions"] if s["name"] == "无路径"]
    assert no_path and no_path[0]["verdict"] == "error" and "no path" in no_path[0]["error"]
    assert summary["counts"]["total"] == len(rows) - 1
    # Folder names: a regular summary.csv, every name short and free of control characters.
    assert (out / "summary.csv").is_file()
    for s in summary["submissions"]:
        assert len(s["name"].encode()) <= 96 and s["name"].isprintable() and "/" not in s["name"]
    long = [s for s in summary["submissions"] if s["name"].startswith("很长的小镇名称")]
    assert len(long) == 1 and long[0]["verdict"] == "compliant"
    # summary.csv for Excel: formulas neutralised; no escape sequence in any cell or on the terminal.
    raw = (out / "summary.csv").read_text(encoding="utf-8-sig")
    cells = [c for r in read_csv(out / "summary.csv", raw=True) for c in r.values()]
    assert "'=HYPERLINK" in raw and not any(c.startswith(("=", "+", "@")) for c in cells)
    assert "\x1b" not in raw and "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert sum(line.startswith("[") for line in result.stdout.splitlines()) == len(rows) - 1


def test_folder_with_a_loop_a_fifo_and_a_forged_line_in_a_name(town_files, tmp_path):
    root = tmp_path / "round"
    root.mkdir()
    shutil.copy(town_files["ok"], root / "a.gpkg")
    shutil.copy(town_files["ok"], root / "index.html.gpkg")
    shutil.copy(town_files["ok"], root / "x\ngeocheck: error: forged.gpkg")
    (root / "loop.gpkg").symlink_to("loop.gpkg")
    (root / "dangling.zip").symlink_to("nowhere.zip")
    os.mkfifo(root / "pipe.gpkg")
    out = tmp_path / "out"
    result = batch(root, "-o", out, "-j", "1", "--no-findings", "-f", "text", timeout=300)
    assert result.returncode == 2 and result.stderr == ""
    assert not any(line.startswith("geocheck:") for line in result.stdout.splitlines())  # nothing forged
    summary = assert_summary_agrees_with_reports(out)
    verdicts = {Path(s["path"]).name: (s["verdict"], s["error"] or "") for s in summary["submissions"]}
    assert verdicts["a.gpkg"][0] == verdicts["index.html.gpkg"][0] == "compliant"
    # GDAL cannot open a name with a newline (it drops it): an error row, printed on one line
    assert "x\ngeocheck: error: forged.gpkg" in verdicts
    assert "symbolic link loop" in verdicts["loop.gpkg"][1]
    assert "missing file" in verdicts["dangling.zip"][1]
    assert "not a regular file" in verdicts["pipe.gpkg"][1]
    assert (out / "index.html").is_file() and (out / "index.html-submission" / "report.txt").is_file()


# ---------------------------------------------------------------- a worker dies

def worker_pids(parent: int) -> list[int]:
    """The pool's worker processes (spawned interpreters), not multiprocessing's resource tracker."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            pids.append(int(stat.parent.name))
    return pids


def test_a_killed_worker_costs_no_submission(town_files, tmp_path):
    """A worker killed mid-check (the OOM killer, a crash in GDAL): the submissions it may have
    held are checked again alone, the round completes, every verdict is right."""
    expected = make_round(tmp_path / "round", town_files, 24)
    out = tmp_path / "out"
    proc = start_batch(tmp_path / "round", "-o", out, "-j", "2")
    assert proc.stdout.readline().startswith("[1/24]")
    victims = worker_pids(proc.pid)
    assert victims
    os.kill(victims[0], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    summary = assert_summary_agrees_with_reports(out, expected)
    assert summary["counts"]["not_checked"] == 0 and summary["counts"]["error"] == 0
