"""GC4xx: the plan against the reference lines (三区三线) and heritage sites.

Every rule here declares the overlaps it judges (register(..., measures=...)); geocheck.measure
reads the reference candidates in the submission's box and computes the exact overlaps per
reference feature once, before any rule runs. A rule whose reference kind was not given skips
with the reason; tolerances and severities come from the profile (policy forgives no area, so
profiles set floating-point slack only).
"""

from __future__ import annotations

from ..findings import Indicator, Severity, Status, plain_id
from ..references.overlay import ZONES, Overlap, radii_text, union_area
from ..references.spec import KINDS
from ..roles import ROLES
from ..units import area_triplet, format_area, mu
from .containment import features_outside
from .registry import Quantity, register

TOLERANCE = {"tolerance_m2": {"type": "number", "minimum": 0,
                              "description": "floating-point slack forgiven, m² (policy has no area tolerance)"}}
RADII = {"radius_m_by_level": {
    "type": "object", "minProperties": 1, "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
    "description": "assumed radius in metres per protection level (bhjb value, or a prefix of it such as 省级)"}}
MAX_LISTED = 5  # reference ids named in a message


def _threshold(tol, what_zh, what_en):
    return {"max_m2": tol, "text_zh": f"{what_zh} ≤ {tol:g} 平方米（仅容许浮点误差）",
            "text_en": f"{what_en} ≤ {tol:g} m² (floating-point slack only)"}


def _indicators(overlaps: list[Overlap], tol: float, kind: str) -> list[Indicator]:
    out = []
    for o in overlaps:
        if o.area_m2 <= tol:
            continue
        buffer = f", assumed radius {o.assumed_buffer_m:g} m ({o.level})" if o.assumed_buffer_m else ""
        out.append(Indicator(kind=f"{kind}_overlap", role=o.role, layer=o.source, reference_kind=kind,
                             reference_id=plain_id(o.reference_id),
                             geometry=o.geometry, measured=o.area_m2,
                             info=f"{o.label()}: {o.area_m2:,.1f} m² ({mu(o.area_m2):,.2f} 亩, "
                                  f"{o.pct_of_role:.2f}% of the {ROLES[o.role].title_en}){buffer}"))
    return out


def _ids(overlaps, tol):
    ids = [o.label() for o in overlaps if o.area_m2 > tol]
    more = f" … (+{len(ids) - MAX_LISTED})" if len(ids) > MAX_LISTED else ""
    return "; ".join(ids[:MAX_LISTED]) + more


def overlap_check(ctx, kind, role, *, consent=False, overlaps=None, assumed=None):
    """Shared body: the role's overlap with `kind`, per reference feature, against the tolerance."""
    role_m2 = ctx.area(role).area_m2
    tol = float(ctx.param("tolerance_m2"))
    overlaps = ctx.measured(Quantity.overlaps(kind, role)) if overlaps is None else overlaps
    total, _ = union_area(overlaps)
    pct = 100.0 * total / role_m2 if role_m2 else 0.0
    k, r = KINDS[kind], ROLES[role]
    ref_zh = assumed[0] if assumed else k.title_zh
    ref_en = assumed[1] if assumed else k.title_en
    measured = area_triplet(total) | {"pct_of_role": round(pct, 3), "features": sum(o.area_m2 > tol for o in overlaps),
                                      "text": f"{format_area(total)}, {pct:.2f}%"}
    violated = total > tol
    if violated:
        ids = _ids(overlaps, tol)
        msg_zh = f"{r.title_zh}与{ref_zh}重叠 {format_area(total)}（占{r.title_zh} {pct:.2f}%）：{ids}"
        msg_en = f"{format_area(total)} of the {r.title_en} ({pct:.2f}%) overlaps the {ref_en}: {ids}"
        if consent:
            msg_zh += "。建设控制地带内进行建设须经文物行政部门同意，且不得破坏文物保护单位的历史风貌"
            msg_en += ("; building in a construction-control zone needs the heritage office's consent "
                       "and must not harm the site's historic appearance")
    else:
        msg_zh = f"{r.title_zh}未与{ref_zh}重叠（重叠 {total:.3f} 平方米，容差 {tol:g} 平方米）"
        msg_en = f"the {r.title_en} does not overlap the {ref_en} ({total:.3f} m² overlap, tolerance {tol:g} m²)"
    return ctx.result(violated, measured=measured,
                      threshold=_threshold(tol, f"与{ref_zh}重叠面积", f"overlap with the {ref_en}"),
                      message_zh=msg_zh, message_en=msg_en, features=_indicators(overlaps, tol, kind))


def overlap_rule(code, title_zh, title_en, *, kind, role, consent=False, doc=""):
    """Register a rule that is overlap_check of one reference kind against one role."""
    register(code, title_zh, title_en, roles=(role,), references=(kind,), measures=(Quantity.overlaps(kind, role),),
             params=TOLERANCE, required=("tolerance_m2",), doc=doc)(
        lambda ctx: overlap_check(ctx, kind, role, consent=consent))


overlap_rule(
    "GC401", "建设范围不占用生态保护红线", "Construction zone clear of the ecological red line",
    kind="ecological_red_line", role="construction",
    doc="""
**What it checks.** No part of the construction zone (建设范围) lies inside the ecological
protection red line (生态保护红线, reference kind `ecological_red_line`) beyond `tolerance_m2`
of floating-point slack.

**Why.** Development and production construction is forbidden inside the red line, apart from a
closed list of permitted activities (厅字〔2019〕48号; 自然资发〔2022〕142号). Policy states no area
tolerance, so any real overlap is a violation.

**How it is measured.** Only red-line features whose bounding box meets the submission's box are
read (the box is carried into the layer's own CRS with densified edges, so the file's or table's
spatial index does the filtering), clipped to the box, transformed to the metric target CRS and
intersected exactly with the dissolved construction zone. Each red-line feature overlapped is
listed with its id and name (`hxbh`/`hxmc` by default), its overlap in m², 亩 and percent of the
construction zone, and the overlap polygon. The total counts land once where red-line polygons
overlap each other.

**Example.** A parcel whose corner reaches 120 m into a forest red line overlaps it by 0.03 km²
(45 亩): the rule fails and names the red line's id `330106-0012`.
""",
)


overlap_rule(
    "GC402", "规划范围与生态保护红线重叠", "Planned area overlapping the ecological red line",
    kind="ecological_red_line", role="boundary",
    doc="""
**What it checks.** How much of the planned area (规划范围) lies inside the ecological protection
red line (`ecological_red_line`), beyond `tolerance_m2` of floating-point slack.

**Why.** A planned area may include ecological land that stays unbuilt (a tourism town around a
wetland), but reviewers want it shown: the plan must keep that land free of construction
(厅字〔2019〕48号). Profiles usually make this a warning, and GC401 the error.

**How it is measured.** As GC401, with the dissolved planned area instead of the construction
zone: red-line candidates in the submission's box, exact intersections per red-line feature, area
in m², 亩 and percent of the planned area.

**Example.** A planned area of 3.2 km² that takes in 0.15 km² of a river red line warns with
4.69 % of the planned area inside the red line.
""",
)


overlap_rule(
    "GC411", "建设范围不占用永久基本农田", "Construction zone clear of permanent basic farmland",
    kind="basic_farmland", role="construction",
    doc="""
**What it checks.** No part of the construction zone lies on permanent basic farmland
(永久基本农田, reference kind `basic_farmland`) beyond `tolerance_m2` of floating-point slack.

**Why.** Permanent basic farmland may not be occupied or have its use changed; an unavoidable key
project needs State Council approval (土地管理法 art. 35), which a featured town is not.

**How it is measured.** Farmland patches in the submission's box are read through the layer's
spatial index, transformed to the target CRS and intersected exactly with the construction zone.
Each patch overlapped is listed with its id and land-class name (`jbnttbbh`/`dlmc` by default),
the area in m², 亩 and percent of the construction zone, and the overlap polygon.

**Example.** A residential parcel drawn over the edge of a paddy field overlaps farmland patch
`330106-JB0007` by 20 000 m² (30 亩): the rule fails.
""",
)


overlap_rule(
    "GC412", "规划范围与永久基本农田重叠", "Planned area overlapping permanent basic farmland",
    kind="basic_farmland", role="boundary",
    doc="""
**What it checks.** How much of the planned area lies on permanent basic farmland
(`basic_farmland`), beyond `tolerance_m2` of floating-point slack.

**Why.** Farmland inside a planned area is not occupied as long as it stays farmland (土地管理法
art. 35 forbids occupying it or changing its use), so the bundled profiles hold this rule at
warning severity: the reviewer confirms that none of it is planned for construction, which GC411
checks as an error.

**How it is measured.** As GC411, with the dissolved planned area instead of the construction zone.

**Example.** A planned area whose north-west corner takes in part of a paddy field reports that
field's id and the area inside the plan, e.g. 18 000 m² (27 亩, 0.59 %).
""",
)


OUTSIDE_UDB = Quantity.outside("construction", kind="urban_development_boundary")


@register(
    "GC421", "建设范围位于城镇开发边界内", "Construction zone inside the urban development boundary",
    roles=("construction",), references=("urban_development_boundary",),
    measures=(Quantity.overlaps("urban_development_boundary", "construction"), OUTSIDE_UDB),
    params=TOLERANCE, required=("tolerance_m2",),
    doc="""
**What it checks.** The construction zone lies inside the urban development boundary
(城镇开发边界, reference kind `urban_development_boundary`): the area outside it must not exceed
`tolerance_m2` of floating-point slack.

**Why.** Urban construction belongs inside the development boundary, one of the three control
lines (三区三线) every plan is reviewed against (全国特色小镇规范健康发展导则 2021).

**How it is measured.** The development-boundary polygons in the submission's box are read and
intersected with the construction zone (each boundary polygon's share is listed in
`measurements.overlaps`); the construction zone minus their union is the part outside. Each
construction feature sticking out by more than the tolerance is listed with its feature id and
the outside part as a polygon. With no development-boundary polygon anywhere near, all of the
construction zone is outside.

**Example.** A parcel whose east end crosses the boundary by 250 m reports, say, 0.186 km²
(279 亩, 13.8 % of the construction zone) outside the development boundary.
""",
)
def check_inside_udb(ctx):
    kind = "urban_development_boundary"
    construction = ctx.submission.roles["construction"]
    tol = float(ctx.param("tolerance_m2"))
    outside = ctx.measured(OUTSIDE_UDB)
    features = features_outside(construction, outside, tol, "outside_urban_development_boundary",
                                "the urban development boundary", reference_kind=kind)
    area, pct = outside.area_m2, outside.pct_of_role
    measured = area_triplet(area) | {"pct_of_role": round(pct, 3), "text": f"{format_area(area)}, {pct:.2f}%"}
    violated = area > tol
    if violated:
        msg_zh = f"建设范围有 {format_area(area)} 位于城镇开发边界外（占建设范围 {pct:.2f}%）"
        msg_en = f"{format_area(area)} of the construction zone ({pct:.2f}%) lies outside the urban development boundary"
    else:
        msg_zh = f"建设范围位于城镇开发边界内（界外 {area:.3f} 平方米，容差 {tol:g} 平方米）"
        msg_en = f"the construction zone lies inside the urban development boundary ({area:.3f} m² outside, tolerance {tol:g} m²)"
    return ctx.result(violated, measured=measured,
                      threshold=_threshold(tol, "城镇开发边界外建设面积", "construction outside the development boundary"),
                      message_zh=msg_zh, message_en=msg_en, features=features)


overlap_rule(
    "GC431", "建设范围不占用文物保护范围", "Construction zone clear of heritage protection ranges",
    kind="heritage_protection_range", role="construction",
    doc="""
**What it checks.** No part of the construction zone lies inside a heritage site's protection
range (文物保护单位保护范围, reference kind `heritage_protection_range`, published polygons) beyond
`tolerance_m2` of floating-point slack.

**Why.** Inside a protection range no construction other than heritage works is allowed, and those
only with special approval (文物保护法, 2024 revision, art. 28).

**How it is measured.** Protection-range polygons in the submission's box, exact intersection with
the construction zone; each range overlapped is listed with its name (`wwmc`) and id, area in m²,
亩 and percent of the construction zone, and the overlap polygon.

**Example.** A hotel parcel drawn over a kiln site's protection range by 1 200 m² (1.8 亩) fails,
naming the site.
""",
)


overlap_rule(
    "GC432", "建设范围与文物建设控制地带重叠", "Construction zone in a heritage construction-control zone",
    kind="heritage_control_zone", role="construction", consent=True,
    doc="""
**What it checks.** How much of the construction zone lies inside a heritage site's
construction-control zone (建设控制地带, reference kind `heritage_control_zone`), beyond
`tolerance_m2` of floating-point slack.

**Why.** Building in a control zone is allowed but must not harm the site's historic appearance,
and the plan needs the heritage office's consent (文物保护法, 2024 revision, art. 29). The finding
says so; profiles make it a warning.

**How it is measured.** As GC431, against the control-zone polygons.

**Example.** Two parcels reaching 30 m into an ancestral hall's control zone warn with 4 500 m²
(6.75 亩) and the note that the heritage office's consent is needed.
""",
)


def point_buffer_check(ctx, zone: str):
    """Heritage points buffered by an assumed radius per protection level (GC433/GC434)."""
    kind = "heritage_points"
    zone_zh, zone_en, _ = ZONES[zone]
    radii = dict(ctx.param("radius_m_by_level"))
    measured = ctx.measured(Quantity.point_buffers(zone))
    unknown, inside, text = measured.unknown, measured.inside, radii_text(radii)
    result = overlap_check(ctx, kind, "construction", consent=zone == "control_zone", overlaps=measured.overlaps,
                           assumed=(f"文物点位假定{zone_zh}（按级别半径 {text}）",
                                    f"{zone_en} assumed around heritage points (radius per level: "
                                    f"{text.replace('、', ', ')})"))
    result.measured |= {"assumed_buffer": True, "radius_m_by_level": radii, "points_with_published_zone": measured.replaced,
                        "points_with_unknown_level": len(unknown), "points_inside_construction": len(inside)}
    if inside:  # measured, not assumed: this alone can fail the plan
        names = "、".join(inside)
        result.status, result.severity = ctx.severity.violated_status, ctx.severity
        result.message_zh = f"文物保护单位点位位于建设范围内：{names}。" + result.message_zh
        result.message_en = (f"heritage site(s) lie inside the construction zone: {names.replace('、', ', ')}. "
                             + result.message_en)
    elif result.status is Status.FAIL:  # only the assumed circle overlaps: an assumption never fails alone
        result.status, result.severity = Status.WARN, Severity.WARNING
        result.message_zh += "。该范围系假定半径，并非公布的保护范围，故仅作警告，请核对该文物保护单位公布的保护范围"
        result.message_en += ("; the zone is an assumed radius, not a published one, so this only warns: check the "
                              "site's published protection range")
    for cand, i, point in unknown:
        result.features.append(Indicator(kind="heritage_points_level_unknown", role="construction",
                                         layer=cand.source.label, reference_kind="heritage_points",
                                         reference_id=plain_id(cand.ids[i]), geometry=point,
                                         info=f"{cand.names[i]}: protection level '{cand.levels[i]}' has no "
                                              "radius in the profile; check by hand"))
    if unknown:
        names = "、".join(str(cand.names[i] or cand.ids[i]) for cand, i, _ in unknown)
        result.message_zh += f"。另有 {len(unknown)} 处文物点位的保护级别在规则集中无半径，需人工核查：{names}"
        result.message_en += (f"; {len(unknown)} heritage point(s) have a protection level with no radius in "
                              f"the profile and need checking by hand: {names.replace('、', ', ')}")
        if result.status is Status.PASS:
            result.status, result.severity = Status.WARN, Severity.WARNING
    return result


@register(
    "GC433", "建设范围不占用文物点位的假定保护范围", "Construction clear of assumed protection ranges around heritage points",
    roles=("construction",), references=("heritage_points",), measures=(Quantity.point_buffers("protection_range"),),
    params=TOLERANCE | RADII,
    required=("tolerance_m2", "radius_m_by_level"),
    doc="""
**What it checks.** For heritage sites known only as points (reference kind `heritage_points`),
no part of the construction zone lies within an assumed protection range: a circle whose radius
the profile sets per protection level (`bhjb`), beyond `tolerance_m2` of floating-point slack.

**Why.** Construction is forbidden inside a protection range (文物保护法 2024, art. 28), but
ranges are published site by site and there is no national default for a point. Local rules give
a basis for an assumption: structure + 10 m (Chengdu 2020), 60 m (Guangdong 1994). The profile
states the radius it assumes, and the report says the buffer was assumed.

**How it is measured.** Heritage points within the largest radius of the submission's box are
read; each point is buffered in the metric target CRS by its level's radius and intersected with
the construction zone. A point whose site also has a published protection range (same name in a
`heritage_protection_range` layer) is left to GC431. A point whose level has no configured radius
is listed for checking by hand and makes the result at least a warning.

**Example.** A provincial site (省级文物保护单位) 40 m from a parcel, with an assumed 60 m radius,
overlaps the parcel by about 1 900 m²: the rule fails, saying the 60 m range was assumed.
""",
)
def check_heritage_point_range(ctx):
    return point_buffer_check(ctx, "protection_range")


@register(
    "GC434", "建设范围与文物点位假定建设控制地带重叠", "Construction in assumed control zones around heritage points",
    roles=("construction",), references=("heritage_points",), measures=(Quantity.point_buffers("control_zone"),),
    params=TOLERANCE | RADII,
    required=("tolerance_m2", "radius_m_by_level"),
    doc="""
**What it checks.** For heritage sites known only as points, how much of the construction zone
lies within an assumed construction-control zone: a circle whose radius (measured from the point)
the profile sets per protection level, beyond `tolerance_m2` of floating-point slack.

**Why.** Building in a control zone needs the heritage office's consent and must not harm the
site's historic appearance (文物保护法 2024, art. 29). Local examples for the zone's width: +20/50 m
beyond the protection range (Chengdu 2020), +50 m (Guangdong 1994). The radius is an assumption
and the report says so; profiles make this a warning.

**How it is measured.** As GC433 with the control-zone radii. A point whose site has a published
control zone (same name in a `heritage_control_zone` layer) is left to GC432.

**Example.** A county-level stone bridge 80 m from a parcel, with an assumed 110 m control
radius, warns that about 6 000 m² of construction lies in its assumed control zone and that the
heritage office's consent is needed.
""",
)
def check_heritage_point_control(ctx):
    return point_buffer_check(ctx, "control_zone")
