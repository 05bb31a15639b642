"""GC2xx: the size of the planned area, the construction zone and the core area.

Each role has two rules: a hard range (x2x1) and an "about" target (x2x2), because policy says
both "3–5 km²" and "about 3 km² (左右)". 左右 has no official tolerance, so an "about" rule has
two bands the profile states and justifies: inside the pass band it passes, inside the warn
band it warns, beyond it the figure is no longer "about" the target and the rule is violated.

Every bound is held with the profile's measurement tolerance (measurement_tolerance.area_m2): a
value that misses a bound by no more than that passes, and the message says so, so that
reprojection and curve linearisation (hundredths of a m² on a town) never decide a verdict.
"""

from __future__ import annotations

from ..findings import Severity
from ..roles import ROLES
from ..units import M2_PER_KM2, area_triplet, format_area, group_digits, km2
from .registry import register

RANGE_PARAMS = {
    "min_km2": {"type": "number", "minimum": 0, "description": "smallest accepted area, km²"},
    "max_km2": {"type": "number", "exclusiveMinimum": 0, "description": "largest accepted area, km²"},
}
ABOUT_PARAMS = {
    "about_km2": {"type": "number", "exclusiveMinimum": 0, "description": "the policy's target area, km²"},
    "pass_band_pct": {"type": "number", "exclusiveMinimum": 0, "maximum": 100,
                      "description": "deviation from the target that passes, percent (the profile's reading of 左右)"},
    "warn_band_pct": {"type": "number", "exclusiveMinimum": 0, "maximum": 100,
                      "description": "deviation beyond the pass band that only warns, percent; beyond it the "
                                     "rule is violated at its severity"},
}
NEAR_BOUND_KM2 = 0.0005  # closer than this to a bound, a message prints m² to two decimals


def _measured(area) -> dict:
    out = area_triplet(area.area_m2)
    out["geodesic_m2"] = round(area.geodesic_m2, 2)
    out["text"] = format_area(area.area_m2)
    return out


def _value_text(m2: float, bounds_km2) -> tuple[str, str]:
    """The area as a message prints it: km² to three decimals, or exact m² near a bound."""
    near = any(b is not None and abs(km2(m2) - b) < NEAR_BOUND_KM2 for b in bounds_km2)
    if near:
        exact = f"{group_digits(m2, 2)}"
        return f"{exact} 平方米（{km2(m2):.6f} 平方公里）", f"{exact} m² ({km2(m2):.6f} km²)"
    return f"{km2(m2):.3f} 平方公里", f"{km2(m2):.3f} km²"


def _tolerance_texts(tol_m2: float) -> tuple[str, str]:
    return f"量算容差 {tol_m2:g} 平方米", f"measurement tolerance {tol_m2:g} m²"


def compare(value_m2: float, lo_km2, hi_km2, tol_m2: float) -> tuple[str, float]:
    """('below' | 'above' | 'within' | 'within_tolerance', by how many m² a bound is missed)."""
    if lo_km2 is not None and value_m2 < lo_km2 * M2_PER_KM2:
        miss = lo_km2 * M2_PER_KM2 - value_m2
        return ("within_tolerance" if miss <= tol_m2 else "below"), miss
    if hi_km2 is not None and value_m2 > hi_km2 * M2_PER_KM2:
        miss = value_m2 - hi_km2 * M2_PER_KM2
        return ("within_tolerance" if miss <= tol_m2 else "above"), miss
    return "within", 0.0


def _exemption_texts(ctx, value_m2: float, bound: str) -> tuple[str, str]:
    """What a town-type exemption changed, when it is why a value passes."""
    e = ctx.exemption
    if not e or bound not in e["changed"]:
        return "", ""
    was = e["changed"][bound]["from"]
    if was is None or value_m2 <= was * M2_PER_KM2:
        return "", ""
    to = e["changed"][bound]["to"]
    now_zh = "不设上限" if to is None else f"上限调整为 {to:g} 平方公里"
    now_en = "the cap is waived" if to is None else f"the cap is raised to {to:g} km²"
    return (f"；超过一般上限 {was:g} 平方公里，但按{e['town_type']}类型小镇{now_zh}（依据：{e['source']}）",
            f"; above the general cap of {was:g} km², but for a {e['town_type']} town {now_en} "
            f"(source: {e['source']})")


def _make_range_rule(code, role):
    r = ROLES[role]

    @register(
        code, f"{r.title_zh}面积范围", f"{r.title_en.capitalize()} within range",
        roles=(role,), params=RANGE_PARAMS, any_of=(("min_km2",), ("max_km2",)),
        doc=f"""
**What it checks.** The area of the {r.title_en} ({r.title_zh}) lies within the profile's range
(`min_km2` … `max_km2`, either bound optional). A bound is a bound: below the minimum or above
the maximum the rule is violated at its severity. A profile may raise or waive a bound for a
town type its source names (`exemptions`, e.g. cultural-tourism towns under 国办发〔2020〕33号);
the report then quotes that source.

**Why.** Featured-town policies cap and floor the size of the {r.title_en}; see the profile's
source for the numbers that apply.

**How it is measured.** All features of the role layer are dissolved (so overlapping features
are not counted twice) and measured in the metric target CRS (by default the CGCS2000 3°
Gauss–Krüger zone of the town); the geodesic area on the CGCS2000 ellipsoid is reported beside
it. A value that misses a bound by no more than the profile's `measurement_tolerance.area_m2`
passes, and the message says it was within the tolerance.

**Example.** `min_km2 = 3, max_km2 = 5`, tolerance 1 m²: 3.05 km² passes; 2 999 999.95 m²
passes (0.05 m² short, within the tolerance); 2 998 000 m² and 5.6 km² do not.
""",
    )
    def check(ctx):
        area = ctx.area(role)
        lo, hi = ctx.param("min_km2"), ctx.param("max_km2")
        tol = ctx.area_tolerance_m2
        value = area.area_m2
        text_zh, text_en = _range_text(lo, hi)
        tol_zh, tol_en = _tolerance_texts(tol)
        threshold = {"min_km2": lo, "max_km2": hi, "tolerance_m2": tol,
                     "text_zh": f"{text_zh}（{tol_zh}）", "text_en": f"{text_en} ({tol_en})"}
        where, miss = compare(value, lo, hi, tol)
        v_zh, v_en = _value_text(value, (lo, hi))
        violated = where in ("below", "above")
        if where == "below":
            how_zh, how_en = f"小于下限（差 {group_digits(miss, 2)} 平方米）", f"below the minimum by {group_digits(miss, 2)} m²"
        elif where == "above":
            how_zh, how_en = f"超过上限（超出 {group_digits(miss, 2)} 平方米）", f"above the maximum by {group_digits(miss, 2)} m²"
        elif where == "within_tolerance":
            how_zh = f"与界限相差 {group_digits(miss, 2)} 平方米，在{tol_zh}之内，视为满足"
            how_en = f"misses the bound by {group_digits(miss, 2)} m², within the {tol_en}, so it passes"
        else:
            how_zh, how_en = "在范围内", "within range"
        ex_zh, ex_en = _exemption_texts(ctx, value, "max_km2")
        return ctx.result(
            violated, measured=_measured(area), threshold=threshold,
            message_zh=f"{r.title_zh}面积 {v_zh}，{how_zh}（{text_zh}）{ex_zh}",
            message_en=f"{r.title_en} {v_en} is {how_en} ({text_en}){ex_en}",
        )

    return check


def _range_text(lo, hi) -> tuple[str, str]:
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g} 平方公里", f"{lo:g}–{hi:g} km²"
    if lo is not None:
        return f"≥ {lo:g} 平方公里", f"≥ {lo:g} km²"
    if hi is not None:
        return f"≤ {hi:g} 平方公里", f"≤ {hi:g} km²"
    return "不限", "no bound"


def _make_about_rule(code, role):
    r = ROLES[role]

    @register(
        code, f"{r.title_zh}面积控制目标", f"{r.title_en.capitalize()} near target",
        roles=(role,), params=ABOUT_PARAMS, required=("about_km2", "pass_band_pct", "warn_band_pct"),
        doc=f"""
**What it checks.** The area of the {r.title_en} ({r.title_zh}) is "about" the profile's
target `about_km2`: within ± `pass_band_pct` percent it passes; within ± `warn_band_pct` it
warns (the reviewer decides whether the deviation is justified); beyond that it is violated at
the rule's severity, because a figure that far from the target is no longer "about" it.

**Why.** Policies state sizes as "左右" (about) without an official tolerance. geocheck never
invents one silently: each profile states both bands and why, and the report prints them next
to the measured value.

**How it is measured.** As for the range rule: dissolved features, metric target CRS, with the
geodesic area alongside; band edges are held with `measurement_tolerance.area_m2`.

**Example.** `about_km2 = 1, pass_band_pct = 15, warn_band_pct = 30`: 1.05 km² passes,
1.2 km² warns, 1.5 km² fails.
""",
    )
    def check(ctx):
        area = ctx.area(role)
        about = ctx.param("about_km2")
        inner, outer = ctx.param("pass_band_pct"), max(ctx.param("warn_band_pct"), ctx.param("pass_band_pct"))
        tol = ctx.area_tolerance_m2
        band = lambda pct: (about * (1 - pct / 100.0), about * (1 + pct / 100.0))  # noqa: E731
        (lo, hi), (wlo, whi) = band(inner), band(outer)
        value = area.area_m2
        deviation = 100.0 * (km2(value) - about) / about
        tol_zh, tol_en = _tolerance_texts(tol)
        threshold = {
            "about_km2": about, "pass_band_pct": inner, "warn_band_pct": outer, "tolerance_m2": tol,
            "min_km2": round(lo, 6), "max_km2": round(hi, 6), "warn_min_km2": round(wlo, 6), "warn_max_km2": round(whi, 6),
            "text_zh": f"{about:g} 平方公里左右（±{inner:g}% 即 {lo:.4g}–{hi:.4g} 平方公里为通过；"
                       f"±{outer:g}% 即 {wlo:.4g}–{whi:.4g} 平方公里以内为警告；{tol_zh}）",
            "text_en": f"about {about:g} km² (±{inner:g}%: {lo:.4g}–{hi:.4g} km² passes; "
                       f"±{outer:g}%: {wlo:.4g}–{whi:.4g} km² warns; {tol_en})",
        }
        in_pass, _ = compare(value, lo, hi, tol)
        in_warn, _ = compare(value, wlo, whi, tol)
        measured = _measured(area)
        measured["deviation_pct"] = round(deviation, 2)
        v_zh, v_en = _value_text(value, (lo, hi, wlo, whi))
        base_zh = f"{r.title_zh}面积 {v_zh}，偏离目标 {about:g} 平方公里 {deviation:+.1f}%"
        base_en = f"{r.title_en} {v_en} deviates {deviation:+.1f}% from {about:g} km²"
        if in_pass in ("within", "within_tolerance"):
            note_zh = f"（通过范围 ±{inner:g}%" + (f"，差值在{tol_zh}之内" if in_pass == "within_tolerance" else "") + "）"
            note_en = f" (passes within ±{inner:g}%" + (f"; the miss is within the {tol_en}" if in_pass == "within_tolerance" else "") + ")"
            return ctx.result(False, measured=measured, threshold=threshold,
                              message_zh=base_zh + note_zh, message_en=base_en + note_en)
        if in_warn in ("within", "within_tolerance"):
            return ctx.result(True, measured=measured, threshold=threshold, severity=Severity.WARNING,
                                message_zh=base_zh + f"，超出通过范围 ±{inner:g}%，在警告范围 ±{outer:g}% 内，请审查人员判断理由是否充分",
                                message_en=base_en + f", outside the pass band ±{inner:g}% but within the warn band "
                                                     f"±{outer:g}%: the reviewer judges whether it is justified")
        return ctx.result(True, measured=measured, threshold=threshold,
                          message_zh=base_zh + f"，超出“左右”的最大范围 ±{outer:g}%",
                          message_en=base_en + f", beyond the widest reading of 'about', ±{outer:g}%")

    return check


for _role, _range_code, _about_code in (
    ("boundary", "GC201", "GC202"),
    ("construction", "GC211", "GC212"),
    ("core", "GC221", "GC222"),
):
    _make_range_rule(_range_code, _role)
    _make_about_rule(_about_code, _role)
