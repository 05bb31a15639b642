"""A reference layer read the way a submission is read: a CAD layer of a DXF/DWG, a layer in a
.zip or folder of Shapefiles. Such sources are small (an institute's own drawing of a red line
or of heritage sites), so the layer is read whole once and filtered by box in memory.

CAD has no CRS: give one with ``crs`` in the ``[references]`` table or ``--reference-crs
KIND=EPSG:XXXX``; without it the reference is refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from ...crs import parse_crs
from ...errors import CRSError, InputError
from ...inputs import cad
from ...roles import normalise
from ..spec import KINDS, ReferenceSpec
from .base import ReferenceSource, choose_layer, plain


class InputLayerReference(ReferenceSource):
    frame = None  # the whole layer (GeoDataFrame), read once; only ever read after that

    @classmethod
    def accepts(cls, spec: ReferenceSpec) -> bool:
        """Sources only geocheck's submission reader opens: CAD drawings, zips, plain folders."""
        p = Path(spec.source)
        return p.suffix.lower() in cad.CAD_SUFFIXES | {".zip"} or (p.is_dir() and p.suffix.lower() != ".gdb")

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "InputLayerReference":
        from ...inputs.cad_layers import settings
        from ...inputs.sources import list_layers, load_layer

        label = spec.display
        kind = KINDS[spec.kind]
        refs = list_layers(spec.source, cad_settings=replace(settings(), points=kind.geometry == "point"))
        names = [r.name for r in refs]
        if spec.layer is not None:
            ref = next((r for r in refs if normalise(r.name) == normalise(spec.layer)), None)
            if ref is None:
                raise InputError(f"layer '{spec.layer}' not found; layers: {', '.join(names)}", label)
        else:
            ref = {r.name: r for r in refs}[choose_layer(kind, [(n, "") for n in names], label)]
        frame = load_layer(ref).frame
        wanted = ("Point", "MultiPoint") if kind.geometry == "point" else ("Polygon", "MultiPolygon")
        frame = frame[frame.geometry.geom_type.isin(wanted)]
        if spec.crs:
            crs = parse_crs(spec.crs, what=f"the CRS of reference {spec.kind}")
        elif frame.crs is not None:
            crs = CRS.from_user_input(frame.crs)
        else:
            raise CRSError(f"reference layer '{ref.name}' has no coordinate reference system (CAD drawings carry "
                           f"none); give it with --reference-crs {spec.kind}=EPSG:XXXX or crs = \"EPSG:XXXX\" "
                           "in the [references] table", label)
        src = cls(spec, crs, "CAD" if ref.cad_layer is not None else "OGR", ref.name, len(frame))
        fields = [str(c) for c in frame.columns if c != frame.geometry.name]
        src.pick_fields(fields)
        src.frame = frame
        return src

    def _read(self, box):
        geoms = np.asarray(self.frame.geometry.values, dtype=object)
        hit = shapely.intersects(geoms, shapely.box(*box)) if len(geoms) else np.zeros(0, bool)
        rows = self.frame[hit]

        def values_of(field):
            return [plain(v) for v in (rows[field] if field else [None] * len(rows))]

        ids = values_of(self.id_f) if self.id_f else [plain(i) for i in rows.index]
        return ids, values_of(self.name_f), values_of(self.level_f), np.asarray(rows.geometry.values, dtype=object)
