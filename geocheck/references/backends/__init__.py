"""Reference backends behind one interface (base.ReferenceSource), and the one list of them.

`open_reference(spec)` opens a source with the first backend of BACKENDS that accepts it; a new
kind of source is one module here and one row in that list.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ...inputs.safety import stat_input
from ..spec import ReferenceSpec
from .base import Candidates, ReferenceSource
from .input_layer import InputLayerReference
from .postgis import PostgisReference
from .raster import RasterReference
from .vector import VectorReference

BACKENDS: list[type[ReferenceSource]] = [
    PostgisReference,  # postgresql://…#table, PG:…#table
    RasterReference,  # .tif / .tiff masks
    InputLayerReference,  # CAD drawings, zips and folders, read as a submission is
    VectorReference,  # any other OGR dataset (accepts everything: keep it last)
]


def open_reference(spec: ReferenceSpec) -> ReferenceSource:
    """Open one reference source (checked: readable, has a CRS, geometry fits its kind)."""
    if not spec.is_postgis:
        if not Path(spec.source).exists():
            raise InputError("reference source does not exist", spec.display)
        stat_input(spec.source, spec.display, allow_dir=True)  # no FIFO, device or socket
    backend = next(b for b in BACKENDS if b.accepts(spec))
    return backend.open(spec)


__all__ = ["BACKENDS", "Candidates", "InputLayerReference", "PostgisReference", "RasterReference", "ReferenceSource",
           "VectorReference", "open_reference"]
