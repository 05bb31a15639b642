"""Batch runs: many submissions, one report folder each, one summary.

    jobs = discover("round-2026/")              # or a manifest.csv
    summary = run_batch(jobs, "out/", CheckOptions(profile="zhejiang-2015"), workers=4)

Each submission is checked in a worker process (or on a Dask cluster). A broken submission
becomes an `error` row with its one-line reason; the others still run. Reports are written
atomically, so an interrupted batch leaves only whole reports, and a re-run skips submissions
whose inputs, profile and options have not changed since their report.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import csv
import hashlib
import json
import multiprocessing
import os
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .errors import GeocheckError, InputError
from .findings import Report, Verdict
from .report import to_json, write_atomic

SUBMISSION_FILE_SUFFIXES = {".gpkg", ".zip", ".geojson", ".json", ".dxf", ".kml"}
REPORT_NAME = "report.json"
FINGERPRINT_NAME = ".geocheck-fingerprint"


@dataclass(frozen=True)
class Job:
    """One submission of a batch."""

    path: str
    name: str  # unique folder name for its report
    profile: str | None = None  # per-submission profile from a manifest
    town_type: str | None = None  # per-submission town type from a manifest


@dataclass(frozen=True)
class CheckOptions:
    """What every submission is checked with (picklable: it travels to worker processes)."""

    profile: str | None = None
    crs: str | None = None
    assume_crs: str | None = None
    roles: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, str], ...] = ()  # parcel-layer field names per purpose
    references: tuple = ()  # geocheck.references.ReferenceSpec, opened once per worker
    formats: tuple[str, ...] = ("json", "html")  # report formats written per submission
    findings: bool = True  # also write findings.gpkg (styled for QGIS) per submission
    lang: str = "zh"
    town_type: str | None = None
    allow_crs_distortion: bool = False
    config: object = None  # geocheck.config.Config the options came from, named in every report


@dataclass
class Outcome:
    name: str
    path: str
    profile: str | None
    verdict: str  # a geocheck.findings.Verdict value
    error: str | None = None
    measurements: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)  # code → count of failed checks
    warnings: dict = field(default_factory=dict)
    not_run: dict = field(default_factory=dict)  # code → count of checks that could not run
    report: str | None = None  # report file, relative to the batch output folder
    reused: bool = False  # unchanged since the last run: report kept, not re-checked
    seconds: float = 0.0


@dataclass
class BatchSummary:
    outcomes: list[Outcome]
    not_checked: list[Job]
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """The most serious verdict's exit code (error > non-compliant > incomplete > compliant)."""
        if self.not_checked:
            return Verdict.ERROR.exit_code
        seen = {o.verdict for o in self.outcomes}
        return next((v.exit_code for v in Verdict if v.value in seen), Verdict.COMPLIANT.exit_code)


# ---------------------------------------------------------------- finding submissions

def discover(source: str | Path, *, exclude: Iterable[str | Path] = ()) -> list[Job]:
    """Jobs from a folder (every GeoPackage, .zip, .gdb and folder of Shapefiles below it)
    or from a manifest CSV with columns path[, name][, profile]."""
    source = Path(source)
    if not source.exists():
        raise InputError("does not exist", source)
    if source.is_file() and source.suffix.lower() == ".csv":
        return _from_manifest(source)
    if not source.is_dir():
        raise InputError("is neither a folder of submissions nor a manifest .csv", source)
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        if here.resolve() in skip:
            dirs[:] = []
            continue
        dirs.sort()
        if here.suffix.lower() == ".gdb" or any(f.lower().endswith(".shp") for f in files):
            found.append(here)  # a File Geodatabase or a folder of Shapefiles is one submission
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if (here / d).resolve() not in skip]
        for f in sorted(files):
            p = here / f
            if p.suffix.lower() in SUBMISSION_FILE_SUFFIXES and p.resolve() not in skip:
                found.append(p)
    return _named([(p, None, None, None) for p in sorted(found)], source)


def _from_manifest(manifest: Path) -> list[Job]:
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read manifest ({exc})", manifest) from None
    if not rows or "path" not in rows[0]:
        raise InputError("manifest needs a 'path' column (and optionally 'name' and 'profile')", manifest)
    entries = []
    for row in rows:
        p = Path(row["path"].strip())
        if not p.is_absolute():
            p = manifest.parent / p  # paths in a manifest are relative to the manifest
        entries.append((p, (row.get("name") or "").strip() or None, (row.get("profile") or "").strip() or None,
                        (row.get("town_type") or "").strip() or None))
    return _named(entries, manifest.parent)


def _named(entries, root: Path) -> list[Job]:
    jobs, used = [], set()
    for path, name, profile, town_type in entries:
        if name is None:
            try:
                rel = path.relative_to(root)
            except ValueError:
                rel = Path(path.name)
            name = str(rel.with_suffix("")) if rel.suffix else str(rel)
            name = name if name != "." else path.resolve().name
        safe = re.sub(r"[\\/:*?\"<>|\s]+", "__", name).strip("_.") or "submission"
        unique, k = safe, 2
        while unique in used:
            unique, k = f"{safe}-{k}", k + 1
        used.add(unique)
        jobs.append(Job(str(path), unique, profile, town_type))
    return jobs


# ---------------------------------------------------------------- checking one submission

def fingerprint(job: Job, options: CheckOptions) -> str:
    """Changes when the submission's files, the profile, the options or geocheck change."""
    from .profile import load_profile

    h = hashlib.sha256()
    h.update(json.dumps([__version__, asdict(options), job.profile, job.town_type], sort_keys=True, default=str).encode())
    try:
        h.update(Path(load_profile(job.profile or options.profile).path).read_bytes())
    except GeocheckError:
        h.update(b"unloadable profile")
    p = Path(job.path)
    files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    for f in files:
        h.update(str(f.relative_to(p) if p.is_dir() else f.name).encode())
        try:
            with f.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            h.update(b"unreadable")
    for spec in options.references:  # reference layers are large: size and mtime stand for content
        source = Path(spec.source)
        if source.exists():
            st = source.stat()
            h.update(f"{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()


def check_job(job: Job, options: CheckOptions, out_dir: str, force: bool = False) -> Outcome:
    """Check one submission and write its report folder; never raises for a bad submission."""
    start = time.perf_counter()
    folder = Path(out_dir) / job.name
    folder.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(job, options)
    fp_file = folder / FINGERPRINT_NAME
    report_file = folder / REPORT_NAME
    if not force and fp_file.exists() and report_file.exists() and fp_file.read_text() == fp:
        try:
            outcome = outcome_from_report(job, json.loads(report_file.read_text(encoding="utf-8")), options)
            outcome.reused = True
            return outcome
        except (ValueError, KeyError):
            pass  # an unreadable old report is simply re-checked
    try:
        report = _check(job, options)
    except GeocheckError as exc:
        report = Report.failed(__version__, job.path, str(exc))
    except Exception as exc:  # a bug on one submission must not stop the batch
        report = Report.failed(__version__, job.path, f"internal error: {type(exc).__name__}: {exc}")
    try:
        _write_formats(report, options, folder)
    except Exception as exc:  # a report that cannot be drawn must not stop the batch either
        report = Report.failed(__version__, job.path, f"could not write the report: {type(exc).__name__}: {exc}")
    data = report.to_dict()
    write_atomic(report_file, to_json(report))
    write_atomic(fp_file, fp)
    outcome = outcome_from_report(job, data, options)
    outcome.seconds = time.perf_counter() - start
    return outcome


# Reference layers opened in this process, kept for every later submission it checks: a
# province's layers are opened once per worker, not once per town.
_OPEN_REFERENCES: dict = {}


def _references(specs: tuple):
    if not specs:
        return None
    if specs not in _OPEN_REFERENCES:
        from .references import ReferenceSet

        if not _OPEN_REFERENCES:
            atexit.register(_close_references)  # close GDAL handles before the interpreter tears down
        _OPEN_REFERENCES[specs] = ReferenceSet.open(list(specs))
    return _OPEN_REFERENCES[specs]


def _close_references():
    while _OPEN_REFERENCES:
        _OPEN_REFERENCES.popitem()[1].close()


def _check(job: Job, options: CheckOptions):
    from .api import check

    return check(
        job.path,
        profile=job.profile or options.profile,
        roles=dict(options.roles),
        fields=dict(options.fields),
        crs=options.crs,
        assume_crs=options.assume_crs,
        references=_references(options.references),
        town_type=job.town_type or options.town_type,
        allow_crs_distortion=options.allow_crs_distortion,
        config=options.config,
    )


REPORT_FILES = {"text": "report.txt", "html": "report.html", "markdown": "report.md", "docx": "opinion.docx"}


def _write_formats(report, options: CheckOptions, folder: Path) -> None:
    """The per-submission files besides report.json (which is always written, last)."""
    from .report import render_report, write_findings_gpkg

    for fmt in options.formats:
        if fmt in REPORT_FILES:
            write_atomic(folder / REPORT_FILES[fmt], render_report(report, fmt, lang=options.lang, color=False))
    if options.findings and report.error is None:
        write_findings_gpkg(report, folder / "findings.gpkg")


def outcome_from_report(job: Job, data: dict, options: CheckOptions) -> Outcome:
    failures = Counter(c["code"] for c in data.get("checks", []) if c["status"] == "fail")
    warnings = Counter(c["code"] for c in data.get("checks", []) if c["status"] == "warn")
    not_run = Counter(c["code"] for c in data.get("checks", []) if c["status"] == "not_run")
    return Outcome(
        name=job.name, path=job.path,
        profile=(data.get("profile") or {}).get("name") or job.profile or options.profile,
        verdict=data["verdict"], error=data.get("error"), measurements=data.get("measurements") or {},
        failures=dict(failures), warnings=dict(warnings), not_run=dict(not_run), report=f"{job.name}/{REPORT_NAME}",
    )


# ---------------------------------------------------------------- running many

def _ignore_sigint():
    # Ctrl-C goes to the whole process group: only the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_batch(
    jobs: list[Job],
    out_dir: str | Path,
    options: CheckOptions,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    on_result: Callable[[Outcome, int, int], None] | None = None,
) -> BatchSummary:
    """Check every job; write per-submission folders and the batch summary in out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, Outcome] = {}
    interrupted = False
    total = len(jobs)

    def record(outcome: Outcome):
        done[outcome.name] = outcome
        if on_result:
            on_result(outcome, len(done), total)

    try:
        if scheduler:
            _run_on_dask(jobs, out_dir, options, force, scheduler, record)
        elif (workers or 1) <= 1 or total <= 1:
            for job in jobs:
                record(check_job(job, options, str(out_dir), force))
        else:
            _run_in_processes(jobs, out_dir, options, force, workers, record)
    except KeyboardInterrupt:
        interrupted = True
    outcomes = [done[j.name] for j in jobs if j.name in done]
    not_checked = [j for j in jobs if j.name not in done]
    summary = BatchSummary(outcomes, not_checked, interrupted)
    write_summary(out_dir, summary)
    return summary


def _run_in_processes(jobs, out_dir, options, force, workers, record):
    ctx = multiprocessing.get_context("spawn")  # GDAL and threads do not survive fork reliably
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
    # Workers are spawned during submit; ignoring SIGINT meanwhile makes them start with it
    # ignored, so a Ctrl-C during their start-up cannot kill them before the initializer runs.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        futures = {pool.submit(check_job, job, options, str(out_dir), force): job for job in jobs}
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    try:
        for fut in cf.as_completed(futures):
            record(fut.result())
    except KeyboardInterrupt:
        # Stop handing out work; let running checks finish so their reports stay whole.
        for fut in futures:
            fut.cancel()
        for fut in futures:
            if not fut.cancelled():
                try:
                    record(fut.result())
                except (cf.CancelledError, Exception):
                    pass
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_on_dask(jobs, out_dir, options, force, address, record):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise GeocheckError("--scheduler needs the Dask extra: pip install 'geocheck[dask]'") from None
    try:
        client = Client(address)  # connect timeout: dask config distributed.comm.timeouts.connect
    except (OSError, TimeoutError) as exc:
        raise GeocheckError(f"cannot reach Dask scheduler {address} ({exc})") from None
    with client:
        futures = client.map(check_job, jobs, options=options, out_dir=str(out_dir), force=force,
                             pure=False, key=[f"geocheck-{j.name}" for j in jobs])
        try:
            for fut in as_completed(futures):
                record(fut.result())
        except KeyboardInterrupt:
            client.cancel(futures)
            raise


# ---------------------------------------------------------------- summary

MEASURE_COLUMNS = ("planned_area_m2", "construction_area_m2", "construction_parts", "core_area_m2",
                   "urban_design_coverage_pct")


def summary_rows(summary: BatchSummary) -> tuple[list[str], list[dict]]:
    codes = sorted({c for o in summary.outcomes for c in o.failures})
    header = ["name", "path", "profile", "verdict", "error", *MEASURE_COLUMNS, "failed_checks", "warned_checks",
              "not_run_checks", "not_run_codes", *[f"fail_{c}" for c in codes], "report"]
    rows = []
    for o in summary.outcomes:
        row = {"name": o.name, "path": o.path, "profile": o.profile or "", "verdict": o.verdict,
               "error": o.error or "", "failed_checks": sum(o.failures.values()),
               "warned_checks": sum(o.warnings.values()), "not_run_checks": sum(o.not_run.values()),
               "not_run_codes": " ".join(sorted(o.not_run)), "report": o.report or ""}
        for m in MEASURE_COLUMNS:
            v = o.measurements.get(m)
            row[m] = "" if v is None else round(v, 3) if isinstance(v, float) else v
        for c in codes:
            row[f"fail_{c}"] = o.failures.get(c, 0)
        rows.append(row)
    for j in summary.not_checked:
        rows.append({"name": j.name, "path": j.path, "profile": j.profile or "", "verdict": "not_checked",
                     "error": "batch interrupted before this submission was checked"})
    return header, rows


def write_summary(out_dir: Path, summary: BatchSummary) -> None:
    import io

    header, rows = summary_rows(summary)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, restval="")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(out_dir / "summary.csv", "\ufeff" + buf.getvalue())  # BOM: Excel opens UTF-8 Chinese correctly
    counts = Counter(o.verdict for o in summary.outcomes)
    data = {
        "type": "geocheck_batch_summary",
        "tool": {"name": "geocheck", "version": __version__},
        "counts": {"total": len(summary.outcomes) + len(summary.not_checked)}
                  | {v.value: counts.get(v.value, 0) for v in Verdict} | {"not_checked": len(summary.not_checked)},
        "interrupted": summary.interrupted,
        "submissions": [asdict(o) for o in summary.outcomes],
        "not_checked": [asdict(j) for j in summary.not_checked],
        "exit_code": summary.exit_code,
    }
    write_atomic(out_dir / "summary.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    from .report.batch_index import render_index

    write_atomic(out_dir / "index.html", render_index(data, out_dir))
