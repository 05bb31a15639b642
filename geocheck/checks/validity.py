"""GC101: every feature of every role layer is a valid, non-empty polygon."""

from __future__ import annotations

import re

from shapely.geometry import Point

from ..findings import Indicator, plain_id
from ..roles import ROLES
from .registry import register

_LOCATION = re.compile(r"\[\s*(-?[\d.eE+]+)\s+(-?[\d.eE+]+)\s*\]")


@register(
    "GC101", "几何有效性", "Geometry validity",
    doc="""
**What it checks.** Every feature of every submitted role layer is a valid polygon (OGC
simple-features rules: closed rings, no self-intersection, holes inside shells) and not empty.

**Why.** Invalid polygons make areas and overlays unreliable — GIS tools either fail with
"TopologyException: non-noded intersection" or silently measure the wrong thing. Reviewers
need to know the boundary as drawn is not a clean polygon.

**How it is measured.** `shapely.is_valid_reason` on each feature after reprojection. An
invalid feature is repaired with `shapely.make_valid` (which keeps every part of a bow-tie,
unlike `buffer(0)`) and measurement goes on with the repaired geometry; the finding names the
layer, the feature id, the reason and its location. Empty features and features that are not
polygons (lines or points in a boundary layer) are listed too.

**Example.** A bow-tie boundary `POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))` is reported as
`Self-intersection[5 5]` and measured as two triangles.
""",
)
def check_validity(ctx):
    sub = ctx.submission
    found = []
    for role, layer in sub.roles.items():
        if layer is None:
            continue
        for fid, row in layer.features.iterrows():
            problem = row["invalid_reason"] or row["geometry_note"]
            if not problem:
                continue
            m = _LOCATION.search(problem)
            found.append(Indicator(
                kind="invalid_geometry", role=role, layer=layer.ref.name, fid=plain_id(fid),
                info=problem, geometry=Point(float(m.group(1)), float(m.group(2))) if m else None,
            ))
    if not found:
        return ctx.result(False, measured={"invalid_features": 0, "text": "0"},
                          threshold={"max_invalid_features": 0, "text": "0"},
                          message_zh="所有图层要素几何有效", message_en="all features are valid polygons")
    listing = "; ".join(f"{f.layer}#{f.fid}: {f.info}" for f in found[:5])
    more = f" (+{len(found) - 5})" if len(found) > 5 else ""
    roles_zh = "、".join(sorted({ROLES[f.role].title_zh for f in found}))
    return ctx.result(
        True,
        measured={"invalid_features": len(found), "text": str(len(found))},
        threshold={"max_invalid_features": 0, "text": "0"},
        message_zh=f"{roles_zh}中有 {len(found)} 个要素几何无效或为空（{listing}{more}）；已用 make_valid 修复后计算",
        message_en=f"{len(found)} feature(s) invalid or empty ({listing}{more}); measured after make_valid repair",
        features=found,
    )

