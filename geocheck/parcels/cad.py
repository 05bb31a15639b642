"""Land-use codes of parcels drawn in CAD: the text label inside each hatch.

A DXF has no attribute table: institutes write the code (070102, R2 …) as a TEXT or MTEXT
entity inside each parcel, on the parcels' CAD layer. geocheck.inputs.cad keeps only the closed
boundaries of a CAD layer; this module reads that layer's text back and gives each parcel the
label(s) that fall inside it.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..inputs import cad_layers, sources

CAD_TEXT = "CAD文字"  # the column the labels get; reported as the code field, found by "cad_text"
_MTEXT_CODES = re.compile(r"\\[A-Za-z][^;\\]*;|[{}]|\\P")  # MTEXT formatting (\A1; \H2.5; {…} \P)


def cad_labels(layer) -> pd.Series | None:
    """Per parcel (indexed like layer.features), its text label; several distinct labels
    inside one parcel are joined with '/' (and so make an unknown code a reviewer sees).
    None when the layer is not a CAD layer or has no text."""
    ref = layer.ref
    if ref.cad_layer is None:
        return None
    labels = cad_layers.texts(ref.drawing, ref.cad_layer)  # the drawing parsed when it was listed
    if not labels:
        return None
    points = gpd.GeoSeries([shapely.Point(x, y) for x, y, _ in labels], crs=layer.source_crs)
    points = points.to_crs(layer.features.crs).values
    texts = [_MTEXT_CODES.sub("", str(t)).strip() for _, _, t in labels]
    geoms = np.asarray(layer.features.geometry.values, dtype=object)
    parcel_idx, point_idx = shapely.STRtree(points).query(geoms, predicate="contains")
    found: dict[int, list[str]] = {}
    for i, j in zip(parcel_idx, point_idx):
        if texts[j] and texts[j] not in found.setdefault(int(i), []):
            found[int(i)].append(texts[j])
    return pd.Series(["/".join(found[i]) if i in found else None for i in range(len(geoms))],
                     index=layer.features.index, dtype=object)


# --------------------------------------------------------------------------- a CAD layer per class
CAD_LAYER_CODE = "CAD图层代码"  # the column a parcel drawn on a CAD layer named by its code gets


def code_layers(layers) -> dict[str, str]:
    """CAD layers named by a land-use code (070102, R2, 地块-070102, 用地_R21): layer name → code.

    Institutes often draw each land-use class on its own CAD layer. Only layers of a DXF count,
    at least two of them, and a bare code must be a 2023 二级/三级 code or a GB 中类/小类 (a
    layer called "07" or "A" is more likely a sheet than a class)."""
    from ..roles import ROLES
    from .codes import SYSTEMS, code_system, normalise_code

    aliases = sorted(ROLES["parcels"].aliases, key=len, reverse=True)
    found = {}
    for ref in layers:
        if ref.cad_layer is None:
            continue
        text = ref.name
        named = any(a in text for a in aliases)
        for a in aliases:
            text = text.replace(a, "")
        code = normalise_code(re.sub(r"[\s_\-—.:：/()（）]+", "", text))
        for s in SYSTEMS:
            cs = code_system(s)
            if code and cs.looks_like(code) and code in cs.codes and (named or len(code) > cs.level_lengths[0]):
                found[ref.name] = code
                break
    return found if len(found) >= 2 else {}


def load_code_layers(layers, found: dict[str, str]):
    """(a LayerRef standing for all code layers, one LoadedLayer of their parcels with a code column)."""
    import dataclasses

    refs = [r for r in layers if r.name in found]
    loaded = [sources.load_layer(r) for r in refs]
    frames = [l.frame.assign(**{CAD_LAYER_CODE: found[r.name]}) for r, l in zip(refs, loaded)]
    frame = gpd.GeoDataFrame(pd.concat(frames), geometry=frames[0].geometry.name, crs=frames[0].crs)
    names = ", ".join(found)
    ref = dataclasses.replace(refs[0], name=f"CAD: {names}")
    note = {"zh": f"控规地块取自按用地代码命名的 CAD 图层（{names}），图层名即用地代码",
            "en": f"the 控规 parcels were taken from CAD layers named by their land-use code ({names}); "
                  "each layer's name is its parcels' code"}
    notes = [note] + [n for l in loaded for n in l.notes]
    issues = {k: v for l in loaded for k, v in l.read_issues.items()}
    return ref, sources.LoadedLayer(frame, notes, issues)
