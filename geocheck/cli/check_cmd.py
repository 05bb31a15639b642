"""geocheck check SUBMISSION"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..api import check
from ..errors import GeocheckError
from ..options import options_from
from ..printable import printable
from ..report import render_report, write_atomic, write_findings_gpkg
from ..report.atomic import OutputError, check_output, is_stdout
from ..report.formats import BY_NAME as FORMATS, TERMINAL_FORMAT
from . import cli, debug_option
from .options import check_options, config_option, lang_option, settings

FORMAT_HELP = ("Report format: " + ", ".join(f.name if f.title.lower() == f.name else f"{f.name} ({f.title})"
                                             for f in FORMATS.values())
               + "; " + ", ".join(f.name for f in FORMATS.values() if not f.stdout) + " only to a file (-o).")


@cli.command("check")
@click.argument("submission", type=click.Path(path_type=Path, readable=False))  # geocheck says why, in one line
@check_options
@config_option
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default=TERMINAL_FORMAT,
              show_default=True, help=FORMAT_HELP)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the report to FILE (atomically; `-` for standard output).")
@click.option("-q", "--quiet", is_flag=True, help="Text format: one line, the verdict and the counts.")
@lang_option
@click.option("--findings", type=click.Path(path_type=Path), metavar="OUT.gpkg",
              help="Also write the findings' geometries, styled for QGIS, to a GeoPackage (atomically).")
@debug_option
def check_command(submission, config_path, fmt, output, quiet, lang, findings, **values):
    """Check one submission: a GeoPackage, a folder or .zip of Shapefiles, or another vector file.

    Exit codes: 0 compliant, 1 non-compliant, 2 could not check, 3 incomplete (docs/verdicts.md).
    """
    if not FORMATS[fmt].stdout and not output:
        raise GeocheckError(f"--format {fmt} writes a file: give -o FILE{FORMATS[fmt].suffixes[0]}")
    config = settings(config_path, [submission])
    options = options_from(values, config)
    inputs = [submission, *(s.source for s in options.references if not s.is_postgis)]
    for target, what in ((output, "--output"), (findings, "--findings")):
        if target is not None:
            check_output(target, inputs, what, file_only=target is findings)
    if output and findings and os.path.realpath(output) == os.path.realpath(findings):
        raise OutputError("--output and --findings name the same file", output)
    report = check(submission, options)
    to_stdout = output is None or is_stdout(output)
    rendered = render_report(report, fmt, lang=lang, color=output is None and sys.stdout.isatty(), quiet=quiet)
    if findings:
        write_findings_gpkg(report, findings)
        click.echo(printable(f"findings written to {findings}"), err=to_stdout)
    if output:
        write_atomic(output, rendered)  # `-` and /dev/stdout: standard output
        if not to_stdout:
            click.echo(printable(f"{report.verdict.value}: report written to {output}"))
    else:
        click.echo(rendered, nl=False)
    sys.exit(report.exit_code)
