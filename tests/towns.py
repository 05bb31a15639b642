"""Building test submissions with real GDAL writes (pyogrio), in metric or lon/lat CRSs.

Geometries are boxes and simple polygons whose areas are known exactly, so tests compare
geocheck's numbers with arithmetic, pyproj.Geod or PostGIS — never with geocheck itself.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box
from shapely.ops import transform

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
    """A town that passes the zhejiang-2015 and generic profiles.

    planned 1 700 × 1 800 = 3.06 km²; construction 2 adjacent parcels = 1.0 km²;
    core 600 × 600 = 0.36 km² inside a 700 × 700 urban design.
    """
    return {
        "规划范围": frame([rect(0, 0, 1700, 1800)], crs, 名称=["测试小镇"]),
        "建设用地": frame([rect(200, 200, 500, 1000), rect(700, 200, 500, 1000)], crs, 用地性质=["商业", "居住"]),
        "核心区": frame([rect(300, 300, 600, 600)], crs),
        "城市设计范围": frame([rect(250, 250, 700, 700)], crs),
    }


def to_lonlat(geom, src="EPSG:4549"):
    t = Transformer.from_crs(src, "EPSG:4490", always_xy=True)
    return transform(t.transform, geom)


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
