"""The report formats: one list, read by `check -f`, `batch -f`, `capabilities` and the QGIS plugin.

Adding a format is one row here and a writer module in geocheck/report/.

    >>> [f.name for f in REPORT_FORMATS if f.binary]
    ['docx']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportFormat:
    name: str  # the -f value
    title: str  # for file dialogs and listings
    suffixes: tuple[str, ...]  # a report file with one of these is of this format; the first names new files
    batch_file: str  # the file a batch writes per submission
    binary: bool  # the writer returns bytes, not text
    module: str  # the writer's module in geocheck.report, imported on first use
    writer: str  # the writer function: writer(report, **{option: value for option in takes})
    stdout: bool = True  # may be printed without -o; False: needs an output file
    takes: tuple[str, ...] = ()  # the render options the writer understands (lang, color, quiet, width)


REPORT_FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("text", "Text", (".txt",), "report.txt", False, ".text", "render_text",
                 takes=("color", "quiet", "width")),
    ReportFormat("json", "JSON", (".json",), "report.json", False, ".json_report", "to_json"),
    ReportFormat("html", "HTML", (".html", ".htm"), "report.html", False, ".html", "render_html", takes=("lang",)),
    ReportFormat("markdown", "Markdown", (".md", ".markdown"), "report.md", False, ".markdown", "render_markdown",
                 takes=("lang",)),
    ReportFormat("docx", "Word 初审意见", (".docx",), "opinion.docx", True, ".docx_opinion", "render_docx",
                 stdout=False, takes=("lang",)),
)
BY_NAME = {f.name: f for f in REPORT_FORMATS}
TERMINAL_FORMAT = "text"  # `check` without -f
FILE_FORMAT = "html"  # a batch without -f, and a report file whose suffix names no format
BATCH_REPORT = BY_NAME["json"].batch_file  # always written, last: what summaries and re-runs read


def describe() -> list[dict]:
    """The formats as `geocheck capabilities` lists them."""
    return [{"name": f.name, "title": f.title, "suffixes": list(f.suffixes), "batch_file": f.batch_file,
             "binary": f.binary, "stdout": f.stdout} for f in REPORT_FORMATS]
