"""The terminal report: a table of checks and the verdict (colour only on a TTY)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..findings import Report, Status, Verdict
from ..roles import ROLES
from ..units import format_area, group_digits
from .landuse import print_landuse
from .i18n import AREA_ROWS, bilingual_status, bilingual_verdict, measured_text, threshold_text

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.WARN: "yellow", Status.SKIP: "dim",
                Status.NOT_RUN: "bold magenta"}
STATUS_LABEL = {s: bilingual_status(s) for s in Status}
VERDICT_STYLE = {Verdict.COMPLIANT: "bold green", Verdict.NON_COMPLIANT: "bold red", Verdict.INCOMPLETE: "bold magenta",
                 Verdict.ERROR: "bold red"}


def render_text(report: Report, *, color: bool | None = None, width: int | None = None) -> str:
    """Render to a string; `color=None` means colour only when stdout is a terminal."""
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=bool(color), no_color=not color, width=width or 120,
                      highlight=False, soft_wrap=False)
    print_report(report, console)
    return buf.getvalue()


def print_report(report: Report, console: Console) -> None:
    inputs, prof = report.inputs, report.profile
    console.print(Text(f"geocheck {report.tool_version} — {inputs.get('path')}", style="bold"))
    if report.error:
        console.print(Text(f"error: {report.error}", style="red"))
    else:
        console.print(f"规则集 profile: {prof.get('name')} — {prof.get('title_zh')} / {prof.get('title_en')}")
        console.print(f"坐标系 target CRS: {report.target_crs.get('label')} ({report.target_crs.get('chosen_by')})")
        roles = Table(title="图层 Layers", show_lines=False, title_justify="left")
        for col in ("角色 role", "图层 layer", "文件 file", "源坐标系 source CRS", "要素 n"):
            roles.add_column(col)
        for key, info in inputs.get("roles", {}).items():
            label = f"{ROLES[key].title_zh} {ROLES[key].title_en}"
            if info is None:
                roles.add_row(label, Text("— 未提交 missing", style="dim"), "", "", "")
            else:
                roles.add_row(label, info["layer"], info["file"], info["source_crs"], str(info["feature_count"]))
        console.print(roles)
        m = report.measurements
        areas = Table(title="面积 Areas (平面 projected; 椭球 geodesic)", title_justify="left")
        for col in ("角色 role", "平面面积 projected", "椭球面积 geodesic m²"):
            areas.add_column(col)
        for name, key in AREA_ROWS:
            value = m.get(f"{key}_m2")
            geodesic = m.get(f"{key}_geodesic_m2")
            areas.add_row(f"{ROLES[name].title_zh} {ROLES[name].title_en}", format_area(value),
                          group_digits(geodesic) if geodesic is not None else "—")
        console.print(areas)
        print_landuse(report, console)
        checks = Table(title="检查 Checks", title_justify="left")
        for col in ("代码 code", "检查 check", "结果 status", "实测 measured", "阈值 threshold"):
            checks.add_column(col, overflow="fold")
        for c in report.checks:
            checks.add_row(c.code, f"{c.title_zh} {c.title_en}",
                           Text(STATUS_LABEL[c.status], style=STATUS_STYLE[c.status]),
                           measured_text(c), threshold_text(c, "en"))
        console.print(checks)
        console.print(Text("说明与依据 Findings and sources", style="bold"))
        for c in report.checks:
            console.print(Text(f"{c.code} {STATUS_LABEL[c.status]}", style=STATUS_STYLE[c.status]), end=" ")
            console.print(f"{c.message_zh}")
            console.print(f"      {c.message_en}")
            if c.source:
                console.print(Text(f"      依据 source: {c.source}", style="dim"))
        for note in report.notes:
            console.print(Text(f"注 note: {note['zh']} / {note['en']}", style="yellow"))
        s = report.summary
        console.print(" · ".join(f"{STATUS_LABEL[st]} {s[st.value]}" for st in Status))
    console.print(Text(f"结论 verdict: {bilingual_verdict(report.verdict)}", style=VERDICT_STYLE[report.verdict]))

