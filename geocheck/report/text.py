"""The terminal report, bilingual, failures first, fitted to the terminal's width (readable at
80 columns): the verdict and counts, then each check that failed, did not run or warned with its
measured value, requirement and source, then the passed and skipped ones in a line each, areas,
layers and notes. `quiet` prints one line: verdict and counts. Colour only on a TTY.
"""

from __future__ import annotations

import io
import re
import shutil

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..findings import Report, Status, Verdict
from ..roles import ROLES
from .i18n import (AREA_ROWS, NBSP, STATUS, STATUS_ORDER, TERMINAL as T, VERDICT, area_text, bilingual_status,
                   bilingual_verdict, check_message, crs_text, measured_text, normalise_numbers, num, threshold_text)
from .landuse import print_landuse

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.WARN: "yellow", Status.SKIP: "dim",
                Status.NOT_RUN: "bold magenta"}
VERDICT_STYLE = {Verdict.COMPLIANT: "bold green", Verdict.NON_COMPLIANT: "bold red",
                 Verdict.INCOMPLETE: "bold magenta", Verdict.ERROR: "bold red"}
DETAILED = (Status.FAIL, Status.NOT_RUN, Status.WARN)  # listed in full; the others in one line each
INDENT = 4
_TRAILING = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$", re.M)


def render_text(report: Report, *, color: bool | None = None, width: int | None = None, quiet: bool = False) -> str:
    """Render to a string; `width` defaults to the terminal's (COLUMNS), at most 120."""
    buf = io.StringIO()
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 120)
    console = Console(file=buf, force_terminal=bool(color), no_color=not color, width=width, highlight=False,
                      emoji=False, markup=False)
    if quiet:
        console.print(quiet_line(report), soft_wrap=True)
    else:
        print_report(report, console)
    return _TRAILING.sub(r"\1", buf.getvalue())  # rich pads indented blocks to the full width


def counts_text(report: Report) -> str:
    """'不通过 fail 8 · 未执行 not_run 0 · 警告 warn 4 · 通过 pass 3 · 跳过 skip 1'."""
    s = report.summary
    return " · ".join(f"{bilingual_status(st)} {s[st.value]}" for st in STATUS_ORDER)


def quiet_line(report: Report) -> Text:
    line = Text(f"{bilingual_verdict(report.verdict)}", style=VERDICT_STYLE[report.verdict])
    if report.error:
        line.append(f": {report.error}")
    else:
        line.append(f": {counts_text(report)}")
    line.append(f" — {report.inputs.get('path')}")
    return line


# Where a line may break: at a plain space, or beside a CJK character (not before closing
# punctuation). Never at a no-break space, so a number stays with its unit and its digit groups.
_ATOM = re.compile(r" +|[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef][，。、；：）》」’”！？%]*"
                   r"|[^ \u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` terminal cells."""
    lines, line, gap = [], "", ""
    for atom in _ATOM.findall(text):
        if atom.startswith(" "):
            gap = " " if line else ""
            continue
        if line and cell_len(line + gap + atom) > width:
            lines.append(line)
            line, gap = "", ""
        while cell_len(atom) > width:  # longer than a line (a path): cut it
            cut = max(i for i in range(1, len(atom) + 1) if cell_len(atom[:i]) <= width)
            lines.append(atom[:cut])
            atom = atom[cut:]
        line += gap + atom
        gap = ""
    return lines + [line] if line or not lines else lines


def say(console: Console, text: str, style: str | None = None, indent: int = 0) -> None:
    """A paragraph wrapped to the console's width, every line indented by `indent`."""
    for line in wrap(text, console.width - indent):
        console.print(Text(" " * indent + line, style=style or ""), no_wrap=True, overflow="ignore")


def print_report(report: Report, console: Console) -> None:
    inputs, prof = report.inputs, report.profile
    verdict = Text(f"{T['verdict']}: {bilingual_verdict(report.verdict)}", style=VERDICT_STYLE[report.verdict])
    console.print(Text(f"geocheck {report.tool_version} — {inputs.get('path')}", style="bold"))
    console.print(verdict)
    if report.error:
        console.print(Text(f"{T['error']}: {report.error}", style="red"))
        return
    console.print(counts_text(report))
    say(console, f"{T['profile']}: {prof.get('name')} — {prof.get('title_zh')} / {prof.get('title_en')}", "dim")
    say(console, f"{T['crs']}: {crs_text(report, 'zh')}", "dim")
    for status in DETAILED:
        checks = [c for c in report.checks if c.status is status]
        if not checks:
            continue
        console.print()
        console.print(Text(f"{STATUS['zh'][status]} {STATUS['en'][status]} ({len(checks)})",
                           style=STATUS_STYLE[status]))
        for c in checks:
            console.print(Text.assemble((f"{c.code} ", STATUS_STYLE[status]), (c.title_zh, "bold"), f" {c.title_en}"))
            say(console, check_message(c, "zh"), indent=INDENT)
            say(console, check_message(c, "en"), "dim", INDENT)
            measured, threshold = measured_text(c, "zh"), threshold_text(c, "zh")
            if measured:
                say(console, f"{T['measured']}: {measured}", indent=INDENT)
            if threshold:
                say(console, f"{T['required']}: {threshold}", indent=INDENT)
            if c.source:
                say(console, f"{T['source']}: {normalise_numbers(c.source)}", "dim", INDENT)
            located = sum(1 for f in c.features if f.geometry is not None and not f.geometry.is_empty)
            if located:
                say(console, f"{T['located']}: {located}", "dim", INDENT)
    console.print()
    for status in (Status.PASS, Status.SKIP):
        checks = [c for c in report.checks if c.status is status]
        if checks:
            console.print(Text.assemble((f"{STATUS['zh'][status]} {STATUS['en'][status]} ({len(checks)}): ",
                                         STATUS_STYLE[status]), " ".join(c.code for c in checks)))
    console.print()
    console.print(Text(T["areas"], style="bold"))
    m = report.measurements
    for role, key in AREA_ROWS:
        value, geodesic = m.get(f"{key}_m2"), m.get(f"{key}_geodesic_m2")
        label = f"{ROLES[role].title_zh} {ROLES[role].title_en}"
        text = area_text(value, "zh") if value is not None else T["missing"]
        if geodesic is not None:
            text += f"; {T['geodesic']} {num(geodesic)}{NBSP}m²"
        say(console, f"{label}: {text}", indent=2)
    print_landuse(report, console)
    console.print(Text(T["layers"], style="bold"))
    for key, info in inputs.get("roles", {}).items():
        label = f"{ROLES[key].title_zh} {ROLES[key].title_en}"
        text = T["missing"] if info is None else \
            f"{info['layer']} ({info['file']}, {info['source_crs']}, {info['feature_count']} {T['features']})"
        say(console, f"{label}: {text}", indent=2)
    for note in report.notes:
        say(console, f"{T['note']}: {normalise_numbers(note['zh'])}", "yellow")
        say(console, normalise_numbers(note["en"]), "dim", INDENT)
    console.print(verdict)


__all__ = ["render_text", "quiet_line", "counts_text", "VERDICT"]
