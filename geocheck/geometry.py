"""Geometry helpers: repair, keep the polygonal part, measure geodesically."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from .crs import CGCS2000_GEOGRAPHIC

EMPTY_POLYGON = shapely.from_wkt("POLYGON EMPTY")


def polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    """The polygons of any geometry (collections are reduced to their polygons)."""
    if geom is None or geom.is_empty:
        return EMPTY_POLYGON
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return EMPTY_POLYGON
    return shapely.union_all(parts)


def repair(geom: BaseGeometry | None) -> tuple[BaseGeometry, str | None]:
    """(valid polygonal geometry, reason it was invalid or None).

    make_valid keeps every part of a bow-tie; buffer(0) can silently drop one.
    """
    if geom is None or geom.is_empty:
        return EMPTY_POLYGON, None
    geom = shapely.force_2d(geom)
    if shapely.is_valid(geom):
        return polygonal(geom), None
    reason = shapely.is_valid_reason(geom)
    try:
        return polygonal(shapely.make_valid(geom)), reason
    except GEOSException:
        pass
    try:  # the default 'linework' method gives up on some collapsed rings; 'structure' does not
        return polygonal(shapely.make_valid(geom, method="structure", keep_collapsed=False)), reason
    except GEOSException:
        return EMPTY_POLYGON, f"{reason} (cannot be repaired; left out)"


def non_finite(geoms) -> list:
    """Positions of geometries with a NaN or infinite coordinate: no repair can place them."""
    bad = []
    for i, geom in enumerate(geoms):
        if geom is not None and not np.isfinite(shapely.get_coordinates(geom)).all():
            bad.append(i)
    return bad


def dissolve(geoms) -> BaseGeometry:
    """Union of a role's features, so overlapping features are not counted twice."""
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return EMPTY_POLYGON
    return polygonal(shapely.union_all(geoms))


class GeodesicMeter:
    """Measures geometries given in a projected CRS on the CGCS2000 ellipsoid."""

    def __init__(self, projected: CRS):
        self._to_lonlat = Transformer.from_crs(projected, CGCS2000_GEOGRAPHIC, always_xy=True)
        self._geod: Geod = CGCS2000_GEOGRAPHIC.get_geod()

    def area(self, geom: BaseGeometry) -> float:
        if geom is None or geom.is_empty:
            return 0.0
        lonlat = shapely.transform(geom, self._transform_xy)
        area, _ = self._geod.geometry_area_perimeter(shapely.orient_polygons(lonlat))
        return abs(area)

    def _transform_xy(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._to_lonlat.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
