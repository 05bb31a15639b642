"""GC301/GC302: the planned area and the construction zone are contiguous (集中连片)."""

from __future__ import annotations

from ..findings import Indicator
from ..roles import ROLES
from .registry import Quantity, register

PARAMS = {
    "gap_tolerance_m": {"type": "number", "minimum": 0, "description": "gaps up to this distance (m) do not break contiguity"},
    "max_parts": {"type": "integer", "minimum": 1, "description": "how many separate groups are accepted (default 1)"},
}


def _make_contiguity_rule(code, role):
    r = ROLES[role]
    parts = Quantity.parts(role)

    @register(
        code, f"{r.title_zh}集中连片", f"{r.title_en.capitalize()} contiguous",
        roles=(role,), measures=(parts,), params=PARAMS, required=("gap_tolerance_m",),
        doc=f"""
**What it checks.** The {r.title_en} ({r.title_zh}) forms at most `max_parts` (default 1)
group once gaps up to `gap_tolerance_m` are closed.

**Why.** Zhejiang's policy asks for a planning space that is concentrated and contiguous
(集中连片); a town stitched together from scattered parcels is not a featured town. Small
slivers between adjacent parcels drawn in CAD should not count as a break, which is what the
tolerance is for.

**How it is measured.** The role's features are dissolved; the parts of the result are linked
by a minimum spanning tree over their shortest distances. Each tree link longer than the
tolerance separates one more group; the longest link is the largest gap. Every gap longer
than the tolerance is reported as a line geometry (the shortest connection between the two
parts) that a reviewer can open in GIS.

**Example.** Two construction parcels 250 m apart with `gap_tolerance_m = 0` give 2 parts,
2 groups, largest gap 250 m.
""",
    )
    def check(ctx):
        layer = ctx.submission.roles[role]
        tol = float(ctx.param("gap_tolerance_m"))
        max_parts = int(ctx.param("max_parts", 1))
        c = ctx.measured(parts).at(tol + ctx.length_tolerance_m)  # a gap a hair over the bound is on it
        features = [
            Indicator(kind="gap", role=role, layer=layer.ref.name, geometry=g.line, measured=g.distance_m,
                      info=f"gap {g.distance_m:.1f} m between parts {g.part_a + 1} and {g.part_b + 1}")
            for g in c.gaps
        ]
        violated = c.groups > max_parts
        measured = {"parts": c.parts, "groups": c.groups, "largest_gap_m": round(c.largest_gap_m, 2),
                    "text": f"{c.groups} 片 / groups; max gap {c.largest_gap_m:.1f} m"}
        threshold = {"max_parts": max_parts, "gap_tolerance_m": tol,
                     "length_tolerance_m": ctx.length_tolerance_m,
                     "text_zh": f"不超过 {max_parts} 片（间隙容差 {tol:g} 米，量算容差 {ctx.length_tolerance_m:g} 米）",
                     "text_en": f"at most {max_parts} part(s) (gap tolerance {tol:g} m, measurement tolerance "
                                f"{ctx.length_tolerance_m:g} m)"}
        if violated:
            msg_zh = (f"{r.title_zh}分为 {c.groups} 片（原始 {c.parts} 块），最大间距 {c.largest_gap_m:.1f} 米，"
                      f"不满足集中连片要求")
            msg_en = (f"{r.title_en} falls into {c.groups} separate groups ({c.parts} parts as drawn); "
                      f"largest gap {c.largest_gap_m:.1f} m")
        else:
            msg_zh = f"{r.title_zh}集中连片（{c.parts} 块，最大间距 {c.largest_gap_m:.1f} 米，容差 {tol:g} 米）"
            msg_en = f"{r.title_en} is contiguous ({c.parts} part(s), largest gap {c.largest_gap_m:.1f} m, tolerance {tol:g} m)"
        return ctx.result(violated, measured=measured, threshold=threshold,
                          message_zh=msg_zh, message_en=msg_en, features=features)

    return check


_make_contiguity_rule("GC301", "boundary")
_make_contiguity_rule("GC302", "construction")
