"""geocheck batch DIR|manifest.csv --out DIR"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import click

from ..batch import discover, run_batch
from ..errors import InputError
from ..findings import Verdict
from ..inputs.formats import describe as formats_text
from ..options import MANIFEST_COLUMNS, ReportOptions, options_from, validate
from ..printable import printable
from ..report.atomic import OutputError
from ..report.formats import BATCH_REPORT, FILE_FORMAT, REPORT_FORMATS
from ..references import ReferenceSet
from . import cli, debug_option
from .options import check_options, config_option, lang_option, settings

FORMAT_HELP = (f"Report formats per submission besides {BATCH_REPORT} (repeatable; default: {FILE_FORMAT}): "
               + ", ".join(f"{f.name} → {f.batch_file}" for f in REPORT_FORMATS if f.batch_file != BATCH_REPORT)
               + ".")


BATCH_HELP = f"""Check every submission below a folder, or those listed in a manifest CSV.

A manifest has a `path` column and optionally `name` and any of these, which set that option
for the row's submission: {", ".join(MANIFEST_COLUMNS)}. Reference layers are opened once per worker.

Exit codes: the most serious verdict's: 2 some could not be checked (or the run was interrupted
or stopped), else 1 some non-compliant, else 3 some incomplete, else 0 (docs/verdicts.md).
"""


@cli.command("batch", help=BATCH_HELP)
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for one report folder per submission and the summary (CSV, JSON, index.html).")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), default=None,
              help="Parallel worker processes (default: number of cores).")
@check_options
@config_option
@click.option("--exclude", multiple=True, type=click.Path(path_type=Path),
              help="Skip this file or folder (repeatable); the output folder is always skipped.")
@click.option("-f", "--format", "formats", multiple=True, type=click.Choice([f.name for f in REPORT_FORMATS]),
              help=FORMAT_HELP)
@click.option("--findings/--no-findings", default=True, show_default=True,
              help="Write findings.gpkg (conflict geometries styled for QGIS) per submission.")
@lang_option
@click.option("--force", is_flag=True, help="Re-check submissions whose report is up to date.")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask distributed scheduler (geocheck[dask]).")
@debug_option
def batch_command(source, out_dir, workers, config_path, exclude, formats, findings, lang, force, scheduler,
                  **values):
    """Check every submission below a folder, or those listed in a manifest CSV (BATCH_HELP)."""
    config = settings(config_path, [source] if source.is_dir() else [])
    options = options_from(values, config)
    validate(options)  # a typo that would fail every submission stops the run here
    report_options = ReportOptions(formats=tuple(f for f in formats if f != "json") if formats else (FILE_FORMAT,),
                                   findings=findings, lang=lang)
    specs = options.references
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("is not a folder; --out names the folder for the reports", out_dir)
    with ReferenceSet.open(specs):  # a bad reference source stops the run here, not once per town
        pass
    # Reference layers inside the round's folder are not submissions.
    jobs = discover(source, exclude=[out_dir, *exclude, *(s.source for s in specs)])
    if not jobs:
        raise InputError(f"holds no submission (no {formats_text()})", source)
    workers = workers or os.cpu_count() or 1
    tty = sys.stdout.isatty()

    if tty:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        task = progress.add_task("geocheck batch", total=len(jobs))

        def on_result(outcome, k, n):
            progress.update(task, completed=k, description=printable(f"{outcome.name}: {outcome.verdict}"))
    else:
        progress = None

        def on_result(outcome, k, n):
            reason = f" ({outcome.error})" if outcome.error else ""
            cached = " [unchanged]" if outcome.reused else ""
            click.echo(printable(f"[{k}/{n}] {outcome.name}: {outcome.verdict}{cached}{reason}"))

    if progress:
        progress.start()
    try:
        summary = run_batch(jobs, out_dir, options, report_options, workers=workers, scheduler=scheduler,
                            force=force, on_result=on_result)
    finally:
        if progress:
            progress.stop()
    counts = Counter(o.verdict for o in summary.outcomes)
    line = f"{len(jobs)} submissions: " + ", ".join(f"{counts[v.value]} {v.title_en.lower()}" for v in reversed(Verdict))
    if summary.not_checked:
        why = "stopped" if summary.stopped else "interrupted"
        line += f", {len(summary.not_checked)} not checked ({why})"
    where = "summary could not be written" if summary.summary_error else f"summary in {out_dir / 'summary.csv'}"
    click.echo(printable(f"{line}; {where}"))
    if summary.stopped or summary.summary_error:
        # The disk, not a submission, stopped the run: say so in one line on stderr.
        raise OutputError(f"{summary.stopped or summary.summary_error}; {len(summary.outcomes)} of {len(jobs)} "
                          f"submissions written, {where}")
    sys.exit(summary.exit_code)
