"""Can a reference layer be right for this town? Checked before it is trusted with a pass.

A reference layer whose coordinates do not fit its declared CRS (a GK layer with a lon/lat
.prj) is refused when it is opened. One that fits its CRS but lies elsewhere (a valid but
wrong .prj, another county's layer, an empty layer) or a raster mask that holds only nodata
under the town would yield zero candidates, and zero candidates reads as "no overlap": a
pass that was never checked. Such a reference makes its rules `not_run` instead, and the
report says why (ReferenceContext.coverage_problem).
"""

from __future__ import annotations

import numpy as np

from .. import crs as crs_mod


def check_plausible_extent(source) -> None:
    """CRSError when the layer's coordinates cannot be coordinates in its declared CRS."""
    if source.extent is not None and np.all(np.isfinite(source.extent)):
        crs_mod.check_plausible(source.extent, source.crs, source.layer or "", source.label)


def extent_problem(source, box) -> tuple[str, str] | None:
    """(zh, en) when the layer's extent does not reach `box` (the town in the layer's CRS)."""
    extent = source.extent
    if extent is None or source.kind.geometry != "polygon":
        # unknown, or points (heritage sites): their extent says nothing of coverage
        return None
    name = source.label
    if not np.all(np.isfinite(extent)):
        return (f"未执行：参考图层 {name} 不含任何要素，无法判断", f"not run: the reference {name} holds no features, "
                "so it cannot show that the town is clear of it")
    x0, y0, x1, y1 = extent
    if x1 < box[0] or box[2] < x0 or y1 < box[1] or box[3] < y0:
        where = f"({x0:.6g}, {y0:.6g})–({x1:.6g}, {y1:.6g})"
        town = f"({box[0]:.6g}, {box[1]:.6g})–({box[2]:.6g}, {box[3]:.6g})"
        crs = crs_mod.crs_label(source.crs)
        return (f"未执行：参考图层 {name} 的范围 {where} 未覆盖本小镇 {town}（{crs}），可能坐标系声明错误或为其他地区的图层",
                f"not run: the reference {name} does not cover the town: its extent {where} does not reach "
                f"the town's {town} in {crs} (a wrong .prj, or a layer of another area?)")
    return None
