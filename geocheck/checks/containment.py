"""GC311: the construction zone lies inside the planned area."""

from __future__ import annotations

from ..findings import Indicator, plain_id
from ..units import area_triplet, format_area, mu
from .registry import Quantity, register

OUTSIDE_BOUNDARY = Quantity.outside("construction", cover="boundary")


def features_outside(layer, outside, tol: float, kind: str, cover_en: str,
                     reference_kind: str | None = None) -> list[Indicator]:
    """Each feature of a role layer sticking out of its cover by more than `tol` m² (from a
    measured geocheck.measure.Outside), with its feature id and the outside part, for the
    reviewer to open in GIS."""
    return [Indicator(kind=kind, role=layer.role, layer=layer.ref.name, fid=plain_id(fid),
                      geometry=part, measured=float(part.area), reference_kind=reference_kind,
                      info=f"{part.area:,.1f} m² ({mu(part.area):,.2f} 亩) outside {cover_en}")
            for fid, part in outside.by_feature if part.area > tol]


@register(
    "GC311", "建设范围位于规划范围内", "Construction zone inside planned area",
    roles=("construction", "boundary"), measures=(OUTSIDE_BOUNDARY,),
    params={"tolerance_m2": {"type": "number", "minimum": 0, "description": "outside area forgiven as digitising slack, m²"}},
    required=("tolerance_m2",),
    doc="""
**What it checks.** No part of the construction zone (建设范围) lies outside the planned area
(规划范围), beyond `tolerance_m2` of digitising slack.

**Why.** Land to be built on must be part of the plan being approved; construction outside the
boundary escapes the plan's controls and its area figures.

**How it is measured.** The dissolved construction zone minus the dissolved planned area, in the
metric target CRS. Each construction feature that sticks out by more than the tolerance is
listed with its feature id and the outside part as a polygon.

**Example.** A parcel drawn 40 m across the boundary line gives an outside area of, say,
0.04 km² (60 亩), reported with that parcel's id.
""",
)
def check_inside_boundary(ctx):
    construction = ctx.submission.roles["construction"]
    tol = float(ctx.param("tolerance_m2"))
    outside = ctx.measured(OUTSIDE_BOUNDARY)
    outside_m2, pct = outside.area_m2, outside.pct_of_role
    features = features_outside(construction, outside, tol, "outside_boundary", "the planned area")
    measured = area_triplet(outside_m2) | {"pct_of_construction": round(pct, 3), "text": format_area(outside_m2)}
    threshold = {"max_m2": tol, "text_zh": f"规划范围外建设面积 ≤ {tol:g} 平方米（数值误差）",
                 "text_en": f"construction outside the planned area ≤ {tol:g} m² (numerical slack)"}
    violated = outside_m2 > tol
    if violated:
        msg_zh = f"建设范围有 {format_area(outside_m2)} 位于规划范围外（占建设范围 {pct:.2f}%）"
        msg_en = f"{format_area(outside_m2)} of the construction zone ({pct:.2f}%) lies outside the planned area"
    else:
        msg_zh, msg_en = "建设范围全部位于规划范围内", "the construction zone lies inside the planned area"
    return ctx.result(violated, measured=measured, threshold=threshold,
                      message_zh=msg_zh, message_en=msg_en, features=features)

