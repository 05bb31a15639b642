"""GC2xx: the size of the planned area, the construction zone and the core area.

Each role has two rules: a hard range (x2x1) and an "about" target with a stated band
(x2x2), because policy says both "3–5 km²" and "about 3 km² (左右)", and 左右 has no
official tolerance: the profile states the band it uses and why.
"""

from __future__ import annotations

from ..findings import Severity
from ..roles import ROLES
from ..units import area_triplet, format_area, km2
from .registry import register

SEVERITY = {"type": "string", "enum": ["error", "warning"]}
RANGE_PARAMS = {
    "min_km2": {"type": "number", "minimum": 0, "description": "smallest accepted area, km²"},
    "max_km2": {"type": "number", "exclusiveMinimum": 0, "description": "largest accepted area, km²"},
    "severity_over_max": SEVERITY | {"description": "severity when only the maximum is exceeded (default: `severity`)"},
}
ABOUT_PARAMS = {
    "about_km2": {"type": "number", "exclusiveMinimum": 0, "description": "the policy's target area, km²"},
    "band_pct": {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "description": "accepted deviation from the target, percent (the profile's reading of 左右)"},
}


def _measured(layer) -> dict:
    out = area_triplet(layer.area_m2)
    out["geodesic_m2"] = round(layer.geodesic_area_m2, 2)
    out["text"] = format_area(layer.area_m2)
    return out


def _range_text(lo, hi) -> tuple[str, str]:
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g} 平方公里", f"{lo:g}–{hi:g} km²"
    if lo is not None:
        return f"≥ {lo:g} 平方公里", f"≥ {lo:g} km²"
    return f"≤ {hi:g} 平方公里", f"≤ {hi:g} km²"


def _make_range_rule(code, role):
    r = ROLES[role]

    @register(
        code, f"{r.title_zh}面积范围", f"{r.title_en.capitalize()} within range",
        roles=(role,), params=RANGE_PARAMS, any_of=(("min_km2",), ("max_km2",)),
        doc=f"""
**What it checks.** The area of the {r.title_en} ({r.title_zh}) lies within the profile's range
(`min_km2` … `max_km2`, either bound optional).

**Why.** Featured-town policies cap and floor the size of the {r.title_en}; see the profile's
source for the numbers that apply.

**How it is measured.** All features of the role layer are dissolved (so overlapping features
are not counted twice) and measured in the metric target CRS (by default the CGCS2000 3°
Gauss–Krüger zone of the town); the geodesic area on the CGCS2000 ellipsoid is reported beside
it. A plan below `min_km2` is held at the rule's `severity`; above `max_km2` at
`severity_over_max` when the profile sets it (some ceilings are "not strictly enforced").

**Example.** `min_km2 = 3, max_km2 = 5`: 3.05 km² passes, 5.6 km² does not.
""",
    )
    def check(ctx):
        layer = ctx.submission.roles[role]
        lo, hi = ctx.param("min_km2"), ctx.param("max_km2")
        value = km2(layer.area_m2)
        text_zh, text_en = _range_text(lo, hi)
        threshold = {"min_km2": lo, "max_km2": hi, "text_zh": text_zh, "text_en": text_en}
        severity = None
        if lo is not None and value < lo:
            violated, where_zh, where_en = True, "小于下限", "below the minimum"
        elif hi is not None and value > hi:
            violated, where_zh, where_en = True, "超过上限", "above the maximum"
            severity = Severity(ctx.param("severity_over_max", ctx.severity.value))
        else:
            violated, where_zh, where_en = False, "在范围内", "within range"
        return ctx.result(
            violated, measured=_measured(layer), threshold=threshold, severity=severity,
            message_zh=f"{r.title_zh}面积 {value:.3f} 平方公里，{where_zh}（{text_zh}）",
            message_en=f"{r.title_en} {value:.3f} km² is {where_en} ({text_en})",
        )

    return check


def _make_about_rule(code, role):
    r = ROLES[role]

    @register(
        code, f"{r.title_zh}面积控制目标", f"{r.title_en.capitalize()} near target",
        roles=(role,), params=ABOUT_PARAMS, required=("about_km2", "band_pct"),
        doc=f"""
**What it checks.** The area of the {r.title_en} ({r.title_zh}) is "about" the profile's
target: within `about_km2` ± `band_pct` percent.

**Why.** Policies state sizes as "左右" (about) without an official tolerance. geocheck
never invents one silently: each profile states the band it uses and why, and the report
prints the band next to the measured value.

**How it is measured.** As for the range rule: dissolved features, metric target CRS, with the
geodesic area alongside.

**Example.** `about_km2 = 3, band_pct = 15` accepts 2.55–3.45 km².
""",
    )
    def check(ctx):
        layer = ctx.submission.roles[role]
        about, band = ctx.param("about_km2"), ctx.param("band_pct")
        lo, hi = about * (1 - band / 100.0), about * (1 + band / 100.0)
        value = km2(layer.area_m2)
        deviation = 100.0 * (value - about) / about
        threshold = {
            "about_km2": about, "band_pct": band, "min_km2": round(lo, 6), "max_km2": round(hi, 6),
            "text_zh": f"{about:g} 平方公里左右（±{band:g}%，即 {lo:.3g}–{hi:.3g} 平方公里）",
            "text_en": f"about {about:g} km² (±{band:g}%: {lo:.3g}–{hi:.3g} km²)",
        }
        violated = not (lo <= value <= hi)
        measured = _measured(layer)
        measured["deviation_pct"] = round(deviation, 2)
        return ctx.result(
            violated, measured=measured, threshold=threshold,
            message_zh=f"{r.title_zh}面积 {value:.3f} 平方公里，偏离目标 {deviation:+.1f}%（允许 ±{band:g}%）",
            message_en=f"{r.title_en} {value:.3f} km² deviates {deviation:+.1f}% from {about:g} km² (band ±{band:g}%)",
        )

    return check


for _role, _range_code, _about_code in (
    ("boundary", "GC201", "GC202"),
    ("construction", "GC211", "GC212"),
    ("core", "GC221", "GC222"),
):
    _make_range_rule(_range_code, _role)
    _make_about_rule(_about_code, _role)
