"""The HTML report: one self-contained file (CSS and PNG maps inline, no external URL),
readable offline and printable to PDF. Rendered by jinja2 with autoescape on, so text from
the submission (layer, attribute and file names) can never become markup.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import jinja2

from ..findings import Report
from .maps import MAX_CLOSEUPS, closeup_png, conflicts, overview_png
from .view import report_view

TEMPLATES = Path(__file__).resolve().parent / "templates"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every {{ value }} is HTML-escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: Report, *, lang: str = "zh", generated: datetime | None = None) -> str:
    """The report as one HTML document in `lang` ('zh' or 'en')."""
    view = report_view(report, lang)
    overview = None
    if report.error is None and report.geometries:
        overview = png_data_uri(overview_png(report, lang))
        for row, conflict in zip(view["conflicts"][:MAX_CLOSEUPS], conflicts(report)):
            row["image"] = png_data_uri(closeup_png(report, conflict, lang))
    for row in view["conflicts"][MAX_CLOSEUPS:]:
        row["image"] = None
    when = (generated or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %z")
    return _ENV.get_template("report.html.j2").render(
        v=view, w=view["w"], overview=overview, generated=when,
        more_conflicts=max(0, len(view["conflicts"]) - MAX_CLOSEUPS) if overview else 0,
    )
