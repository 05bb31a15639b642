"""Running a batch: one report folder per submission, in worker processes or on Dask.

What a run guarantees, whatever happens to it:

* one bad submission is one `error` row; the others still run;
* reports are written atomically and a submission's fingerprint only after all its files, so
  a killed run leaves whole reports, and the re-run checks again whatever was not finished;
  `error` reports are never reused (an unreachable server or a full disk is not a result);
* a lock on the output folder keeps a second batch out while this one writes;
* the first Ctrl-C stops handing out submissions and lets running checks finish; a second
  aborts them; the summary lists every finished submission as checked, the rest as not checked;
* a full or read-only output disk stops the run with the summary of what was written (space
  for it is reserved when the run starts);
* a worker process that dies costs no submission: the ones it may have held are checked again
  alone, and only one that kills its worker alone is an `error` row.
"""

from __future__ import annotations

import concurrent.futures as cf
import errno
import fcntl
import json
import multiprocessing
import os
import signal
import threading
import time
import uuid
from collections import Counter, deque
from contextlib import contextmanager
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..errors import GeocheckError
from ..findings import Report, Status, Verdict
from ..options import CheckOptions, ReportOptions
from ..report import to_json, write_atomic
from ..report.atomic import OutputError, disk_problem, output_error, remove_stale_temporaries
from ..report.formats import BATCH_REPORT, BY_NAME as FORMATS
from .context import RunContext
from .discover import LOCK_NAME, RESERVE_NAME, Job
from .fingerprint import context_digest, job_fingerprint

REPORT_NAME = BATCH_REPORT
FINGERPRINT_NAME = ".geocheck-fingerprint"
# Room kept free for the summary files (CSV, JSON, index.html), so a full disk still gets one.
RESERVE_BASE, RESERVE_PER_JOB, RESERVE_MAX = 256 * 1024, 8 * 1024, 64 * 1024 * 1024


@dataclass
class Outcome:
    name: str
    path: str
    profile: str | None
    verdict: str  # a Verdict value
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
    stopped: str | None = None  # why the run stopped early (the output disk)
    run_id: str = ""
    summary_error: str | None = None  # the summary files could not be written either

    @property
    def exit_code(self) -> int:
        """The most serious verdict's exit code (error > non-compliant > incomplete > compliant);
        a run that left submissions unchecked could not check them."""
        if self.not_checked or self.stopped:
            return Verdict.ERROR.exit_code
        seen = {o.verdict for o in self.outcomes}
        return next((v.exit_code for v in Verdict if v.value in seen), Verdict.COMPLIANT.exit_code)


# ---------------------------------------------------------------- one submission

def check_job(job: Job, options: CheckOptions, report_options: ReportOptions, out_dir: str, force: bool = False,
              context: str | None = None, run: RunContext | None = None) -> Outcome:
    """Check one submission and write its report folder. A bad submission is an `error` outcome;
    only an output that cannot be written raises (OutputError), for the run to stop.

    `run` is the worker's RunContext (its reference layers, opened once for all its jobs);
    without one, the layers are opened for this submission alone."""
    start = time.perf_counter()
    folder = Path(out_dir) / job.name
    report_file, fp_file = folder / REPORT_NAME, folder / FINGERPRINT_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, folder) from None
    fp = None
    if job.problem is None:
        fp = job_fingerprint(job, context if context is not None else context_digest(options, report_options))
        if not force and (reused := _reusable(job, options, report_file, fp_file, fp)) is not None:
            return reused
    try:
        fp_file.unlink(missing_ok=True)  # from here on the old report is not vouched for
    except OSError as exc:
        raise output_error(exc, fp_file) from None
    if job.problem is not None:
        report = Report.failed(__version__, job.path, job.problem)
    else:
        try:
            if run is None:
                with RunContext() as own:
                    report = _check(job, options, own)
            else:
                report = _check(job, options, run)
        except GeocheckError as exc:
            report = Report.failed(__version__, job.path, str(exc))
        except Exception as exc:  # a bug on one submission must not stop the batch
            report = Report.failed(__version__, job.path, f"internal error: {type(exc).__name__}: {exc}")
    try:
        _write_formats(report, report_options, folder)
    except OutputError:
        raise
    except Exception as exc:  # a report that cannot be drawn must not stop the batch either
        problem = disk_problem(folder, exc)
        if problem:
            raise OutputError(f"cannot be written ({problem})", folder) from None
        report = Report.failed(__version__, job.path, f"could not write the report: {type(exc).__name__}: {exc}")
    data = report.to_dict()  # once: for report.json and for the summary row
    write_atomic(report_file, to_json(data))
    if report.verdict is not Verdict.ERROR and fp is not None:
        write_atomic(fp_file, fp)  # last: a report is reused only when everything before it was written
    outcome = outcome_from_report(job, data, options)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _reusable(job, options, report_file: Path, fp_file: Path, fp: str) -> Outcome | None:
    try:
        if fp_file.read_text(encoding="ascii") != fp:
            return None
        outcome = outcome_from_report(job, json.loads(report_file.read_text(encoding="utf-8")), options)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no or unreadable old report: simply re-checked
    if outcome.verdict == Verdict.ERROR.value:
        return None  # an error is never a result to keep: whatever caused it may be gone
    outcome.reused = True
    return outcome


def _check(job: Job, options: CheckOptions, run: RunContext):
    from ..api import check

    # the manifest row's options over the run's; its references are the run's, opened once per worker
    return check(job.path, options.overridden(job.options), references=run.references(options.references))


def _write_formats(report, report_options: ReportOptions, folder: Path) -> None:
    """The per-submission files besides report.json (which is always written, last)."""
    from ..report import render_report, write_findings_gpkg

    for fmt in report_options.formats:
        if FORMATS[fmt].batch_file != REPORT_NAME:
            write_atomic(folder / FORMATS[fmt].batch_file,
                         render_report(report, fmt, lang=report_options.lang, color=False))
    if report_options.findings and report.error is None:
        write_findings_gpkg(report, folder / "findings.gpkg")


def outcome_from_report(job: Job, data: dict, options: CheckOptions) -> Outcome:
    def count(status: Status) -> dict:
        return dict(Counter(c["code"] for c in data.get("checks", []) if c["status"] == status.value))

    return Outcome(
        name=job.name, path=job.path,
        profile=(data.get("profile") or {}).get("name") or job.profile or options.profile,
        verdict=Verdict(data["verdict"]).value, error=data.get("error"), measurements=data.get("measurements") or {},
        failures=count(Status.FAIL), warnings=count(Status.WARN), not_run=count(Status.NOT_RUN),
        report=f"{job.name}/{REPORT_NAME}",
    )


# ---------------------------------------------------------------- the run

def _ignore_sigint():
    # Ctrl-C goes to the whole process group: only the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# A local pool's worker process checks one submission at a time, in its main thread; the executor
# has no object of its own to keep the worker's RunContext on, so its initializer keeps it in a
# thread-local (seen by that thread alone, made fresh in each spawned worker of each run).
_pool_worker = threading.local()


def _start_pool_worker():
    _ignore_sigint()
    _pool_worker.run = RunContext()


def _check_in_pool(check_one: partial, job: Job) -> Outcome:
    return check_one(job, run=_pool_worker.run)


class StopRequest:
    """Ctrl-C during a run. The first sets `requested` (no exception, so it cannot be swallowed
    by a library callback in the middle of a read); the second raises KeyboardInterrupt to abort
    the running checks. Any press after that, or once the checks are over (`finishing`), is
    ignored: what remains is stopping workers and writing the summary, which must not be cut short."""

    def __init__(self):
        self.requested = False
        self.finishing = False

    def _handler(self, _signum, _frame):
        if self.finishing:
            return
        if self.requested:
            self.finishing = True  # one abort; its clean-up runs to the end
            raise KeyboardInterrupt
        self.requested = True
        try:
            os.write(2, "geocheck: stopping after the running checks (Ctrl-C again to abort them)\n".encode())
        except OSError:
            pass

    @contextmanager
    def installed(self) -> Iterator["StopRequest"]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            # Asked to stop: a further Ctrl-C while the process winds down must not cut it short.
            signal.signal(signal.SIGINT, signal.SIG_IGN if self.requested else previous)


@contextmanager
def output_lock(out_dir: Path) -> Iterator[str]:
    """Hold an exclusive lock on the output folder for the run (released by the kernel if the
    process dies); yields this run's id."""
    path = out_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise output_error(exc, path) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            who = f" (pid {holder[0]})" if holder else ""
            raise OutputError(f"another geocheck batch{who} is writing to this folder; wait for it to end "
                              "or choose another --out", out_dir) from None
        run_id = uuid.uuid4().hex
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {run_id}\n".encode(), 0)
        except OSError:
            pass  # the lock holds without its note
        yield run_id
    finally:
        os.close(fd)


def _reserve(out_dir: Path, n: int) -> Path:
    path = out_dir / RESERVE_NAME
    size = min(RESERVE_BASE + RESERVE_PER_JOB * n, RESERVE_MAX)
    try:
        with open(path, "wb") as fh:
            try:
                os.posix_fallocate(fh.fileno(), 0, size)
            except (AttributeError, OSError) as exc:
                if isinstance(exc, OSError) and exc.errno not in (errno.EOPNOTSUPP, None):  # unsupported: write
                    raise
                fh.write(b"\0" * size)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise OutputError(f"cannot be written ({disk_problem(out_dir, exc) or os.strerror(exc.errno or 0)}); "
                          "nothing was checked", out_dir) from None
    return path


def run_batch(
    jobs: list[Job],
    out_dir: str | Path,
    options: CheckOptions,
    report_options: ReportOptions = ReportOptions(),
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    on_result: Callable[[Outcome, int, int], None] | None = None,
) -> BatchSummary:
    """Check every job with `options` (each with its manifest row's over them); write per-submission
    folders (report.json and `report_options`' files) and the batch summary in out_dir."""
    from .summary import write_summary

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, out_dir) from None
    done: dict[str, Outcome] = {}
    total = len(jobs)

    def record(outcome: Outcome):
        if outcome.name not in done:
            done[outcome.name] = outcome
            if on_result:
                on_result(outcome, len(done), total)

    with output_lock(out_dir) as run_id:
        remove_stale_temporaries(out_dir)  # what a killed run left; the lock says none is running
        reserve = _reserve(out_dir, total)
        stop = StopRequest()
        interrupted, stopped = False, None
        with stop.installed():  # also while the summary is written: a first Ctrl-C cannot cut it short
            try:
                # check_job with everything but the job (picklable: it travels to the workers)
                check_one = partial(check_job, options=options, report_options=report_options, out_dir=str(out_dir),
                                    force=force, context=context_digest(options, report_options))
                if scheduler:
                    _run_on_dask(jobs, check_one, scheduler, record, stop)
                elif (workers or 1) <= 1 or total <= 1:
                    with RunContext() as run:
                        for job in jobs:
                            if stop.requested:
                                break
                            record(check_one(job, run=run))
                else:
                    _run_in_processes(jobs, check_one, workers, record, stop)
            except KeyboardInterrupt:
                interrupted = True
            except OutputError as exc:
                stopped = str(exc)
            stop.finishing = True  # the checks are over: nothing left for a Ctrl-C to abort
            interrupted = interrupted or stop.requested
            reserve.unlink(missing_ok=True)
            if not scheduler:  # local workers are gone: what an aborted one was writing is garbage
                remove_stale_temporaries(out_dir)
            outcomes = [done[j.name] for j in jobs if j.name in done]
            summary = BatchSummary(outcomes, [j for j in jobs if j.name not in done], interrupted, stopped, run_id)
            try:
                write_summary(out_dir, summary)
            except OutputError as exc:
                summary.summary_error = str(exc)
    return summary


WORKER_DIED = ("the worker process checking it died (out of memory, or a crash inside a library); "
               "checked again alone, it died again")


def _run_in_processes(jobs, check_one: partial, workers, record, stop: StopRequest):
    """Check jobs in a pool of worker processes. A worker that dies (killed, out of memory, a
    crash in GDAL) breaks the pool: the submissions it may have held are checked again one by
    one in a pool of their own, so only one that kills its worker alone becomes an error row;
    the others run on in a new pool."""
    waiting = deque(jobs)
    while waiting and not stop.requested:
        suspects = _run_pool(waiting, min(workers, len(waiting)), check_one, record, stop)
        for job in suspects:
            if stop.requested:
                break
            if _run_pool(deque([job]), 1, check_one, record, stop):
                record(_died(job, check_one.keywords["options"], check_one.keywords["out_dir"]))


def _died(job: Job, options: CheckOptions, out_dir) -> Outcome:
    report = Report.failed(__version__, job.path, WORKER_DIED)
    folder = Path(out_dir) / job.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, folder) from None
    write_atomic(folder / REPORT_NAME, to_json(report))
    return outcome_from_report(job, report.to_dict(), options)


def _run_pool(waiting: deque, workers, check_one: partial, record, stop: StopRequest) -> list[Job]:
    """Run jobs from `waiting` until it is empty or a stop; each worker has one submission running
    and at most one waiting, so a stop never has to cancel queued work (the executor cannot
    cancel it cleanly once a worker is terminated). Returns the jobs in flight when a worker
    died (the pool is then broken), else []."""
    ctx = multiprocessing.get_context("spawn")  # GDAL and threads do not survive fork reliably
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_start_pool_worker)
    in_flight: dict = {}
    failure: BaseException | None = None
    suspects: list[Job] = []

    def feed():
        while not stop.requested and failure is None and not suspects and waiting and len(in_flight) <= workers:
            job = waiting.popleft()
            in_flight[pool.submit(_check_in_pool, check_one, job)] = job

    # Workers are spawned by the first submissions; ignoring SIGINT meanwhile makes them start
    # with it ignored, so a Ctrl-C during their start-up cannot kill them before the initializer runs.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        feed()
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    try:
        while in_flight:
            finished, _ = cf.wait(in_flight, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: in_flight[f].name):
                job = in_flight.pop(fut)
                exc = fut.exception()
                if exc is None:
                    record(fut.result())
                elif isinstance(exc, cf.process.BrokenProcessPool):
                    suspects.append(job)
                elif failure is None:
                    failure = exc
            feed()
    except KeyboardInterrupt:
        # Second Ctrl-C: keep what finished, stop the running checks now.
        for fut in in_flight:
            if fut.done() and fut.exception() is None:
                record(fut.result())
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)
    if failure is not None:
        raise failure  # an OutputError (the disk), or a bug
    return sorted(suspects, key=lambda j: j.name)


def _run_on_dask(jobs, check_one: partial, address, record, stop: StopRequest):
    try:
        from distributed import Client, wait
    except ImportError:
        raise GeocheckError("--scheduler needs the Dask extra: pip install 'geocheck[dask]'") from None
    try:
        client = Client(address)  # connect timeout: dask config distributed.comm.timeouts.connect
    except (OSError, TimeoutError) as exc:
        raise GeocheckError(f"cannot reach Dask scheduler {address} ({exc})") from None
    from .dask_worker import RunPlugin, check_on_worker

    plugin = RunPlugin(f"geocheck-run-{uuid.uuid4().hex}")  # each worker's RunContext, for this run only
    with client:
        client.register_plugin(plugin)
        futures = client.map(check_on_worker, jobs, check_one=check_one, plugin=plugin.name, pure=False,
                             key=[f"geocheck-{j.name}" for j in jobs])
        pending, failure = set(futures), None
        try:
            while pending:
                if stop.requested or failure is not None:
                    client.cancel(list(pending))
                    break
                try:
                    finished, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    continue
                for fut in finished:
                    if fut.status == "finished":
                        record(fut.result())
                    elif fut.status == "error" and failure is None:
                        failure = fut.exception()
        except KeyboardInterrupt:
            client.cancel(list(pending))
            raise
        finally:
            client.unregister_worker_plugin(plugin.name)  # closes the reference layers the workers opened
        if isinstance(failure, BaseException):
            raise failure
