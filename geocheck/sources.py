"""Finding and reading the layers of a submission.

A submission is a GeoPackage (or any multi-layer OGR dataset such as a .gdb folder), a folder
of Shapefiles, a .zip of Shapefiles (read in place through GDAL's /vsizip/, never extracted),
or a single vector file. Every layer becomes a LayerRef; reading one gives a GeoDataFrame in
its own CRS. Nothing here writes to the input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from .errors import InputError

# Extensions of single-file vector formats looked for inside a submission folder.
VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".kml", ".dxf", ".fgb", ".sqlite"}


@dataclass(frozen=True)
class LayerRef:
    """One layer of a submission: `name` is what roles are matched against."""

    name: str
    gdal_path: str  # what GDAL opens: a file, a .gdb folder, or a /vsizip/ path
    layer: str | None  # layer name inside that dataset
    file: str  # the file a reviewer would look for (shown in reports)


def list_layers(path: str | os.PathLike) -> list[LayerRef]:
    """All spatial layers of a submission, or InputError if there are none."""
    p = Path(path)
    if not p.exists():
        raise InputError("does not exist", p)
    if not os.access(p, os.R_OK):
        raise InputError("is not readable (permission denied)", p)
    if p.is_dir() and p.suffix.lower() != ".gdb":
        refs = []
        for child in sorted(p.rglob("*")):
            if child.is_file() and child.suffix.lower() in VECTOR_SUFFIXES:
                refs.extend(_dataset_layers(str(child), child, single_name=child.suffix.lower() == ".shp"))
        if not refs:
            raise InputError("folder holds no Shapefile, GeoPackage or other vector file", p)
        return refs
    if p.is_file() and p.stat().st_size == 0:
        raise InputError("is an empty (zero-byte) file", p)
    if p.suffix.lower() == ".zip":
        return _dataset_layers(f"/vsizip/{p.resolve()}", p, single_name=False)
    return _dataset_layers(str(p), p, single_name=p.suffix.lower() == ".shp")


def _dataset_layers(gdal_path: str, shown: Path, *, single_name: bool) -> list[LayerRef]:
    try:
        layers = pyogrio.list_layers(gdal_path)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(f"not a vector dataset GDAL can read ({_first_line(exc)})", shown) from None
    refs = []
    for name, geometry_type in layers:
        if geometry_type is None:
            continue  # attribute-only table (e.g. a GeoPackage's metadata table)
        # A Shapefile's layer is named after the file: use the stem so roles match it.
        shown_name = shown.stem if single_name else str(name)
        refs.append(LayerRef(shown_name, gdal_path, str(name), str(shown)))
    if not refs and not single_name:
        raise InputError("contains no spatial layers", shown)
    if not refs:
        raise InputError("has no geometry column", shown)
    return refs


def read_layer(ref: LayerRef, *, bbox=None) -> gpd.GeoDataFrame:
    """Read one layer in its own CRS with its feature ids as the index."""
    try:
        try:
            return pyogrio.read_dataframe(ref.gdal_path, layer=ref.layer, fid_as_index=True, bbox=bbox)
        except UnicodeDecodeError:
            # DBF field names are cut at 10 bytes, often in the middle of a UTF-8 Chinese
            # character. Read the raw bytes (latin-1 maps them one to one) and decode leniently.
            gdf = pyogrio.read_dataframe(ref.gdal_path, layer=ref.layer, fid_as_index=True, bbox=bbox,
                                         encoding="latin1")
            return _redecode(gdf)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(f"layer '{ref.name}' cannot be read ({_first_line(exc)})", ref.file) from None


def _redecode(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Undo a latin-1 read: UTF-8 where it decodes, else GB18030, replacing broken tails."""

    def fix(text):
        if not isinstance(text, str):
            return text
        raw = text.encode("latin1", errors="replace")
        for enc in ("utf-8", "gb18030"):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", errors="replace")

    geom = gdf.geometry.name
    gdf = gdf.rename(columns={c: fix(c) for c in gdf.columns if c != geom})
    for col in gdf.columns:
        if col != geom and (gdf[col].dtype == object or str(gdf[col].dtype) in ("str", "string")):
            gdf[col] = gdf[col].map(fix)
    return gdf


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
