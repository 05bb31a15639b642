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
    parts, todo = [], [geom]
    while todo:  # collections nest: flatten them all the way down
        todo = list(shapely.get_parts(todo))
        parts += [g for g in todo if g.geom_type in ("Polygon", "MultiPolygon")]
        todo = [g for g in todo if g.geom_type == "GeometryCollection"]
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


def repair_all(geoms) -> tuple[list[BaseGeometry], list[str | None]]:
    """repair() over many geometries; the validity test is vectorised, so a layer of thousands
    of valid parcels costs one GEOS call, not thousands of Python calls."""
    arr = shapely.force_2d(np.asarray(geoms, dtype=object))
    ok = shapely.is_valid(arr) & np.isin(shapely.get_type_id(arr), (3, 6))  # valid (Multi)Polygons need nothing
    fixed, reasons = list(arr), [None] * len(arr)  # type: list, list[str | None]
    for i in np.flatnonzero(~ok):
        fixed[i], reasons[i] = repair(arr[i])
    return fixed, reasons


def non_finite(geoms) -> list:
    """Positions of geometries with a NaN or infinite coordinate: no repair can place them."""
    coords, index = shapely.get_coordinates(np.asarray(geoms, dtype=object), return_index=True)
    return sorted(set(index[~np.isfinite(coords).all(axis=1)].tolist()))


def coverage_dissolve(geoms) -> tuple[BaseGeometry, np.ndarray]:
    """(union of a role's features, so overlapping features are not counted twice; per feature
    whether it has an edge its neighbours do not match).

    Parcel layers tile their area: the features whose edges all match their neighbours' (a
    valid coverage, checked by GEOS) are merged edge by edge (coverage union, linear time),
    and only the rest go through the general overlay union. Only the unmatched features can
    overlap another or border a gap (geocheck.parcels uses that).
    """
    arr = np.asarray(list(geoms), dtype=object)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    unmatched = present.copy()
    if not present.any():
        return EMPTY_POLYGON, unmatched
    if present.sum() >= 3:
        unmatched[present] = ~shapely.is_empty(coverage_invalid_edges(arr[present]))
    if unmatched[present].mean() > 0.5:
        return polygonal(shapely.union_all(arr[present])), unmatched
    good = arr[present & ~unmatched]
    return polygonal(shapely.union_all([shapely.coverage_union_all(good), *arr[unmatched]])), unmatched


def coverage_invalid_edges(arr: np.ndarray) -> np.ndarray:
    """Per polygon, its edges that do not match a neighbour's (empty where all match)."""
    try:
        return shapely.coverage_invalid_edges(arr)
    except GEOSException:  # not polygonal input: every feature goes through the general union
        return np.array([shapely.LineString([(0, 0), (1, 1)])] * len(arr), dtype=object)


class GeodesicMeter:
    """Measures geometries given in a projected CRS on the CGCS2000 ellipsoid."""

    def __init__(self, projected: CRS):
        self._to_lonlat = Transformer.from_crs(projected, CGCS2000_GEOGRAPHIC, always_xy=True)
        geod = CGCS2000_GEOGRAPHIC.get_geod()
        assert geod is not None  # a geographic CRS always has an ellipsoid
        self._geod: Geod = geod

    def area(self, geom: BaseGeometry) -> float:
        if geom is None or geom.is_empty:
            return 0.0
        lonlat = shapely.transform(geom, self._transform_xy)
        area, _ = self._geod.geometry_area_perimeter(shapely.orient_polygons(lonlat))
        return abs(area)

    def _transform_xy(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._to_lonlat.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
