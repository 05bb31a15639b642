"""Land-use codes of parcels drawn in CAD: the text label inside each hatch.

A DXF has no attribute table: institutes write the code (070102, R2 …) as a TEXT or MTEXT
entity inside each parcel, on the parcels' CAD layer. geocheck.cad keeps only the closed
boundaries of a CAD layer; this module reads that layer's text back and gives each parcel the
label(s) that fall inside it.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import sources
from ..cad import LAYER_FIELD

CAD_TEXT = "CAD文字"  # the column the labels get; reported as the code field, found by "cad_text"
_MTEXT_CODES = re.compile(r"\\[A-Za-z][^;\\]*;|[{}]|\\P")  # MTEXT formatting (\A1; \H2.5; {…} \P)


def cad_labels(layer) -> pd.Series | None:
    """Per parcel (indexed like layer.features), its text label; several distinct labels
    inside one parcel are joined with '/' (and so make an unknown code a reviewer sees).
    None when the layer is not a CAD layer or has no text."""
    ref = layer.ref
    if ref.cad_layer is None:
        return None
    entities = sources._read_dxf(ref)  # cached: the same read that listed the CAD layers
    if "Text" not in entities.columns:
        return None
    rows = entities[(entities[LAYER_FIELD].astype(str) == ref.cad_layer) & entities["Text"].notna()]
    rows = rows[rows.geometry.geom_type == "Point"]
    if rows.empty:
        return None
    points = gpd.GeoSeries(shapely.force_2d(rows.geometry.values), crs=layer.source_crs)
    points = points.to_crs(layer.features.crs).values
    texts = [_MTEXT_CODES.sub("", str(t)).strip() for t in rows["Text"]]
    geoms = np.asarray(layer.features.geometry.values, dtype=object)
    parcel_idx, point_idx = shapely.STRtree(points).query(geoms, predicate="contains")
    found: dict[int, list[str]] = {}
    for i, j in zip(parcel_idx, point_idx):
        if texts[j] and texts[j] not in found.setdefault(int(i), []):
            found[int(i)].append(texts[j])
    return pd.Series(["/".join(found[i]) if i in found else None for i in range(len(geoms))],
                     index=layer.features.index, dtype=object)
