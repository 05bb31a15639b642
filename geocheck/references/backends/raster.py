"""A GeoTIFF mask: non-zero cells are protected land, read only under the town (rasterio)."""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import CRS

from ...errors import CRSError, InputError, first_line
from ...inputs.safety import quiet_gdal, stat_input
from .. import coverage
from ..spec import KINDS, ReferenceSpec
from .base import ReferenceSource, plain

# Cells read under one town, and regions made of them (each becomes a polygon).
MAX_RASTER_CELLS = 25_000_000
MAX_RASTER_POLYGONS = 200_000


class RasterReference(ReferenceSource):
    """A GeoTIFF mask: non-zero cells are protected. Only the window under the submission is read;
    its protected cells become polygons (one region per cell value, the value as reference id),
    edges densified to the cell size so each cell keeps its true area after transformation.

    The grid is read once when opened; each read opens the file again for its window (≈ 1 ms): a
    GDAL dataset must not be read by two threads at once, and a worker's threads share a source."""

    band: int = 1
    transform: object = None  # affine.Affine of the grid
    shape: tuple[int, int] = (0, 0)  # rows, columns
    nodata: float | None = None

    @classmethod
    def accepts(cls, spec: ReferenceSpec) -> bool:
        return spec.is_raster

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "RasterReference":
        import rasterio
        from rasterio.errors import RasterioError

        label = spec.display
        stat_input(spec.source, label)
        if KINDS[spec.kind].geometry != "polygon":
            raise InputError(f"a raster mask cannot hold {KINDS[spec.kind].title_en}", label)
        try:
            with quiet_gdal(listing=True), rasterio.open(spec.source) as ds:
                crs, count, bounds = ds.crs, ds.count, ds.bounds
                grid = ds.transform, (ds.height, ds.width), ds.nodata
        except (RasterioError, OSError) as exc:
            raise InputError(f"not a raster GDAL can read ({first_line(exc)})", label) from None
        if crs is None:
            raise CRSError("raster mask has no coordinate reference system", label)
        try:
            band = int(spec.layer) if spec.layer else 1
        except ValueError:
            raise InputError(f"raster band must be a number, not '{spec.layer}'", label) from None
        if not 1 <= band <= count:
            raise InputError(f"raster has {count} band(s), not band {band}", label)
        src = cls(spec, CRS.from_user_input(crs.to_wkt()), "GTiff mask", f"band {band}", None)
        src.band, (src.transform, src.shape, src.nodata) = band, grid
        src.extent = tuple(float(v) for v in bounds)
        coverage.check_plausible_extent(src)
        return src

    def _window(self, box):
        """(window, cell values, protected mask, valid mask) under `box`, or None outside the raster.

        Refused beyond MAX_RASTER_CELLS: a fine mask under a large box would take GBs."""
        import rasterio
        from rasterio import windows

        inv = ~self.transform
        corners = [inv @ (x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
        cols, rows = [c for c, _ in corners], [r for _, r in corners]
        c0, c1 = max(0, math.floor(min(cols))), min(self.shape[1], math.ceil(max(cols)))
        r0, r1 = max(0, math.floor(min(rows))), min(self.shape[0], math.ceil(max(rows)))
        if c0 >= c1 or r0 >= r1:
            return None
        if (c1 - c0) * (r1 - r0) > MAX_RASTER_CELLS:
            raise InputError(f"the mask under the town is {c1 - c0} × {r1 - r0} cells, more than the "
                             f"{MAX_RASTER_CELLS:,} geocheck reads; resample it to a coarser cell size or give "
                             "it as polygons", self.label)
        win = windows.Window(c0, r0, c1 - c0, r1 - r0)
        try:
            with quiet_gdal(), rasterio.open(self.spec.source) as ds:
                data = ds.read(self.band, window=win)
        except Exception as exc:  # rasterio raises its own RasterioIOError for corrupt tiles
            raise InputError(f"cannot be read ({first_line(exc)})", self.label) from None
        valid = np.isfinite(data) if np.issubdtype(data.dtype, np.floating) else np.ones(data.shape, bool)
        if self.nodata is not None and not np.isnan(self.nodata):
            valid &= data != self.nodata
        return win, data, valid & (data != 0), valid

    def _data_problem(self, box):
        got = self._window(box)
        if got is None or got[3].any():
            return None  # outside the raster: the extent check speaks; else some cells are data
        return (f"未执行：栅格参考 {self.label} 在本小镇范围内全部为无数据（nodata），无法判断",
                f"not run: the raster mask {self.label} is nodata everywhere under the town, so it cannot "
                "show that the town is clear of it")

    def _read(self, box):
        from affine import Affine
        from rasterio import features

        got = self._window(box)
        if got is None or not got[2].any():
            return [], [], [], np.empty(0, dtype=object)
        win, data, mask, _ = got
        data = data.astype("float32") if np.issubdtype(data.dtype, np.floating) else data.astype("int32")
        cell = min(abs(self.transform.a), abs(self.transform.e))
        ids, geoms = [], []
        shift = self.transform @ Affine.translation(win.col_off, win.row_off)
        for geojson, value in features.shapes(data, mask=mask, connectivity=4, transform=shift):
            if len(geoms) >= MAX_RASTER_POLYGONS:  # a checkerboard makes one polygon per cell
                raise InputError(f"the mask under the town breaks into more than {MAX_RASTER_POLYGONS:,} "
                                 "separate regions; refusing (simplify or resample it)", self.label)
            ids.append(plain(value))
            geoms.append(shapely.segmentize(shapely.geometry.shape(geojson), cell))
        return ids, [None] * len(ids), [None] * len(ids), np.array(geoms, dtype=object)
