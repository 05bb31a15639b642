"""Report writers: one module per format (listed in formats.REPORT_FORMATS), each turning a
Report into text, bytes or a file.

Writers load on first use, so code that only writes text or JSON (batch workers) does not
import jinja2, python-docx or geopandas' writers.
"""

from importlib import import_module

from .atomic import atomic_path, write_atomic
from .formats import BY_NAME, REPORT_FORMATS

# writer function → its module: the formats' writers and the findings GeoPackage's
_LAZY = {f.writer: f.module for f in REPORT_FORMATS} | {"write_findings_gpkg": ".findings_gpkg"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_report(report, fmt: str, *, lang: str = "zh", color: bool | None = None, quiet: bool = False,
                  width: int | None = None) -> str | bytes:
    """The report in one of REPORT_FORMATS, given the render options its writer takes (`lang` for
    html, markdown and docx; `color`, `quiet` and `width` for text). Binary formats give bytes."""
    f = BY_NAME[fmt]
    given = {"lang": lang, "color": color, "quiet": quiet, "width": width}
    return __getattr__(f.writer)(report, **{k: given[k] for k in f.takes})


__all__ = ["REPORT_FORMATS", "atomic_path", "write_atomic", "render_report", *_LAZY]
