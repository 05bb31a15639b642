"""The `geocheck` command: a click group over the library, one module per subcommand.

Errors the user can fix (GeocheckError) become one line and exit code 2; so does anything
unexpected, unless --debug asks for the traceback.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import GeocheckError
from ..printable import printable


class UsageProblem(click.ClickException):
    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        # One line whatever the message holds: names from inputs may carry newlines or escapes.
        click.echo(f"geocheck: error: {printable(self.format_message())}", err=True, file=file)


class GeocheckGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GeocheckError as exc:
            if ctx.meta.get("geocheck.debug"):
                raise
            raise UsageProblem(str(exc)) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            _reader_went_away()
        except KeyboardInterrupt:
            click.echo("geocheck: interrupted", err=True)
            sys.exit(130)  # 128 + SIGINT, as a shell reports it; never 1 (non-compliant)
        except Exception as exc:  # anything else is a bug: still one line unless --debug
            if ctx.meta.get("geocheck.debug"):
                raise
            raise UsageProblem(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)"
            ) from None


def set_debug(ctx, _param, value):
    if value:
        ctx.meta["geocheck.debug"] = True
    return value


debug_option = click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=set_debug,
                            help="Show Python tracebacks instead of one-line errors.")


@click.group(cls=GeocheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geocheck")
@debug_option
def cli():
    """Check 特色小镇 (featured town) planning boundaries against policy rules.

    Exit codes: 0 compliant, 1 non-compliant, 2 could not check, 3 incomplete (docs/verdicts.md).
    """


from . import batch_cmd, capabilities_cmd, check_cmd, rules_cmd  # noqa: E402,F401  (subcommands register themselves)


def main():
    cli(prog_name="geocheck")


def _reader_went_away() -> None:
    """`geocheck profiles | head`: the reader closed the pipe. Not geocheck's error: stop quietly,
    stdout pointed at /dev/null so the interpreter's final flush cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(141)  # 128 + SIGPIPE, what a shell shows for a writer ended by a broken pipe
