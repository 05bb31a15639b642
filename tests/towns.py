"""Building test submissions with real GDAL writes (pyogrio), in metric or lon/lat CRSs.

Geometries are boxes and simple polygons whose areas are known exactly, so tests compare
geocheck's numbers with arithmetic, pyproj.Geod or PostGIS — never with geocheck itself.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid has the same a and (to 1e-10) the same f

# A town near Hangzhou in EPSG:4549 (CGCS2000 3° GK CM 120E): easting around 500 km.
X0, Y0 = 490_000.0, 3_350_000.0


def frame(geoms, crs, **attrs) -> gpd.GeoDataFrame:
    data = {k: list(v) for k, v in attrs.items()}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=crs)


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, gdf in layers.items():
        pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
    return path


def write_shapefiles(folder: Path, layers: dict[str, gpd.GeoDataFrame], encoding="UTF-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, gdf in layers.items():
        pyogrio.write_dataframe(gdf, folder / f"{name}.shp", driver="ESRI Shapefile", encoding=encoding)
    return folder


def rect(x, y, w, h):
    """A w × h metre rectangle with its lower-left corner at offset (x, y) from the town origin."""
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def compliant_layers(crs="EPSG:4549") -> dict[str, gpd.GeoDataFrame]:
    """A town that passes the zhejiang-2015 and generic profiles (its areas: AREAS).

    planned 1 700 × 1 800 = 3.06 km²; construction 2 adjacent parcels = 1.0 km²;
    core 600 × 600 = 0.36 km² inside a 700 × 700 urban design.
    """
    return {
        "规划范围": frame([rect(0, 0, 1700, 1800)], crs, 名称=["测试小镇"]),
        "建设用地": frame([rect(200, 200, 500, 1000), rect(700, 200, 500, 1000)], crs, 用地性质=["商业", "居住"]),
        "核心区": frame([rect(300, 300, 600, 600)], crs),
        "城市设计范围": frame([rect(250, 250, 700, 700)], crs),
    }


# The compliant town's areas by arithmetic on its boxes.
AREAS = {"planned_area_m2": 1700 * 1800, "construction_area_m2": 2 * 500 * 1000, "core_area_m2": 600 * 600}

# The role layers' names as an institute using English Shapefile names delivers them.
ENGLISH_NAMES = {"规划范围": "planning_boundary", "建设用地": "construction", "核心区": "core_area",
                 "城市设计范围": "urban_design"}


def english(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    return {ENGLISH_NAMES[k]: v for k, v in layers.items()}


def split_construction(crs="EPSG:4549", **attrs) -> gpd.GeoDataFrame:
    """Construction in two parcels 250 m apart (gap > 50 m tolerance: GC302 fails)."""
    return frame([rect(200, 200, 500, 1000), rect(950, 200, 500, 1000)], crs, **attrs)


def outside_construction(crs="EPSG:4549") -> gpd.GeoDataFrame:
    """One parcel sticks 100 m out of the planned area's east edge: 100 × 400 = 40 000 m² outside
    (GC311 fails)."""
    return frame([rect(200, 200, 500, 1000), rect(700, 200, 1100, 400)], crs)


def variant(kind: str) -> dict[str, gpd.GeoDataFrame]:
    """The compliant town ("ok"), or with its construction "split" (GC302) or "outside" (GC311)."""
    layers = compliant_layers()
    if kind != "ok":
        layers["建设用地"] = {"split": split_construction, "outside": outside_construction}[kind]()
    return layers


def bowtie(x=0, y=0, w=3000, h=2000) -> Polygon:
    """A self-intersecting polygon: two triangles of w × h / 4 each, crossing at one point."""
    return Polygon([(X0 + x, Y0 + y), (X0 + x + w, Y0 + y + h), (X0 + x + w, Y0 + y), (X0 + x, Y0 + y + h)])


TO_LONLAT = Transformer.from_crs("EPSG:4549", "EPSG:4490", always_xy=True)


def to_lonlat(geom):
    """An EPSG:4549 geometry's vertices in EPSG:4490 lon/lat."""
    return shapely.transform(geom, lambda c: np.column_stack(TO_LONLAT.transform(c[:, 0], c[:, 1])))


def geodesic_area(lonlat_geom) -> float:
    return abs(GEOD.geometry_area_perimeter(lonlat_geom)[0])


def lonlat_square(lon, lat, side_deg) -> Polygon:
    """A lon/lat 'square' densified along its edges (so projected and geodesic edges agree)."""
    pts = []
    n = 50
    for i in range(n):
        pts.append((lon + side_deg * i / n, lat))
    for i in range(n):
        pts.append((lon + side_deg, lat + side_deg * i / n))
    for i in range(n):
        pts.append((lon + side_deg - side_deg * i / n, lat + side_deg))
    for i in range(n):
        pts.append((lon, lat + side_deg - side_deg * i / n))
    return Polygon(pts)
