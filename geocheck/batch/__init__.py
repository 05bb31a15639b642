"""Batch runs: many submissions, one report folder each, one summary.

    from geocheck.options import CheckOptions, ReportOptions
    jobs = discover("round-2026/")              # or a manifest.csv (its columns: per-submission options)
    summary = run_batch(jobs, "out/", CheckOptions(profile="zhejiang-2015"), ReportOptions(formats=("html",)),
                        workers=4)

discover   folder walk (by the format registry) or manifest → Jobs with safe folder names
fingerprint what a re-run compares: submission files, profile, config, reference sources
run        one submission (check_job) and many (processes, Dask), lock, Ctrl-C, full disks
context    RunContext: what a worker keeps across its jobs (reference layers opened once)
summary    summary.csv / summary.json / index.html

A broken submission becomes an `error` row with its one-line reason; the others still run.
Reports are written atomically, so an interrupted batch leaves only whole reports, and a
re-run skips submissions whose inputs, profile and options have not changed since their report.
"""

from .discover import Job, discover, folder_name
from .fingerprint import context_digest, job_fingerprint
from .context import RunContext
from .run import (FINGERPRINT_NAME, REPORT_NAME, BatchSummary, Outcome, check_job, outcome_from_report, run_batch)
from .summary import MEASURE_COLUMNS, summary_rows, write_summary

__all__ = ["Job", "discover", "folder_name", "context_digest", "job_fingerprint", "FINGERPRINT_NAME",
           "REPORT_NAME", "BatchSummary", "Outcome", "check_job", "outcome_from_report", "run_batch",
           "MEASURE_COLUMNS", "summary_rows", "write_summary", "RunContext"]
