"""The HTML report: one self-contained file (CSS, the SVG map and its small script inline, no
external URL), readable offline and printable to PDF. Rendered by jinja2 with autoescape on,
so text from the submission (layer, attribute and file names) can never become markup; a
Content-Security-Policy allows only the report's own script (by hash) and no request at all.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..findings import Report
from .i18n import local_time
from .svgmap import render_map
from .view import report_view

TEMPLATES = Path(__file__).resolve().parent / "templates"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every {{ value }} is HTML-escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=1)
def map_script() -> tuple[str, str]:
    """(the map's script, its CSP hash source)."""
    js = (TEMPLATES / "map.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return js, f"'sha256-{digest}'"


def render_html(report: Report, *, lang: str = "zh", generated: datetime | None = None) -> str:
    """The report as one HTML document in `lang` ('zh' or 'en')."""
    view = report_view(report, lang)
    smap = render_map(report, lang) if report.error is None and report.geometries else None
    js, js_hash = map_script()
    return _ENV.get_template("report.html.j2").render(
        v=view, w=view["w"], generated=local_time(generated),
        map_svg=Markup(smap.svg) if smap else None,  # built with every text escaped (svgmap.py)
        legend=[dict(e, swatch=Markup(e["swatch"])) for e in smap.legend] if smap else [],
        script=Markup(js) if smap else None, script_hash=Markup(js_hash),  # base64 and quotes only
    )
