"""The input formats geocheck reads: one list, read by `check`, batch discovery and the readers.

Adding a format is one row here (plus a reader in sources.py if GDAL alone cannot read it).

    >>> [f.suffix for f in FORMATS if f.single_layer]
    ['.shp', '.geojson', '.json', '.fgb']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputFormat:
    suffix: str  # lower case, with the dot
    title: str  # short: messages list them
    kind: str  # "vector" (an OGR dataset in one file), "cad", "archive" (a .zip), "folder" (a .gdb)
    single_layer: bool = False  # one layer per file: the file name, not GDAL's layer name, is what roles match
    standalone: bool = True  # a submission on its own; False: only as part of a folder (Shapefile sidecars)


FORMATS: tuple[InputFormat, ...] = (
    InputFormat(".gpkg", "GeoPackage", "vector"),
    InputFormat(".shp", "folder of Shapefiles", "vector", single_layer=True, standalone=False),
    InputFormat(".geojson", "GeoJSON", "vector", single_layer=True),
    InputFormat(".json", "GeoJSON", "vector", single_layer=True),
    InputFormat(".fgb", "FlatGeobuf", "vector", single_layer=True),
    InputFormat(".kml", "KML", "vector"),
    InputFormat(".sqlite", "SpatiaLite", "vector"),
    InputFormat(".dxf", "DXF", "cad"),
    InputFormat(".dwg", "DWG", "cad"),
    InputFormat(".zip", ".zip of these", "archive"),
    InputFormat(".gdb", ".gdb", "folder"),
)

BY_SUFFIX = {f.suffix: f for f in FORMATS}
# Files read inside a submission folder or zip.
VECTOR_SUFFIXES = frozenset(f.suffix for f in FORMATS if f.kind in ("vector", "cad"))
SINGLE_LAYER_SUFFIXES = frozenset(f.suffix for f in FORMATS if f.single_layer)
CAD_SUFFIXES = frozenset(f.suffix for f in FORMATS if f.kind == "cad")
# A file with one of these suffixes found in a batch folder is a submission of its own.
SUBMISSION_FILE_SUFFIXES = frozenset(f.suffix for f in FORMATS if f.standalone and f.kind != "folder")
# A folder with one of these suffixes is one dataset (never searched for submissions inside).
DATASET_FOLDER_SUFFIXES = frozenset(f.suffix for f in FORMATS if f.kind == "folder")
# A folder holding a file with one of these suffixes is one submission (a folder of Shapefiles).
FOLDER_MARKER_SUFFIXES = frozenset(f.suffix for f in FORMATS if not f.standalone)


def describe() -> str:
    """'GeoPackage, folder of Shapefiles, GeoJSON …' for messages."""
    return ", ".join(dict.fromkeys(f.title for f in FORMATS))
