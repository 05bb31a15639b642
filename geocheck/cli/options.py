"""Options shared by the commands, defined once: the check options come from the one table,
geocheck.options.OPTIONS, which `check` and `batch` both apply with check_options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config import Config, discover_config
from ..options import OPTIONS, Option
from ..report.i18n import LANGS

config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path),
    help="Config file (default: $GEOCHECK_CONFIG, else the nearest geocheck.toml or [tool.geocheck] in "
         "pyproject.toml from the working directory up, never one inside the submission).")
lang_option = click.option(
    "--lang", type=click.Choice(LANGS), default="zh", show_default=True,
    help="Language of the HTML, Markdown and Word reports.")


# click's settings for each kind of option in the table (text: a plain value)
CLICK_KINDS: dict[str, dict[str, Any]] = {"text": {}, "flag": {"is_flag": True}, "number": {"type": float},
                                          "pairs": {"multiple": True}, "repeat": {"multiple": True}}


def _click_option(opt: Option):
    return click.option(*opt.flags, opt.name, metavar=opt.metavar, help=opt.help, **CLICK_KINDS[opt.kind])


def check_options(command):
    """Every check option (geocheck.options.OPTIONS), in the table's order; the command takes
    them as keyword arguments named after the options and passes them to options_from."""
    for opt in reversed(OPTIONS):
        command = _click_option(opt)(command)
    return command


def settings(config_path: Path | None, submissions=()) -> Config:
    """The config for this run, found the one documented way (geocheck.config)."""
    return discover_config(config_path, submissions)
