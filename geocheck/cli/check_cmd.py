"""geocheck check SUBMISSION"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..api import check
from ..config import find_config, load_config
from ..report import render_text, to_json, write_atomic
from . import cli, debug_option


@cli.command("check")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("-p", "--profile", help="Rules profile: a bundled name (see `geocheck profiles`) or a .toml path.")
@click.option("--boundary", "boundary", metavar="LAYER", help="Layer holding the planned area (规划范围).")
@click.option("--construction", metavar="LAYER", help="Layer holding the construction zone (建设范围).")
@click.option("--core", metavar="LAYER", help="Layer holding the core area (核心区).")
@click.option("--urban-design", metavar="LAYER", help="Layer holding the urban-design area (城市设计范围).")
@click.option("--crs", metavar="EPSG:XXXX", help="Metric CRS to measure in (default: the town's CGCS2000 3° GK zone).")
@click.option("--assume-crs", metavar="EPSG:XXXX", help="CRS for layers that carry none (missing .prj).")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Config file (default: nearest geocheck.toml or [tool.geocheck] in pyproject.toml).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report to FILE (atomically).")
@debug_option
def check_command(submission, profile, boundary, construction, core, urban_design, crs, assume_crs,
                  config_path, fmt, output):
    """Check one submission: a GeoPackage, a folder or .zip of Shapefiles, or another vector file."""
    config = load_config(config_path) if config_path else find_config()
    roles = dict(config.roles)
    for role, value in (("boundary", boundary), ("construction", construction), ("core", core),
                        ("urban_design", urban_design)):
        if value:
            roles[role] = value
    report = check(
        submission,
        profile=profile or config.profile,
        roles=roles,
        crs=crs or config.crs,
        assume_crs=assume_crs or config.assume_crs,
    )
    if fmt == "json":
        rendered = to_json(report)
    else:
        rendered = render_text(report, color=output is None and sys.stdout.isatty())
    if output:
        write_atomic(output, rendered)
        click.echo(f"{report.verdict.value}: report written to {output}")
    else:
        click.echo(rendered, nl=False)
    sys.exit(report.exit_code)
