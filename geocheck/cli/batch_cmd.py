"""geocheck batch DIR|manifest.csv --out DIR"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import click

from ..batch import CheckOptions, discover, run_batch
from ..errors import InputError
from ..findings import Verdict
from ..inputs.formats import describe as formats_text
from ..printable import printable
from ..report.atomic import OutputError
from ..references import ReferenceSet, collect_specs
from . import cli, debug_option
from ..profile import check_town_type
from .options import (allow_crs_distortion_option, assume_crs_option, config_option, crs_option, lang_option,
                      profile_option, reference_option, settings, town_type_option)


@cli.command("batch")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for one report folder per submission and the summary (CSV, JSON, index.html).")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), default=None,
              help="Parallel worker processes (default: number of cores).")
@profile_option
@town_type_option
@crs_option
@allow_crs_distortion_option
@assume_crs_option
@click.option("--exclude", multiple=True, type=click.Path(path_type=Path),
              help="Skip this file or folder (repeatable); the output folder is always skipped.")
@reference_option
@click.option("-f", "--format", "formats", multiple=True, type=click.Choice(["html", "markdown", "text", "docx"]),
              help="Report formats per submission besides report.json (repeatable; default: html; "
                   "docx: the 初审意见 draft as opinion.docx).")
@click.option("--findings/--no-findings", default=True, show_default=True,
              help="Write findings.gpkg (conflict geometries styled for QGIS) per submission.")
@lang_option
@click.option("--force", is_flag=True, help="Re-check submissions whose report is up to date.")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask distributed scheduler (geocheck[dask]).")
@config_option
@debug_option
def batch_command(source, out_dir, workers, profile, town_type, crs, allow_crs_distortion, assume_crs, exclude, references, formats, findings, lang,
                  force, scheduler, config_path):
    """Check every submission below a folder, or those listed in a manifest CSV (path, name, profile).

    A manifest row's profile overrides --profile; reference layers are opened once per worker.

    Exit codes: the most serious verdict's: 2 some could not be checked (or the run was interrupted
    or stopped), else 1 some non-compliant, else 3 some incomplete, else 0 (docs/verdicts.md).
    """
    config = settings(config_path, [source] if source.is_dir() else [])
    options = CheckOptions(
        profile=profile or config.profile,
        crs=crs or config.crs,
        assume_crs=assume_crs or config.assume_crs,
        roles=tuple(sorted(config.roles.items())),
        fields=tuple(sorted(config.fields.items())),
        references=tuple(specs := collect_specs(references, config)),
        formats=("json", *(formats or ("html",))),
        findings=findings,
        lang=lang,
        town_type=town_type or config.town_type,
        allow_crs_distortion=allow_crs_distortion,
        config=config,
    )
    check_town_type(options.town_type)
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
        summary = run_batch(jobs, out_dir, options, workers=workers, scheduler=scheduler, force=force,
                            on_result=on_result)
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
