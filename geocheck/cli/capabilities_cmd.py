"""geocheck capabilities [--format json]"""

from __future__ import annotations

import json

import click

from ..capabilities import capabilities, render_text
from . import cli


@cli.command("capabilities")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text to read, json for programs (docs/capabilities.md describes it).")
def capabilities_command(fmt):
    """What this geocheck reads, checks and writes: version, input formats, roles, reference kinds,
    report formats, profiles, town types, verdicts and exit codes, languages, check options."""
    caps = capabilities()
    click.echo(json.dumps(caps, ensure_ascii=False, indent=2) if fmt == "json" else render_text(caps), nl=fmt == "json")
