"""geocheck check SUBMISSION"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..api import check
from ..references import collect_specs
from ..errors import GeocheckError
from ..printable import printable
from ..report import BINARY_FORMATS, FORMATS, render_report, write_atomic, write_findings_gpkg
from ..report.atomic import OutputError, check_output, is_stdout
from . import cli, debug_option
from .options import (allow_crs_distortion_option, assume_crs_option, config_option, crs_option, lang_option,
                      profile_option, reference_crs_option, reference_option, settings, snap_tolerance_option,
                      town_type_option)


@cli.command("check")
@click.argument("submission", type=click.Path(path_type=Path, readable=False))  # geocheck says why, in one line
@profile_option
@click.option("--boundary", "boundary", metavar="LAYER", help="Layer holding the planned area (规划范围).")
@click.option("--construction", metavar="LAYER", help="Layer holding the construction zone (建设范围).")
@click.option("--core", metavar="LAYER", help="Layer holding the core area (核心区).")
@click.option("--urban-design", metavar="LAYER", help="Layer holding the urban-design area (城市设计范围).")
@town_type_option
@click.option("--parcels", metavar="LAYER", help="Layer holding the 控规 land-use parcels (地块).")
@crs_option
@allow_crs_distortion_option
@assume_crs_option
@click.option("--encoding", metavar="CODEC",
              help="Text encoding of Shapefile attributes, DXF text and zip member names, e.g. GB18030 "
                   "(default: .cpg, DBF language byte, DXF header if the bytes fit it, else detected).")
@snap_tolerance_option
@reference_option
@reference_crs_option
@config_option
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (terminal), json, html, markdown, or docx (a 初审意见 draft in Word; needs -o).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the report to FILE (atomically; `-` for standard output).")
@click.option("-q", "--quiet", is_flag=True, help="Text format: one line, the verdict and the counts.")
@lang_option
@click.option("--findings", type=click.Path(path_type=Path), metavar="OUT.gpkg",
              help="Also write the findings' geometries, styled for QGIS, to a GeoPackage (atomically).")
@debug_option
def check_command(submission, profile, boundary, construction, core, urban_design, parcels, town_type, crs,
                  allow_crs_distortion, assume_crs, encoding, snap_tolerance, config_path, fmt, output, quiet, lang,
                  findings, references, reference_crs):
    """Check one submission: a GeoPackage, a folder or .zip of Shapefiles, or another vector file.

    Exit codes: 0 compliant, 1 non-compliant, 2 could not check, 3 incomplete (docs/verdicts.md).
    """
    if fmt in BINARY_FORMATS and not output:
        raise GeocheckError(f"--format {fmt} writes a file: give -o FILE.{fmt}")
    config = settings(config_path, [submission])
    specs = collect_specs(references, config, reference_crs)
    inputs = [submission, *(s.source for s in specs if not s.is_postgis)]
    for target, what in ((output, "--output"), (findings, "--findings")):
        if target is not None:
            check_output(target, inputs, what, file_only=target is findings)
    if output and findings and os.path.realpath(output) == os.path.realpath(findings):
        raise OutputError("--output and --findings name the same file", output)
    roles = dict(config.roles)
    for role, value in (("boundary", boundary), ("construction", construction), ("core", core),
                        ("urban_design", urban_design), ("parcels", parcels)):
        if value:
            roles[role] = value
    report = check(
        submission,
        profile=profile or config.profile,
        roles=roles,
        crs=crs or config.crs,
        assume_crs=assume_crs or config.assume_crs,
        references=specs,
        encoding=encoding,
        town_type=town_type or config.town_type,
        allow_crs_distortion=allow_crs_distortion,
        config=config,
        fields=config.fields,
        snap_tolerance=snap_tolerance if snap_tolerance is not None else config.snap_tolerance_m,
    )
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
