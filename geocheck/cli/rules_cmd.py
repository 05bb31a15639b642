"""geocheck rules / profiles / explain: what is checked, with which thresholds, and why."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from ..checks import REGISTRY
from ..errors import GeocheckError
from ..profile import bundled_profiles, load_profile
from . import cli
from .options import config_option, settings as run_settings


def _console() -> Console:
    """A terminal console whose closed pipe (`geocheck rules | head`) stops geocheck like any
    other command does (exit 141, nothing on stderr), not rich's own exit 1."""
    return _PipeConsole(highlight=False)


class _PipeConsole(Console):
    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def _settings_text(settings: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items() if k not in ("source", "note"))


@cli.command("rules")
@click.option("-p", "--profile", default=None,
              help="Profile whose thresholds to show (default: the config's profile, else generic).")
@config_option
def rules_command(profile, config_path):
    """List rule codes, titles and the active profile's thresholds."""
    config = run_settings(config_path)
    prof = load_profile(profile or config.profile)
    console = _console()
    table = Table(title=f"{prof.name}: {prof.title_zh} / {prof.title_en}", show_lines=True, title_justify="left")
    for col in ("code", "标题 title", "阈值 thresholds (this profile)", "依据 source"):
        table.add_column(col, overflow="fold")
    for code, rule in sorted(REGISTRY.items()):
        settings = prof.rules.get(code)
        table.add_row(code, f"{rule.title_zh}\n{rule.title_en}",
                      _settings_text(settings) if settings else "— not used by this profile",
                      settings["source"] if settings else "")
    console.print(table)
    console.print(f"profile source: {prof.source}")
    console.print(f"profile file: {prof.path} (sha256 {prof.sha256[:12]}…); config: {config.path or 'none'}")


@cli.command("profiles")
def profiles_command():
    """List the bundled rules profiles."""
    for name, path in sorted(bundled_profiles().items()):
        prof = load_profile(path)
        click.echo(f"{name:16} {prof.title_zh} / {prof.title_en}")


@cli.command("explain")
@click.argument("code")
def explain_command(code):
    """Print a rule's documentation and the thresholds each bundled profile sets for it."""
    rule = REGISTRY.get(code.upper())
    if rule is None:
        raise GeocheckError(f"unknown rule code '{code}'; known: {', '.join(sorted(REGISTRY))}")
    console = _console()
    console.print(f"[bold]{rule.code} {rule.title_zh} — {rule.title_en}[/bold]")
    console.print(Markdown(rule.doc))
    for name, path in sorted(bundled_profiles().items()):
        settings = load_profile(path).rules.get(rule.code)
        if settings:
            console.print(f"• {name}: {_settings_text(settings)} — {settings['source']}")
