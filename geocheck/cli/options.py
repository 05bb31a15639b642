"""Options shared by `geocheck check` and `geocheck batch`, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Config, discover_config
from ..report.i18n import LANGS

profile_option = click.option(
    "-p", "--profile", help="Rules profile: a bundled name (see `geocheck profiles`) or a .toml path.")
crs_option = click.option(
    "--crs", metavar="EPSG:XXXX", help="Metric CRS to measure in (default: the town's CGCS2000 3° GK zone).")
assume_crs_option = click.option(
    "--assume-crs", metavar="EPSG:XXXX", help="CRS for layers that carry none (missing .prj).")
reference_option = click.option(
    "--reference", "references", multiple=True, metavar="KIND=SOURCE[:LAYER]",
    help="Reference layer for the 4xx rules, repeatable: KIND is ecological_red_line, basic_farmland, "
         "urban_development_boundary, heritage_protection_range, heritage_control_zone or heritage_points; "
         "SOURCE a vector file[:LAYER], a GeoTIFF mask, or postgresql://…#schema.table (see docs/references.md).")
reference_crs_option = click.option(
    "--reference-crs", "reference_crs", multiple=True, metavar="KIND=EPSG:XXXX",
    help="CRS of a reference source that carries none (a CAD drawing) or a wrong one, repeatable.")
snap_tolerance_option = click.option(
    "--snap-tolerance", type=float, metavar="METRES",
    help="CAD drawings: join line ends and close polylines whose ends are this close (default: the "
         "profile's cad_snap_tolerance_m, else 1 m from rules/cad.json); every join is a note.")
config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path),
    help="Config file (default: $GEOCHECK_CONFIG, else the nearest geocheck.toml or [tool.geocheck] in "
         "pyproject.toml from the working directory up, never one inside the submission).")
town_type_option = click.option(
    "--town-type", metavar="TYPE",
    help="Kind of town (cultural-tourism, sports, agricultural, integrated, industrial, technology, commerce); "
         "a profile may raise or waive a limit for it, quoting its source.")
allow_crs_distortion_option = click.option(
    "--allow-crs-distortion", is_flag=True,
    help="Measure in a --crs whose areas differ from the geodesic ones by more than the profile allows "
         "(refused otherwise); the report says so.")
lang_option = click.option(
    "--lang", type=click.Choice(LANGS), default="zh", show_default=True,
    help="Language of the HTML and Markdown reports.")


def settings(config_path: Path | None, submissions=()) -> Config:
    """The config for this run, found the one documented way (geocheck.config)."""
    return discover_config(config_path, submissions)
