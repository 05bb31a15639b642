"""Report writers: one module per format, each turning a Report into text."""

from .atomic import write_atomic
from .json_report import to_json
from .text import render_text

__all__ = ["write_atomic", "to_json", "render_text"]
