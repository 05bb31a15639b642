"""Report writers: one module per format, each turning a Report into text, bytes or a file.

The HTML, Markdown, Word and GeoPackage writers (jinja2, python-docx, geopandas) load on
first use, so code that only writes text or JSON (batch workers) starts fast.
"""

from importlib import import_module

from .atomic import atomic_path, write_atomic
from .json_report import to_json
from .text import render_text

FORMATS = ("text", "json", "html", "markdown", "docx")
BINARY_FORMATS = ("docx",)  # render_report returns bytes for these
_LAZY = {"render_html": ".html", "render_markdown": ".markdown", "render_docx": ".docx_opinion",
         "write_findings_gpkg": ".findings_gpkg"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_report(report, fmt: str, *, lang: str = "zh", color: bool | None = None, quiet: bool = False,
                  width: int | None = None) -> str | bytes:
    """The report in one of FORMATS (`lang` for html, markdown and docx; `color`, `quiet` and
    `width` for text). docx gives bytes, the others text."""
    if fmt == "json":
        return to_json(report)
    if fmt in ("html", "markdown", "docx"):
        return __getattr__(f"render_{fmt}")(report, lang=lang)
    return render_text(report, color=color, quiet=quiet, width=width)


__all__ = ["FORMATS", "BINARY_FORMATS", "atomic_path", "write_atomic", "to_json", "render_text", "render_report",
           *_LAZY]
