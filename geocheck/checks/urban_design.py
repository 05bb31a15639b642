"""GC501: the core area is covered by an urban design (城市设计)."""

from __future__ import annotations

from ..findings import Indicator
from ..units import area_triplet, format_area
from .registry import Quantity, register

UNCOVERED = Quantity.outside("core", cover="urban_design")


@register(
    "GC501", "核心区城市设计覆盖", "Core area covered by urban design",
    roles=("core", "urban_design"), measures=(UNCOVERED,),
    params={
        "min_coverage_pct": {"type": "number", "minimum": 0, "maximum": 100, "description": "share of the core area that must be covered, percent"},
        "tolerance_m2": {"type": "number", "minimum": 0, "description": "uncovered area forgiven as digitising slack, m²"},
    },
    required=("min_coverage_pct", "tolerance_m2"),
    doc="""
**What it checks.** At least `min_coverage_pct` percent of the core area (核心区) lies inside
the urban-design area (城市设计范围); with 100 %, any uncovered part larger than
`tolerance_m2` fails.

**Why.** Zhejiang (浙建规〔2015〕83号) and Gansu require the core functional area to be
planned at urban-design depth, while the whole town is at 控规 depth. An urban design that
misses part of the core leaves that part without design control.

**How it is measured.** Core area minus urban-design area, both dissolved, in the metric target
CRS; coverage = 1 − uncovered / core. The uncovered part is reported as a polygon.

**Example.** A 0.6 km² core of which 0.18 km² lies outside the urban design: coverage 70 %,
fails a 100 % requirement.
""",
)
def check_urban_design_coverage(ctx):
    core = ctx.submission.roles["core"]
    required_pct = float(ctx.param("min_coverage_pct"))
    tol = float(ctx.param("tolerance_m2"))
    measured_outside = ctx.measured(UNCOVERED)
    pct, uncovered, uncovered_m2 = measured_outside.covered_pct, measured_outside.geometry, measured_outside.area_m2
    violated = pct < required_pct and uncovered_m2 > tol
    features = []
    if uncovered_m2 > tol:
        features.append(Indicator(kind="uncovered_core", role="core", layer=core.ref.name, geometry=uncovered,
                                  measured=uncovered_m2, info=f"{uncovered_m2:,.1f} m² of the core lacks an urban design"))
    measured = {"coverage_pct": round(pct, 3), "uncovered": area_triplet(uncovered_m2),
                "text": f"{pct:.1f}% (uncovered {format_area(uncovered_m2)})"}
    threshold = {"min_coverage_pct": required_pct, "tolerance_m2": tol,
                 "text_zh": f"城市设计覆盖核心区 ≥ {required_pct:g}%",
                 "text_en": f"urban design covers ≥ {required_pct:g}% of the core area"}
    return ctx.result(
        violated, measured=measured, threshold=threshold, features=features,
        message_zh=f"城市设计覆盖核心区 {pct:.1f}%，未覆盖 {format_area(uncovered_m2)}",
        message_en=f"urban design covers {pct:.1f}% of the core area; {format_area(uncovered_m2)} uncovered",
    )
