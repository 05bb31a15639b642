"""Running command-line tools from tests: geocheck in process (click's CliRunner) or as a
process of its own, and GDAL's tools (ogr2ogr) as a user would."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from geocheck.cli import cli

# The console script as a process: exit code, stdout and stderr as a user sees them.
GEOCHECK = [sys.executable, "-c", "from geocheck.cli import main; main()"]


def invoke(*args, **kw):
    """`geocheck ARGS` in process; paths and numbers may be given as they are."""
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


def assert_one_line_error(result, *fragments):
    """Exit 2 with a single `geocheck: error:` line naming each fragment, no traceback, no bug."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:"), result.output
    assert "Traceback" not in result.output
    assert "internal error" not in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def run(argv, **kw) -> subprocess.CompletedProcess:
    """A command (ogr2ogr, …) that must succeed; its output captured as text."""
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, text=True, **kw)
