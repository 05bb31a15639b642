"""GC6xx: 控规 parcels — land-use codes, coverage, areas, structure and control indicators.

The parcel layer is measured once (geocheck.parcels.measure_parcels, run by geocheck.measure);
each rule here only judges that measurement against its profile settings.
A field a rule needs that the layer lacks makes the rule `not_run`, never a pass.
"""

from __future__ import annotations

import math

import numpy as np

from ..findings import Indicator, Severity, Status
from ..parcels.fields import BOUND_PAIRS, PURPOSES
from ..units import area_triplet, format_area
from .registry import Quantity, register

ROLE = "parcels"
PARCELS = Quantity.parcels()
TOLERANCE = {"tolerance_m2": {"type": "number", "minimum": 0,
                              "description": "areas up to this size (m²) are floating-point or drawing slack, not findings"}}
PCT = {"type": "number", "minimum": 0, "maximum": 100}
# Cap on the parcels a finding lists one by one; the count is always exact.
MAX_FEATURES = 500


def _m(ctx):
    """The parcel measurement, or a not_run result saying why there is none."""
    m = ctx.measured(PARCELS)
    if m is None:
        return None, ctx.not_run(Status.NOT_RUN, "规则集缺少 [landuse] 用地分类设置，无法检查控规地块",
                                 "not run: the profile has no [landuse] table (which classes are construction, "
                                 "residential, green land)")
    return m, None


def _needs(ctx, m, *purposes, any_of=False):
    """not_run when the fields the rule needs are absent (all of them, or any one with any_of)."""
    missing = [p for p in purposes if m.fields.get(p) is None]
    if (any_of and len(missing) < len(purposes)) or (not any_of and not missing):
        return None
    names_zh = "、".join(PURPOSES[p].title_zh for p in missing)
    tried = "; ".join(f"{PURPOSES[p].title_en}: {', '.join(PURPOSES[p].aliases[:6])} …" for p in missing)
    joiner = " or " if any_of else " and "
    return ctx.not_run(
        Status.NOT_RUN,
        f"地块图层“{m.layer}”缺少{names_zh}字段，未能检查（可在配置 [fields] 中指定字段名）",
        f"not run: parcel layer '{m.layer}' has no {joiner.join(PURPOSES[p].title_en for p in missing)} field "
        f"(looked for {tried}; name it in the config's [fields] table)",
    )


def _guard(ctx, *purposes, any_of=False):
    m, skip = _m(ctx)
    if skip is not None:
        return None, skip
    return m, _needs(ctx, m, *purposes, any_of=any_of)


def _ind(kind, m, fid, row, info, measured=None, geometry=None):
    return Indicator(kind=kind, role=ROLE, layer=m.layer, fid=fid, info=info, measured=measured,
                     geometry=geometry if geometry is not None else row["geometry"])


def _label(row) -> str:
    return f"地块 {row['pid']}" if row["pid"] is not None else "地块"


def _area_measure(m2: float, **extra) -> dict:
    return area_triplet(m2) | {"text": format_area(m2)} | extra


@register(
    "GC601", "用地代码合法", "Land-use codes legal", roles=(ROLE,), measures=(PARCELS,),
    params={"code_systems_note": {"type": "string", "description": "why the profile accepts the code systems it does"}},
    doc="""
**What it checks.** Every parcel carries a land-use code (or a name) that exists in an accepted
code system: the 2023 用地用海分类指南 (e.g. `070102`) or GB 50137-2011 (e.g. `R2`), as listed
in the profile's `[landuse] code_systems`. A parcel with only a name resolves by name when the
name is unique (二类居住用地 → R2); a name several classes share (住宅用地: R11, R21, R31) is
ambiguous and reported.

**Why.** 控规 data is checked on entry into the planning database (入库质检): an illegal code
makes every later statistic (construction land, residential share) wrong.

**How it is measured.** The code field is found by its aliases (YDYHFLDM, YDDM, GHYDLBDM,
CGYDDM, 用地代码, 用地性质 …) or named in the config's `[fields]`. Codes are normalised
(full-width characters, spaces, a lost leading zero: `70102` → `070102`) and looked up in the
code lists shipped under `rules/landuse/`, each citing where it comes from. Each bad parcel is
a finding with its id and geometry. Without a code or a name field the rule does not run.

**Example.** Codes `070102`, `0901`, `R2` pass; `0799` (no such class) and `X1` fail.
""",
)
def check_codes(ctx):
    m, stop = _guard(ctx, "code", "name", any_of=True)
    if stop is not None:
        return stop
    t = m.table
    bad = t[t["code"].isna()]
    texts = {
        "unknown_code": ("代码不在分类表中", "code not in the classification"),
        "unknown_name": ("名称不在分类表中", "name not in the classification"),
        "ambiguous_name": ("名称对应多个代码", "name matches several classes"),
        "missing": ("无代码也无名称", "neither code nor name"),
    }
    features = []
    for fid, row in bad.head(MAX_FEATURES).iterrows():
        zh, en = texts[row["status"]]
        value = row["raw_code"] if row["raw_code"] is not None else row["raw_name"]
        extra = f" ({row['detail']})" if row["status"] == "ambiguous_name" else ""
        features.append(_ind("bad_code", m, fid, row, f"{_label(row)}: {zh} / {en}: '{value}'{extra}",
                             measured=row["area_m2"]))
    n = len(bad)
    by_name = int((t["status"] == "by_name").sum())
    measured = {"parcels": int(len(t)), "bad": n, "resolved_by_name": by_name,
                "bad_area": _area_measure(float(bad["area_m2"].sum())), "code_systems": m.code_systems,
                "text": f"{n} / {len(t)} parcels with an illegal or missing code",
                "text_zh": f"{n} / {len(t)} 个地块用地代码不合法或缺失"}
    threshold = {"text_zh": "全部地块代码合法", "text_en": "every parcel has a legal code",
                 "code_systems": list(m.accepted_systems)}
    return ctx.result(
        n > 0, measured=measured, threshold=threshold, features=features,
        message_zh=(f"{len(t)} 个地块中 {n} 个用地代码不合法或缺失" if n else f"{len(t)} 个地块用地代码均合法")
        + (f"（{by_name} 个按名称识别）" if by_name else ""),
        message_en=(f"{n} of {len(t)} parcels have an illegal or missing land-use code" if n
                    else f"all {len(t)} parcels have legal land-use codes")
        + (f" ({by_name} resolved by name)" if by_name else ""),
    )


@register(
    "GC602", "用地代码与名称一致", "Land-use code and name agree", roles=(ROLE,), measures=(PARCELS,),
    doc="""
**What it checks.** Where a parcel carries both a code and a name, the name is the code's name
in its code system, or the name of one of the code's parent classes (a `070102` parcel named
城镇住宅用地 or 居住用地 agrees; one named 公园绿地 does not).

**Why.** A code and name that disagree mean one of them is wrong, and the statistics follow
the code: the reviewer must know which parcels to verify.

**How it is measured.** Codes and names are normalised (full-width characters, spaces) and
compared with the code list in `rules/landuse/`. A layer without both a code and a name field
has nothing to compare: the rule is skipped. Parcels whose code is illegal are left to GC601.

**Example.** `0701` / 城镇住宅用地 passes; `0701` / 公园绿地 fails, naming the expected name.
""",
)
def check_names(ctx):
    m, stop = _m(ctx)
    if stop is not None:
        return stop
    if m.fields.get("code") is None or m.fields.get("name") is None:
        # A layer carrying only codes (or only names) has nothing to compare: the name field
        # is optional, so this skips rather than being not_run.
        return ctx.not_run(Status.SKIP, f"地块图层“{m.layer}”未同时提供用地代码和用地名称字段，跳过一致性检查",
                           f"skipped: parcel layer '{m.layer}' does not carry both a code and a name field")
    t = m.table
    bad = t[t["status"] == "name_mismatch"]
    features = [_ind("name_mismatch", m, fid, row,
                     f"{_label(row)}: {row['raw_code']} “{row['raw_name']}” ≠ “{row['detail']}”",
                     measured=row["area_m2"]) for fid, row in bad.head(MAX_FEATURES).iterrows()]
    n = len(bad)
    return ctx.result(
        n > 0, features=features,
        measured={"parcels": int(len(t)), "mismatched": n, "text": f"{n} code/name mismatches",
                  "text_zh": f"{n} 处用地代码与名称不符"},
        threshold={"text_zh": "代码与名称一致", "text_en": "code and name agree"},
        message_zh=f"{n} 个地块的用地代码与名称不一致" if n else "用地代码与名称均一致",
        message_en=f"{n} parcels have a name that is not their code's" if n else "codes and names agree",
    )


@register(
    "GC611", "地块无缝隙", "Parcels leave no gaps", roles=(ROLE,), measures=(PARCELS,), params=TOLERANCE, required=("tolerance_m2",),
    doc="""
**What it checks.** The parcels cover the planned area without gaps (无缝隙): no part of the
planned area larger than `tolerance_m2` is left without a parcel. Without a planned-area layer,
the holes enclosed by the parcels are the gaps.

**Why.** 控规 parcels must tile the plan: an uncovered strip is land whose use the plan does
not decide, and it silently drops out of the land-use balance (用地平衡表).

**How it is measured.** The parcels' union (computed once for the whole layer) is subtracted
from the planned area; each remaining polygon larger than the tolerance is a finding with its
area and width (the short side of the rectangle with the gap's area and perimeter: exact for a
straight strip, close for the thin strips and rings gaps usually are).

**Example.** Two parcels drawn 2 m apart across a 200 m boundary leave a 400 m² gap 2 m wide.
""",
)
def check_gaps(ctx):
    m, stop = _guard(ctx)
    if stop is not None:
        return stop
    tol = float(ctx.param("tolerance_m2"))
    widest = max((g.width_m for g in m.gaps if g.area_m2 > tol), default=0.0)
    within_zh, within_en = (("规划范围内", "inside the planned area") if m.gaps_within == "boundary"
                            else ("地块之间（未提交规划范围，按地块围合的空洞计）",
                                  "between parcels (no planned area given: holes enclosed by the parcels)"))
    return _judge_pieces(
        ctx, m, m.gaps, "parcel_gap", lambda g: f"gap {g.area_m2:.2f} m², width {g.width_m:.2f} m",
        ("缝隙不超过 {tol} 平方米", "no gap over {tol} m²"),
        (f"{within_zh}有 {{n}} 处缝隙，共 {{area}} 平方米，最宽 {widest:.2f} 米",
         f"{{n}} gap(s) {within_en}, {{area}} m² in all, widest {widest:.2f} m"),
        (f"{within_zh}无缝隙", f"no gaps {within_en}"), widest_m=round(widest, 3), within=m.gaps_within)


@register(
    "GC612", "地块无压盖", "Parcels do not overlap", roles=(ROLE,), measures=(PARCELS,), params=TOLERANCE, required=("tolerance_m2",),
    doc="""
**What it checks.** No two parcels overlap (无压盖) by more than `tolerance_m2`.

**Why.** An overlap counts the same land twice in the land-use balance and gives it two uses.

**How it is measured.** Candidate pairs come from a spatial index (STRtree) query, not from all
n² pairs; each pair's intersection is computed and kept when it has an area. Each overlap is a
finding naming both parcels, with its polygon and area.

**Example.** Two parcels sharing a 10 m × 5 m strip overlap by 50 m².
""",
)
def check_overlaps(ctx):
    m, stop = _guard(ctx)
    if stop is not None:
        return stop
    pid = m.table["pid"]
    return _judge_pieces(
        ctx, m, m.overlaps, "parcel_overlap",
        lambda o: f"地块 {pid.get(o.fids[0], o.fids[0])} × 地块 {pid.get(o.fids[1], o.fids[1])}: {o.area_m2:.2f} m²",
        ("压盖不超过 {tol} 平方米", "no overlap over {tol} m²"),
        ("{n} 处地块压盖，共 {area} 平方米", "{n} parcel overlap(s), {area} m² in all"),
        ("地块之间无压盖", "no parcels overlap"))


@register(
    "GC613", "地块不超出规划范围", "Parcels inside the planned area", roles=(ROLE, "boundary"), measures=(PARCELS,),
    params=TOLERANCE, required=("tolerance_m2",),
    doc="""
**What it checks.** No parcel reaches outside the planned area by more than `tolerance_m2`.

**Why.** A 控规 governs only its planned area; a parcel beyond it plans land the plan has no
mandate for, and inflates the land-use statistics.

**How it is measured.** Parcels the planned area does not cover are cut by it; each part
outside with an area above the tolerance is a finding with the parcel's id.

**Example.** A parcel drawn 20 m past a straight boundary along 100 m has 2 000 m² outside.
""",
)
def check_outside(ctx):
    m, stop = _guard(ctx)
    if stop is not None:
        return stop
    pid = m.table["pid"]
    return _judge_pieces(
        ctx, m, m.outside, "parcel_outside",
        lambda o: f"地块 {pid.get(o.fids[0], o.fids[0])}: {o.area_m2:.2f} m² outside",
        ("超出不超过 {tol} 平方米", "nothing over {tol} m² outside"),
        ("{n} 个地块超出规划范围，共 {area} 平方米", "{n} parcel(s) reach outside the planned area, {area} m²"),
        ("地块均在规划范围内", "all parcels lie inside the planned area"))


def _judge_pieces(ctx, m, pieces, kind, info, threshold_text, found_text, clean_text, **measured):
    """Findings for the coverage pieces (overlaps, parts outside) larger than `tolerance_m2`."""
    tol = float(ctx.param("tolerance_m2"))
    big = [p for p in pieces if p.area_m2 > tol]
    area = sum(p.area_m2 for p in big)
    features = [Indicator(kind=kind, role=ROLE, layer=m.layer, fid=p.fids[0] if p.fids else None,
                          geometry=p.geometry, measured=p.area_m2, info=info(p)) for p in big[:MAX_FEATURES]]
    fill = {"tol": f"{tol:g}", "n": len(big), "area": f"{area:.2f}"}
    (msg_zh, msg_en) = found_text if big else clean_text
    return ctx.result(
        bool(big), features=features, measured=_area_measure(area, count=len(big), **measured),
        threshold={"tolerance_m2": tol, "text_zh": threshold_text[0].format(**fill),
                   "text_en": threshold_text[1].format(**fill)},
        message_zh=msg_zh.format(**fill), message_en=msg_en.format(**fill),
    )


@register(
    "GC614", "无碎小地块", "No sliver parcels", roles=(ROLE,), measures=(PARCELS,),
    params={"min_area_m2": {"type": "number", "exclusiveMinimum": 0, "description": "smallest plausible parcel, m²"}},
    required=("min_area_m2",),
    doc="""
**What it checks.** No parcel is smaller than `min_area_m2` (碎小图斑).

**Why.** Tiny parcels are nearly always drawing debris: slivers left by editing, duplicated
vertices, a label's frame digitised as a parcel. They hide real gaps and overlaps.

**How it is measured.** Each parcel's area in the metric target CRS (after make_valid repair).

**Example.** With `min_area_m2 = 10`, a 0.4 m × 12 m sliver (4.8 m²) is reported.
""",
)
def check_slivers(ctx):
    m, stop = _guard(ctx)
    if stop is not None:
        return stop
    lo = float(ctx.param("min_area_m2"))
    t = m.table
    small = t[t["area_m2"] < lo]
    features = [_ind("sliver", m, fid, row, f"{_label(row)}: {row['area_m2']:.2f} m²", measured=row["area_m2"])
                for fid, row in small.head(MAX_FEATURES).iterrows()]
    return ctx.result(
        len(small) > 0, features=features,
        measured={"count": int(len(small)), "smallest_m2": round(float(t["area_m2"].min()), 3) if len(t) else None,
                  "text": f"{len(small)} parcels under {lo:g} m²",
                  "text_zh": f"{len(small)} 个地块小于 {lo:g} 平方米"},
        threshold={"min_area_m2": lo, "text_zh": f"地块面积不小于 {lo:g} 平方米", "text_en": f"parcels of at least {lo:g} m²"},
        message_zh=f"{len(small)} 个地块面积小于 {lo:g} 平方米" if len(small) else f"无小于 {lo:g} 平方米的碎小地块",
        message_en=f"{len(small)} parcel(s) smaller than {lo:g} m²" if len(small) else f"no parcel under {lo:g} m²",
    )


@register(
    "GC621", "申报面积与图形面积一致", "Declared area matches drawn area", roles=(ROLE,), measures=(PARCELS,),
    params={"tolerance_m2": {"type": "number", "minimum": 0, "description": "accepted |declared − measured|, m²"}},
    required=("tolerance_m2",),
    doc="""
**What it checks.** Each parcel's declared area (YDMJ, DKMJ, TBMJ …) equals its measured area
within `tolerance_m2` (面积一致性).

**Why.** Declared areas feed the land-use balance table; a parcel whose attribute disagrees
with its drawing means one of them was edited without the other.

**How it is measured.** The measured area is the parcel's planar area in the target CRS
(the town's CGCS2000 3° Gauss–Krüger zone by default, as 控规 databases compute it). The
declared area is read in m², or in the unit named by the config's `[fields] declared_area_unit`
(`ha`, `mu`). A declared value that is blank or not a number is a finding too. Without a
declared-area field the rule does not run.

**Example.** Declared 12 000.000 m², drawn 12 000.4 m²: passes at 1 m²; declared 12 050 fails.
""",
)
def check_declared_area(ctx):
    m, stop = _guard(ctx, "declared_area")
    if stop is not None:
        return stop
    tol = float(ctx.param("tolerance_m2"))
    t = m.table
    diff = (t["declared_m2"] - t["area_m2"])
    bad = t[diff.isna() | (diff.abs() > tol)]
    features = []
    for fid, row in bad.head(MAX_FEATURES).iterrows():
        d = row["declared_m2"] - row["area_m2"]
        info = (f"{_label(row)}: declared {row['declared_m2']:.3f} m², drawn {row['area_m2']:.3f} m² (Δ {d:+.3f} m²)"
                if not math.isnan(d) else f"{_label(row)}: no numeric declared area")
        features.append(_ind("area_mismatch", m, fid, row, info, measured=None if math.isnan(d) else float(d)))
    worst = float(diff.abs().max()) if diff.notna().any() else None
    unit = m.fields.declared_area_unit
    return ctx.result(
        len(bad) > 0, features=features,
        measured={"count": int(len(bad)), "largest_difference_m2": worst, "declared_area_unit": unit,
                  "text": f"{len(bad)} parcels off by more than {tol:g} m²",
                  "text_zh": f"{len(bad)} 个地块申报面积与图形面积相差超过 {tol:g} 平方米"},
        threshold={"tolerance_m2": tol, "text_zh": f"差值不超过 {tol:g} 平方米", "text_en": f"within {tol:g} m²"},
        message_zh=(f"{len(bad)} 个地块申报面积与图形面积相差超过 {tol:g} 平方米" if len(bad)
                    else f"申报面积与图形面积一致（容差 {tol:g} 平方米）"),
        message_en=(f"{len(bad)} parcel(s) declare an area more than {tol:g} m² off the drawn one" if len(bad)
                    else f"declared areas match the drawn ones within {tol:g} m²"),
    )


@register(
    "GC631", "建设用地与建设范围一致", "Construction land matches the construction zone",
    roles=(ROLE, "construction"), measures=(PARCELS,),
    params={"tolerance_pct": {**PCT, "description": "accepted difference, percent of the construction zone"},
            "tolerance_m2": {"type": "number", "minimum": 0, "description": "accepted difference, m² (either bound suffices)"}},
    any_of=(("tolerance_pct",), ("tolerance_m2",)),
    doc="""
**What it checks.** The land the parcels code as construction land (the profile's
`[landuse] construction` classes) coincides with the declared construction zone (建设范围):
the parts that differ, each way, stay within `tolerance_m2` or `tolerance_pct` of the zone.

**Why.** The construction zone is what the size rules (GC211) measure; if the parcels plan
construction elsewhere, or leave part of the zone un-coded, the declared size is not the
planned one.

**How it is measured.** The union of construction-coded parcels and the construction zone are
compared both ways (construction-coded land outside the zone; zone land not coded as
construction); both differences are reported as polygons with their areas. Needs a code or name
field.

**Example.** Zone 1.00 km², construction parcels 0.93 km² of it plus 0.02 km² outside: 0.07 km²
un-coded and 0.02 km² outside; with `tolerance_pct = 5` it fails (7 % > 5 %).
""",
)
def check_construction(ctx):
    m, stop = _guard(ctx, "code", "name", any_of=True)
    if stop is not None:
        return stop
    zone, zone_m2 = ctx.submission.roles["construction"], ctx.area("construction").area_m2
    vs = m.construction_vs_zone
    out, missing = vs["parcels_outside_zone"], vs["zone_not_coded"]
    worst = max(out.area_m2, missing.area_m2)
    limits = []
    if ctx.param("tolerance_m2") is not None:
        limits.append(float(ctx.param("tolerance_m2")))
    if ctx.param("tolerance_pct") is not None:
        limits.append(zone_m2 * float(ctx.param("tolerance_pct")) / 100.0)
    limit = max(limits)
    features = []
    if out.area_m2 > 0:
        features.append(Indicator(kind="construction_outside_zone", role=ROLE, layer=m.layer, geometry=out.geometry,
                                  measured=out.area_m2, info=f"construction-coded parcels outside the zone: {out.area_m2:.1f} m²"))
    if missing.area_m2 > 0:
        features.append(Indicator(kind="zone_not_construction", role="construction", layer=zone.ref.name,
                                  geometry=missing.geometry, measured=missing.area_m2,
                                  info=f"construction zone not coded as construction land: {missing.area_m2:.1f} m²"))
    tol_text = " / ".join(filter(None, [
        f"{ctx.param('tolerance_m2'):g} m²" if ctx.param("tolerance_m2") is not None else None,
        f"{ctx.param('tolerance_pct'):g}%" if ctx.param("tolerance_pct") is not None else None]))
    return ctx.result(
        worst > limit, features=features,
        measured={"construction_land": _area_measure(m.construction_m2), "zone": _area_measure(zone_m2),
                  "coded_outside_zone_m2": round(out.area_m2, 2), "zone_not_coded_m2": round(missing.area_m2, 2),
                  "text": f"{format_area(m.construction_m2)} coded vs {format_area(zone_m2)} zone",
                  "text_zh": f"按代码的建设用地 {format_area(m.construction_m2)}，建设范围 {format_area(zone_m2)}"},
        threshold={"limit_m2": round(limit, 2), "text_zh": f"差异不超过 {tol_text}（取较宽者）",
                   "text_en": f"differences within {tol_text} (the wider applies)"},
        message_zh=(f"按用地代码计建设用地 {format_area(m.construction_m2)}，建设范围 {format_area(zone_m2)}；"
                    f"范围外建设用地 {out.area_m2:.1f} 平方米，范围内非建设用地 {missing.area_m2:.1f} 平方米"),
        message_en=(f"construction land by code {format_area(m.construction_m2)}, construction zone "
                    f"{format_area(zone_m2)}; {out.area_m2:.1f} m² coded outside the zone, "
                    f"{missing.area_m2:.1f} m² of the zone not coded as construction"),
    )


@register(
    "GC641", "住宅用地占建设用地比例", "Residential share of construction land", roles=(ROLE,), measures=(PARCELS,),
    params={"max_pct": {**PCT, "description": "largest accepted share, percent (fails above)"},
            "warn_above_pct": {**PCT, "description": "share above which the rule warns (the encouraged level)"}},
    required=("max_pct",),
    doc="""
**What it checks.** Residential land (the profile's `[landuse] residential` classes) is at most
`max_pct` percent of construction land (the `[landuse] construction` classes); above
`warn_above_pct` it warns.

**Why.** The national guideline for featured towns (全国特色小镇规范健康发展导则, 发改规划〔2021〕1383号)
says "建设用地中住宅用地占比原则上不超过30%、鼓励控制在25%以下", to stop towns becoming
real-estate projects; 国办发〔2020〕33号 asked to keep the share reasonable (news summaries: ⅓).

**How it is measured.** Parcel areas in the metric target CRS are summed by class (as a
用地平衡表 does); share = residential ÷ construction × 100. Which codes are residential is
profile data: national-2021 counts 住宅用地 (2023: 07 minus the community-service classes 0702
and 0704; GB 50137: R minus R12/R22/R32). Parcels whose code cannot be resolved count in
neither sum and GC601 reports them. A share counts as over a bound only when the residential
area exceeds it by more than the profile's `measurement_tolerance.area_m2`. Needs a code or name
field.

**Example.** 300 000 m² residential of 1 000 000 m² construction land = 30.0 %: passes at
`max_pct = 30`, warns with `warn_above_pct = 25`; 30.1 % fails.
""",
)
def check_residential_share(ctx):
    m, stop = _guard(ctx, "code", "name", any_of=True)
    if stop is not None:
        return stop
    hi, warn = float(ctx.param("max_pct")), ctx.param("warn_above_pct")
    share = m.residential_share_pct
    threshold = {"max_pct": hi, "warn_above_pct": warn,
                 "text_zh": f"不超过 {hi:g}%" + (f"（超过 {warn:g}% 提示）" if warn is not None else ""),
                 "text_en": f"at most {hi:g}%" + (f" (warning above {warn:g}%)" if warn is not None else "")}
    if share is None:
        return ctx.not_run(Status.NOT_RUN, "地块中没有可识别的建设用地，无法计算住宅用地占比",
                           "not run: no parcel is recognisably construction land, so the share is undefined")
    measured = {"value": round(share, 3), "unit": "%", "residential": _area_measure(m.residential_m2),
                "construction": _area_measure(m.construction_m2), "text": f"{share:.2f}%"}
    # A share on its bound within the measurement tolerance (measurement_tolerance.area_m2 of
    # residential land) is on it, as for every other bound: 30.0 % is not 30.0000001 %.
    tol = ctx.area_tolerance_m2

    def over(pct):
        return m.residential_m2 > pct / 100.0 * m.construction_m2 + tol

    base_zh = f"住宅用地 {format_area(m.residential_m2)}，占建设用地 {format_area(m.construction_m2)} 的 {share:.2f}%"
    base_en = f"residential land {format_area(m.residential_m2)} is {share:.2f}% of construction land {format_area(m.construction_m2)}"
    if over(hi):
        return ctx.result(True, measured=measured, threshold=threshold,
                          message_zh=f"{base_zh}，超过 {hi:g}%", message_en=f"{base_en}, above {hi:g}%")
    if warn is not None and over(float(warn)):
        return ctx.result(True, measured=measured, threshold=threshold, severity=Severity.WARNING,
                          message_zh=f"{base_zh}，超过鼓励值 {float(warn):g}%",
                          message_en=f"{base_en}, above the encouraged {float(warn):g}%")
    return ctx.result(False, measured=measured, threshold=threshold,
                      message_zh=f"{base_zh}，符合要求", message_en=f"{base_en}, within the limit")


@register(
    "GC642", "用地构成与绿地开敞空间", "Land-use composition and green space", roles=(ROLE,), measures=(PARCELS,),
    params={"min_green_pct": {**PCT, "description": "smallest accepted green/open-space share of construction land, percent (optional: without it the share is only reported)"}},
    doc="""
**What it checks.** Reports the land-use composition by first-level class (area in km², 亩 and
m², share of construction land and of all parcels) and the green and open-space share (the
profile's `[landuse] green` classes). Fails only when the profile sets `min_green_pct` and the
share of construction land is below it. 绿化覆盖率 (vegetation cover, which the 2021 guideline
asks to be at least 30 %) cannot be measured from parcels: the report shows a labelled estimate
(green-class parcels plus each other parcel's 绿地率) that never decides the verdict.

**Why.** Reviewers copy this table into their opinion by hand today; the composition shows at a
glance what a town is made of.

**How it is measured.** Parcel areas in the metric target CRS are summed by first-level class
(2023: the two-digit class; GB 50137: the letter). Needs a code or name field.

**Example.** A town with 0.12 km² of 14 绿地与开敞空间用地 among 0.80 km² of construction land
reports 15 %.
""",
)
def check_composition(ctx):
    m, stop = _guard(ctx, "code", "name", any_of=True)
    if stop is not None:
        return stop
    lo = ctx.param("min_green_pct")
    share = m.share_of_construction(m.green_m2)
    est = m.green_cover_estimate_pct
    measured = {"green": _area_measure(m.green_m2), "green_share_of_construction_pct": share,
                "green_cover_estimate_pct": est, "composition": m.composition,
                "text": f"green/open space {share:.2f}% of construction land" if share is not None else "no construction land",
                "text_zh": f"绿地与开敞空间占建设用地 {share:.2f}%" if share is not None else "无建设用地"}
    est_zh = f"；绿化覆盖率估算约 {est:.1f}%（仅供参考，不作判定）" if est is not None else ""
    est_en = f"; vegetation cover (绿化覆盖率) estimated at about {est:.1f}% (an estimate, never judged)" if est is not None else ""
    share_zh = f"{share:.2f}%" if share is not None else "—"
    share_en = f"{share:.2f}%" if share is not None else "—"
    violated = lo is not None and share is not None and share < float(lo)
    return ctx.result(
        violated, measured=measured,
        threshold={"min_green_pct": lo, "text_zh": f"不低于 {lo:g}%" if lo is not None else "仅报告",
                   "text_en": f"at least {lo:g}%" if lo is not None else "reported only"},
        message_zh=f"绿地与开敞空间用地 {format_area(m.green_m2)}，占建设用地 {share_zh}{est_zh}",
        message_en=f"green and open space {format_area(m.green_m2)}, {share_en} of construction land{est_en}",
    )


RANGE_PARAMS = {
    f"{key}_range": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                     "description": f"plausible {label} [low, high]"}
    for key, label in (("far", "容积率 FAR"), ("density", "建筑密度 %"), ("green_ratio", "绿地率 %"), ("height", "建筑限高 m"))
}


# Which range a limit field is held to: RJLSX (far_max) is a FAR.
INDICATOR_OF = {"far": "far", "far_max": "far", "far_min": "far", "density": "density", "density_max": "density",
                "green_ratio": "green_ratio", "green_ratio_min": "green_ratio", "green_ratio_max": "green_ratio",
                "height": "height"}


@register(
    "GC651", "建设地块控制指标齐全", "Construction parcels carry control indicators", roles=(ROLE,), measures=(PARCELS,),
    params={"indicators": {"type": "array", "items": {"enum": ["far", "density", "green_ratio", "height"]},
                           "minItems": 1, "description": "indicators every construction parcel must carry"}},
    required=("indicators",),
    doc="""
**What it checks.** Every parcel coded as construction land carries each control indicator the
profile lists (`far` 容积率, `density` 建筑密度, `green_ratio` 绿地率, `height` 建筑限高). A value
may come from the indicator's own field (RJL) or, for FAR and green ratio, from an upper or
lower limit field (RJLSX / RJLXX, LDLSX / LDLXX).

**Why.** A 控规 controls construction through these indicators (控制性详细规划 = 控制指标); a
construction parcel without them is not controlled at 控规 depth.

**How it is measured.** Fields are found by aliases or the config's `[fields]`. An indicator
with no field at all makes the rule `not_run` (naming the field); a field present but blank on a
construction parcel is a finding with the parcel's id. Parcels coded as green land, roads and
other non-building classes are held to the same list only if the profile's construction classes
include them.

**Example.** `indicators = ["far", "density", "green_ratio", "height"]`: a 0701 parcel with
RJL = 2.0, JZMD = 30, LDL = 35 and a blank JZXG is reported.
""",
)
def check_indicators_present(ctx):
    m, stop = _m(ctx)
    if stop is not None:
        return stop
    wanted = list(ctx.param("indicators"))
    sources = {"far": ("far", "far_max", "far_min"), "density": ("density", "density_max"),
               "green_ratio": ("green_ratio", "green_ratio_min", "green_ratio_max"), "height": ("height",)}
    absent = [k for k in wanted if not any(m.fields.get(p) for p in sources[k])]
    if absent:
        return _needs(ctx, m, *absent)
    t = m.table
    cons = t[t["construction"]]
    # per indicator: no value in any of its fields (a value that is not a number is GC652's)
    lacks = {k: np.logical_and.reduce([cons[p].isna() & ~cons[p + "_bad"] for p in sources[k] if p in cons])
             for k in wanted}
    any_lack = np.logical_or.reduce(list(lacks.values()))
    count = int(any_lack.sum())
    features = []
    for pos in np.flatnonzero(any_lack)[:MAX_FEATURES]:
        fid, row = cons.index[pos], cons.iloc[pos]
        lacking = [k for k in wanted if lacks[k][pos]]
        features.append(_ind("indicator_missing", m, fid, row,
                             f"{_label(row)} ({row['code']}): " + ", ".join(PURPOSES[k].title_en for k in lacking)))
    return ctx.result(
        count > 0, features=features,
        measured={"construction_parcels": int(len(cons)), "lacking": count, "text": f"{count} of {len(cons)} lacking",
                  "text_zh": f"{len(cons)} 个建设用地地块中 {count} 个缺少指标"},
        threshold={"indicators": wanted, "text_zh": "建设地块均有控制指标", "text_en": "every construction parcel has them"},
        message_zh=(f"{len(cons)} 个建设地块中 {count} 个缺少控制指标" if count
                    else f"{len(cons)} 个建设地块控制指标齐全"),
        message_en=(f"{count} of {len(cons)} construction parcels lack control indicators" if count
                    else f"all {len(cons)} construction parcels carry their control indicators"),
    )


@register(
    "GC652", "控制指标取值合理", "Control indicators plausible", roles=(ROLE,), measures=(PARCELS,), params=RANGE_PARAMS,
    required=tuple(RANGE_PARAMS),
    doc="""
**What it checks.** Every control indicator present on a parcel is a number within the
profile's plausible range (`far_range`, `density_range`, `green_ratio_range`, `height_range`;
limit fields RJLSX/RJLXX, LDLSX/LDLXX use their indicator's range), and every upper limit is at
least its lower limit (RJLSX ≥ RJLXX, LDLSX ≥ LDLXX).

**Why.** Typical 控规 入库 rules: RJL 0–50, JZMD 0–100 %, LDL 0–100 %, JZXG 0–1000 m. Values
outside are unit or typing errors (a 绿地率 of 0.35 typed as a ratio is plausible; of 3500 is not).

**How it is measured.** Values are read as numbers (a trailing % is accepted); text that is not
a number is a finding. Blank values are left to GC651. Needs at least one indicator field.

**Example.** RJL = 65 fails (`far_range = [0, 50]`); RJLSX = 2.0 with RJLXX = 2.5 fails.
""",
)
def check_indicator_values(ctx):
    m, stop = _m(ctx)
    if stop is not None:
        return stop
    present = [p for p in ("far", "far_max", "far_min", "density", "density_max", "green_ratio",
                           "green_ratio_min", "green_ratio_max", "height") if m.fields.get(p)]
    if not present:
        return _needs(ctx, m, "far", "density", "green_ratio", "height", any_of=True)
    t = m.table
    ranges = {p: ctx.param(INDICATOR_OF[p] + "_range") for p in present}
    # Vectorised screen; the few parcels it flags are described one by one.
    suspect = np.zeros(len(t), bool)
    for p in present:
        lo, hi = ranges[p]
        suspect |= t[p + "_bad"].to_numpy() | (t[p].notna() & ~t[p].between(lo, hi)).to_numpy()
    for upper, lower in BOUND_PAIRS:
        if upper in present and lower in present:
            suspect |= (t[upper] < t[lower]).to_numpy()
    features, count = [], 0
    for fid, row in t[suspect].iterrows():
        problems = []
        for p in present:
            v, bad = row.get(p), row.get(p + "_bad", False)
            if bad:
                problems.append(f"{PURPOSES[p].title_en} not a number")
            elif not _blank(v):
                lo, hi = ranges[p]
                if not (lo <= v <= hi):
                    problems.append(f"{PURPOSES[p].title_en} {v:g} outside {lo:g}–{hi:g}")
        for upper, lower in BOUND_PAIRS:
            if upper in present and lower in present and not _blank(row.get(upper)) and not _blank(row.get(lower)) \
                    and row[upper] < row[lower]:
                problems.append(f"{PURPOSES[upper].title_en} {row[upper]:g} < {PURPOSES[lower].title_en} {row[lower]:g}")
        if problems:
            count += 1
            if len(features) < MAX_FEATURES:
                features.append(_ind("indicator_out_of_range", m, fid, row, f"{_label(row)}: " + "; ".join(problems)))
    return ctx.result(
        count > 0, features=features,
        measured={"parcels": int(len(t)), "implausible": count, "fields": present, "text": f"{count} parcels", "text_zh": f"{count} 个地块"},
        threshold={**{k: ctx.param(k) for k in RANGE_PARAMS}, "text_zh": "指标在合理范围内且上限不小于下限",
                   "text_en": "indicators within plausible ranges, upper ≥ lower"},
        message_zh=f"{count} 个地块控制指标取值不合理" if count else "控制指标取值均合理",
        message_en=f"{count} parcel(s) with implausible control indicators" if count else "control indicators are plausible",
    )


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))
