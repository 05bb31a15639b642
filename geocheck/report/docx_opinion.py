"""The Word opinion: a 初审意见 draft in the shape reviewers file, in Chinese (python-docx).

一、项目概况 (submission, layers, CRS, areas) · 二、审查依据 (profile and its sources) ·
三、审查结论 · 四、问题清单 (every failed, warned or not-run check: measured value, requirement,
source; then the located findings) · 五、附图 (the map, drawn by raster.py, with its legend as
text) · 六、假设与说明. Every figure comes from the same view as the HTML report.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..findings import Report, Status
from .i18n import OPINION, WORDS, local_time
from .mapmodel import finding_kinds
from .raster import map_png
from .styles import CONTEXT_STYLES, ROLE_STYLES, STATUS_STYLES
from .view import report_view

FONT_ZH = "SimSun"  # 宋体: what a review office's Word has; LibreOffice substitutes a CJK font
FONT_HEADING_ZH = "SimHei"
LISTED = (Status.FAIL, Status.NOT_RUN, Status.WARN)  # the 问题清单, in this order

def render_docx(report: Report, *, lang: str = "zh", generated: datetime | None = None) -> bytes:
    """The opinion as .docx bytes (Chinese: the document a Chinese review office files)."""
    lang = "zh"
    v = report_view(report, lang)
    w, t = v["w"], OPINION
    doc = Document()
    _fonts(doc)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin = sec.bottom_margin = Cm(2.0)

    title = doc.add_heading(w["opinion_title"], level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(t["overview"], level=1)
    meta = [(w["submission"], v["submission"])]
    if not v["error"]:
        meta += [(w["crs"], v["crs"])]
    _table(doc, None, meta, widths=(3.0, 13.5))
    if not v["error"]:
        _table(doc, [w["role"], w["layer"], w["file"], w["source_crs"], w["features"]],
               [[l["role"], w["missing"], "", "", ""] if l["missing"]
                else [l["role"], l["layer"], l["file"], l["source_crs"], str(l["features"])] for l in v["layers"]],
               widths=(2.6, 3.0, 5.4, 4.0, 1.5), size=9)
        _table(doc, [w["role"], "km²", w["mu"], "m²", f"{w['geodesic']} m²"],
               [[a["role"], w["missing"], "", "", ""] if a["missing"]
                else [a["role"], a["km2"], a["mu"], a["m2"], a["geodesic_m2"]] for a in v["areas"]],
               widths=(3.3, 3.3, 3.3, 3.3, 3.3))

    doc.add_heading(t["basis"], level=1)
    if not v["error"]:
        doc.add_paragraph(f"{w['profile']}：{v['profile']['name']}（{v['profile']['title']}）")
        doc.add_paragraph(f"{w['profile_source']}：{v['profile']['source']}")
        if v["profile"]["about_band_note"]:
            doc.add_paragraph(f"{w['assumed_band']}：{v['profile']['about_band_note']}")
        sources = list(dict.fromkeys(c["source"] for c in v["checks"] if c["source"]))
        doc.add_paragraph(f"{t['rule_sources']}：")
        for s in sources:
            doc.add_paragraph(s, style="List Bullet")

    doc.add_heading(t["conclusion"], level=1)
    p = doc.add_paragraph()
    run = p.add_run(t["verdict_line"].format(verdict=v["verdict"]["label"]))
    run.bold = True
    if v["error"]:
        doc.add_paragraph(v["error"])
    else:
        doc.add_paragraph(t["counts"].format(**v["summary"]))
    doc.add_paragraph(t["advice"][v["verdict"]["key"]])

    if not v["error"]:
        doc.add_heading(t["issues"], level=1)
        listed = sorted((c for c in v["checks"] if Status(c["status"]) in LISTED),
                        key=lambda c: LISTED.index(Status(c["status"])))
        if listed:
            _table(doc, [t["number"], w["code"], w["check"], w["status"], w["measured"], w["threshold"], w["source"]],
                   [[str(i + 1), c["code"], f"{c['title']}：{c['message']}", c["status_label"], c["measured"],
                     c["threshold"], c["source"]] for i, c in enumerate(listed)],
                   widths=(0.8, 1.7, 4.7, 1.2, 2.8, 2.7, 2.6), size=8.5)
        else:
            doc.add_paragraph(t["no_issues"])
        if v["conflicts"]:
            doc.add_paragraph(t["located"] + "：")
            _table(doc, ["#", w["code"], w["status"], w["kind"], w["measured_value"], w["info"]],
                   [[str(c["number"]), c["code"], c["status_label"], c["kind"], c["measured"], c["info"]]
                    for c in v["conflicts"]], widths=(0.8, 1.7, 1.2, 3.0, 4.1, 5.7), size=8.5)

        if report.geometries:
            doc.add_heading(t["figure"], level=1)
            doc.add_picture(io.BytesIO(map_png(report)), width=Cm(16.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap = doc.add_paragraph(t["caption"].format(c=w["overview_caption"]))
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.add_paragraph(t["legend"])
            _legend(doc, report, lang)

    doc.add_heading(t["notes"], level=1)
    for n in v["notes"] or [t["none"]]:
        doc.add_paragraph(n, style="List Bullet")
    foot = doc.add_paragraph(t["draft"].format(version=v["tool_version"], when=local_time(generated)))
    foot.runs[0].font.size = Pt(9)
    foot.runs[0].font.color.rgb = RGBColor(0x5D, 0x66, 0x75)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _legend(doc, report: Report, lang: str) -> None:
    """The picture's legend as a table: a cell shaded in each layer's colour beside its name."""
    from .mapmodel import conflicts

    items = conflicts(report)
    entries = [(st.fill or st.color, st.label_zh) for k, st in (*CONTEXT_STYLES.items(), *ROLE_STYLES.items())
               if report.geometries.get(k) is not None]
    entries += [(STATUS_STYLES[s].color, f"{WORDS[lang]['findings_layer']}·{STATUS_STYLES[s].label_zh}"
                                         f"（{OPINION['patterns'][s]}）")
                for s in STATUS_STYLES if any(c.status == s for c in items)]
    entries += [(st.fill or st.color, st.label_zh) for _, st, _ in finding_kinds(items)]
    per_row = 3
    table = doc.add_table(rows=0, cols=2 * per_row)
    table.autofit = False
    for i, col in enumerate(table.columns):
        col.width = Cm(0.6 if i % 2 == 0 else 4.9)
    for start in range(0, len(entries), per_row):
        cells = table.add_row().cells
        for j, (colour, label) in enumerate(entries[start:start + per_row]):
            shade = cells[2 * j]._tc.get_or_add_tcPr().makeelement(qn("w:shd"), {
                qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): colour.lstrip("#")})
            cells[2 * j]._tc.get_or_add_tcPr().append(shade)
            cells[2 * j + 1].text = label
            for run in cells[2 * j + 1].paragraphs[0].runs:
                run.font.size = Pt(8.5)
    if items:
        doc.add_paragraph(OPINION["numbers"]).runs[0].font.size = Pt(9)


def _fonts(doc) -> None:
    for name in ("Normal", "Title", "Heading 1", "List Bullet"):
        style = doc.styles[name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        east = FONT_ZH if name in ("Normal", "List Bullet") else FONT_HEADING_ZH
        fonts.set(qn("w:eastAsia"), east)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attr), None)
        if name in ("Title", "Heading 1"):
            style.font.color.rgb = RGBColor(0x1D, 0x24, 0x30)
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.styles["Title"].font.size = Pt(18)
    doc.styles["Heading 1"].font.size = Pt(14)


def _table(doc, header, rows, widths=None, size=10) -> None:
    table = doc.add_table(rows=0, cols=len(rows[0]) if rows else len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if widths:  # the grid's column widths are what LibreOffice and WPS lay out by
        table.autofit = False
        for col, width in zip(table.columns, widths):
            col.width = Cm(width)
    for r, values in enumerate(([header] if header else []) + rows):
        cells = table.add_row().cells
        for i, value in enumerate(values):
            cells[i].text = str(value)
            for par in cells[i].paragraphs:
                for run in par.runs:
                    run.font.size = Pt(size)
                    run.bold = bool(header) and r == 0
            if widths:
                cells[i].width = Cm(widths[i])
    doc.add_paragraph()
