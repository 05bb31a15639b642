"""Reference layers (三区三线 and heritage sites) read at provincial scale.

    >>> from geocheck.references import ReferenceSet
    >>> with ReferenceSet.open(["ecological_red_line=sample_data/reference/ecological_red_line.gpkg"]) as refs:
    ...     report = geocheck.check("town.gpkg", references=refs)   # reuse refs for many towns

See docs/references.md for the source syntax (files, PostGIS, raster masks).
"""

from .overlay import Overlap, ReferenceContext, ReferenceSet, open_references, overlaps_with, union_area
from .backends import (BACKENDS, Candidates, InputLayerReference, PostgisReference, RasterReference, ReferenceSource,
                       VectorReference, open_reference)
from .spec import KINDS, ReferenceKind, ReferenceSpec, collect_specs, merge_specs, parse_reference, specs_from_config, split_source

__all__ = [
    "BACKENDS", "KINDS", "Candidates", "InputLayerReference", "Overlap", "PostgisReference", "RasterReference", "ReferenceContext", "ReferenceKind",
    "ReferenceSet", "ReferenceSource", "ReferenceSpec", "VectorReference", "collect_specs", "merge_specs", "open_reference", "open_references",
    "overlaps_with", "parse_reference", "specs_from_config", "split_source", "union_area",
]
