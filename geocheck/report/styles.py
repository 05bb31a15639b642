"""One style table for every picture of a report: the SVG map of the HTML report, the PNG map
of the Word opinion and the QGIS styles of the findings GeoPackage draw a role, a reference
layer, an indicator kind and a finding's status with the same colours.

A finding is drawn with its kind's fill and its *status* outline and hatch (STATUS_STYLES):
fail, warn and note differ in colour and in pattern (solid/cross-hatched, dashed/single
hatch, dotted/no hatch), so they stay apart in greyscale print.

Indicators are styled by *style key*: the reference kind they concern when they carry one
(an overlap with the red line is drawn as a red-line conflict), else their ``kind``. A key
missing from the table gets DEFAULT_STYLE with a label made from the key, so a new kind of
indicator shows up on maps and in the GeoPackage without code changes here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..findings import Indicator, Status
from ..looks import Style
from ..references.spec import KINDS
from ..roles import DRAWN_ROLES


# The submission's own layers, bottom to top, as geocheck.roles draws them.
ROLE_STYLES: dict[str, Style] = {r.key: r.look for r in DRAWN_ROLES if r.look}

# Indicator geometries (findings), by style key: their fill (the outline and hatch follow the
# check's status, STATUS_STYLES).
KIND_STYLES: dict[str, Style] = {
    "outside_boundary": Style("规划范围外的建设用地", "Construction outside planned area",
                              "#c0001a", "#ff4d5e", 0.6, width=1.6),
    "gap": Style("连片间隙", "Contiguity gap", "#d4006a", width=3.0, dash=True),
    "uncovered_core": Style("核心区未覆盖城市设计", "Core without urban design",
                            "#00798c", "#4fd1e6", 0.6, width=1.6),
    "invalid_geometry": Style("无效几何位置", "Invalid geometry", "#000000", "#ffde00", 1.0, marker="X", width=1.0),
    "overlap": Style("与管控底线重叠", "Overlap with a constraint layer", "#b2001e", "#e8384f", 0.6, width=1.6),
} | {k.name: k.finding_look for k in KINDS.values()}  # construction on a reference layer

# 控规 parcels (GC6xx, geocheck.checks.parcels): fills only, as above
KIND_STYLES |= {
    "bad_code": Style("用地代码不合法", "Illegal land-use code", "#7b1fa2", "#ce93d8", 0.6, width=1.4),
    "name_mismatch": Style("用地代码与名称不符", "Code and name disagree", "#8e24aa", "#e1bee7", 0.5),
    "parcel_gap": Style("地块缝隙", "Gap between parcels", "#d50000", "#ff8a80", 0.8, width=1.8),
    "parcel_overlap": Style("地块压盖", "Parcel overlap", "#b71c1c", "#ff5252", 0.7, width=1.8),
    "parcel_outside": Style("地块超出规划范围", "Parcel outside the planned area", "#c0001a", "#ff4d5e", 0.5,
                            hatch="////", width=1.4),
    "sliver": Style("碎小地块", "Sliver parcel", "#000000", "#ffde00", 0.9, width=1.4),
    "area_mismatch": Style("申报面积不符", "Declared area mismatch", "#e65100", "#ffb74d", 0.5, width=1.2),
    "construction_outside_zone": Style("建设范围外的建设用地", "Construction land outside the zone", "#bf360c",
                                       "#ff7043", 0.55, width=1.4),
    "zone_not_construction": Style("建设范围内非建设用地", "Zone not coded as construction", "#33691e", "#aed581",
                                   0.55, width=1.4),
    "indicator_missing": Style("缺少控制指标", "Control indicator missing", "#f57f17", "#fff176", 0.5, width=1.2),
    "indicator_out_of_range": Style("控制指标不合理", "Implausible control indicator", "#e65100", "#ffcc80", 0.5,
                                    hatch="++", width=1.2),
}

# Reference layers drawn as context under the town (clipped to a margin around it).
CONTEXT_STYLES: dict[str, Style] = {k.name: k.context_look for k in KINDS.values()}

# How a finding's status is drawn: outline colour, dash and hatch. "note" is any indicator of a
# check that neither failed nor warned (information for the reviewer).
STATUS_STYLES: dict[str, Style] = {
    "fail": Style("不通过", "Fail", "#c0001a", None, width=2.4, hatch="x"),
    "warn": Style("警告", "Warning", "#c77700", None, width=2.0, hatch="/", dash="7 4"),
    "note": Style("提示", "Note", "#2a6f97", None, width=1.6, dash="2 3"),
}


def status_class(status: Status) -> str:
    """'fail', 'warn' or 'note': the drawing class of a finding of a check with `status`."""
    return {Status.FAIL: "fail", Status.WARN: "warn"}.get(status, "note")


DEFAULT_STYLE = Style("其他问题", "Other finding", "#c2185b", "#f06292", 0.55, width=1.6)


def style_key(ind: Indicator) -> str:
    """'gap', 'uncovered_core', 'ecological_red_line' … (see the module doc)."""
    return ind.reference_kind or ind.kind


def style_for(key: str) -> Style:
    if key in KIND_STYLES:
        return KIND_STYLES[key]
    if key in ROLE_STYLES:
        return ROLE_STYLES[key]
    readable = re.sub(r"[_\W]+", " ", key).strip() or "finding"
    return replace(DEFAULT_STYLE, label_zh=f"{DEFAULT_STYLE.label_zh}（{readable}）",
                   label_en=readable[:1].upper() + readable[1:])


def rgba(hex_color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """'#c0001a', 0.5 → (192, 0, 26, 128)."""
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), round(255 * alpha)
