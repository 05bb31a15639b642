"""Report writers: one module per format, each turning a Report into text (or a file).

The HTML, Markdown and GeoPackage writers (matplotlib, jinja2) load on first use, so code
that only writes text or JSON (batch workers) starts fast.
"""

from importlib import import_module

from .atomic import atomic_path, write_atomic
from .json_report import to_json
from .text import render_text

FORMATS = ("text", "json", "html", "markdown")
_LAZY = {"render_html": ".html", "render_markdown": ".markdown", "write_findings_gpkg": ".findings_gpkg"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_report(report, fmt: str, *, lang: str = "zh", color: bool | None = None) -> str:
    """The report in one of FORMATS (`lang` for html and markdown, `color` for text)."""
    if fmt == "json":
        return to_json(report)
    if fmt in ("html", "markdown"):
        return __getattr__(f"render_{fmt}")(report, lang=lang)
    return render_text(report, color=color)


__all__ = ["FORMATS", "atomic_path", "write_atomic", "to_json", "render_text", "render_report", *_LAZY]
