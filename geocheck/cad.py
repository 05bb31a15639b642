"""CAD drawings (DXF) as submission layers.

GDAL's DXF driver returns every entity in one layer, "entities", with the CAD layer in a
`Layer` field. Institutes draw each boundary on its own CAD layer (规划范围, 建设用地 …), so
each CAD layer becomes a virtual layer and its name is matched to roles like any other. A
boundary is a hatch (read as a polygon) or a closed polyline (read as a closed line string,
turned into a polygon here); text, dimensions and open lines on the same CAD layer are not
boundaries and are left out, with a note.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

CAD_SUFFIXES = {".dxf"}
LAYER_FIELD = "Layer"


def boundary_of(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygon an entity draws, or None when it draws no closed area."""
    if geom is None or geom.is_empty:
        return None
    geom = shapely.force_2d(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    rings = [shapely.Polygon(part.coords) for part in shapely.get_parts(geom)
             if part.geom_type == "LineString" and part.is_closed and len(part.coords) >= 4]
    if not rings:
        return None
    return rings[0] if len(rings) == 1 else shapely.MultiPolygon(rings)


def boundary_layers(entities: gpd.GeoDataFrame) -> list[str]:
    """CAD layer names holding at least one boundary, in drawing order."""
    if LAYER_FIELD not in entities.columns:
        return []
    has = entities.geometry.map(lambda g: boundary_of(g) is not None)
    return list(dict.fromkeys(str(n) for n in entities.loc[has, LAYER_FIELD]))


def select(entities: gpd.GeoDataFrame, cad_layer: str) -> tuple[gpd.GeoDataFrame, int]:
    """The boundaries drawn on one CAD layer, and how many other entities it holds."""
    rows = entities[entities[LAYER_FIELD].astype(str) == cad_layer]
    shapes = rows.geometry.map(boundary_of)
    keep = shapes.notna()
    out = gpd.GeoDataFrame(rows.loc[keep].drop(columns=rows.geometry.name),
                           geometry=list(shapes[keep]), crs=entities.crs, index=rows.index[keep])
    return out, int((~keep).sum())
