"""Measure a parcel layer once: codes, composition, coverage, areas and indicators.

Rules (geocheck.checks.parcels) only judge these measurements against profile thresholds, so
the expensive geometry (the parcel union, pairwise overlaps, gaps) is computed once per run.
All geometries are in the submission's metric target CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from . import codes as codes_mod
from ..geometry import coverage_invalid_edges
from .cad import CAD_LAYER_CODE, CAD_TEXT, cad_labels
from .fields import AREA_UNITS, INDICATORS, FieldMap, map_fields

GROUPS = ("construction", "residential", "green")
# Overlay results below this are floating-point noise of shared edges, not drawn geometry; the
# rules' own tolerances (rules/*.toml, typically 1 m²) decide what is a finding.
FLOAT_NOISE_M2 = 1e-6
EMPTY = shapely.GeometryCollection()


@dataclass
class Piece:
    """A geometry a coverage measurement found (a gap, an overlap, a part outside)."""

    geometry: BaseGeometry
    area_m2: float
    fids: tuple = ()  # the parcels involved (two for an overlap, one for a part outside)
    width_m: float | None = None  # gaps: equivalent width (see equivalent_width)


@dataclass
class ParcelMeasurement:
    layer: str
    fields: FieldMap
    table: pd.DataFrame  # one row per parcel, indexed by fid (see measure_parcels)
    code_systems: list[str]  # systems the resolved codes belong to
    total_m2: float  # sum of parcel areas (as a 用地平衡表 adds them; overlaps counted twice)
    union_m2: float
    construction_m2: float
    residential_m2: float
    green_m2: float
    composition: list[dict]
    gaps: list[Piece] = field(default_factory=list)
    overlaps: list[Piece] = field(default_factory=list)
    outside: list[Piece] = field(default_factory=list)
    gaps_within: str = "boundary"  # "boundary" (planned area minus parcels) or "holes" (no boundary given)
    construction_geometry: BaseGeometry = EMPTY  # union of parcels coded as construction land
    construction_vs_zone: dict | None = None  # {"parcels_outside_zone": Piece, "zone_not_coded": Piece}
    green_cover_estimate_pct: float | None = None
    landuse_source: str = ""
    accepted_systems: tuple = ()
    notes: list[dict] = field(default_factory=list)  # assumptions made while measuring ({zh, en})

    def share_of_construction(self, area_m2: float) -> float | None:
        return 100.0 * area_m2 / self.construction_m2 if self.construction_m2 > 0 else None

    @property
    def residential_share_pct(self) -> float | None:
        return self.share_of_construction(self.residential_m2)

    def summary(self) -> dict:
        """The `measurements.parcels` block of the JSON report."""
        t = self.table
        return {
            "layer": self.layer,
            "fields": self.fields.describe(),
            "parcel_count": int(len(t)),
            "code_systems": self.code_systems,
            "unresolved_count": int(t["code"].isna().sum()),
            "total_area_m2": self.total_m2,
            "union_area_m2": self.union_m2,
            "construction_area_m2": self.construction_m2,
            "residential_area_m2": self.residential_m2,
            "residential_share_pct": self.residential_share_pct,
            "green_area_m2": self.green_m2,
            "green_share_of_construction_pct": self.share_of_construction(self.green_m2),
            "green_share_of_total_pct": 100.0 * self.green_m2 / self.total_m2 if self.total_m2 > 0 else None,
            "green_cover_estimate_pct": self.green_cover_estimate_pct,
            "composition": self.composition,
            "gaps_within": self.gaps_within,
            "gap_count": len(self.gaps),
            "gap_area_m2": sum(p.area_m2 for p in self.gaps),
            "overlap_count": len(self.overlaps),
            "overlap_area_m2": sum(p.area_m2 for p in self.overlaps),
            "outside_boundary_area_m2": sum(p.area_m2 for p in self.outside),
            "construction_vs_zone": ({k: v.area_m2 for k, v in self.construction_vs_zone.items()}
                                     if self.construction_vs_zone else None),
            "landuse_source": self.landuse_source,
        }


def measure_parcels(layer, landuse: dict, field_overrides: dict | None = None, *,
                    boundary: BaseGeometry | None = None, construction_zone: BaseGeometry | None = None,
                    source: str = "") -> ParcelMeasurement:
    """Measure a parcels RoleLayer (geocheck.submission) under a profile's `[landuse]` table."""
    feats = layer.features
    fmap = map_fields(list(feats.columns), field_overrides, source=source)
    if fmap.get("code") is None and CAD_LAYER_CODE in feats.columns:
        fmap.fields["code"], fmap.by["code"] = CAD_LAYER_CODE, "cad_layer"
    if fmap.get("code") is None and fmap.get("name") is None:
        labels = cad_labels(layer)  # a DXF carries codes as text labels inside the hatches
        if labels is not None:
            feats = feats.assign(**{CAD_TEXT: labels})
            fmap.fields["code"], fmap.by["code"] = CAD_TEXT, "cad_text"
    systems = tuple(landuse.get("code_systems", codes_mod.SYSTEMS))
    geoms = np.asarray(feats.geometry.values, dtype=object)
    areas = shapely.area(geoms)
    col = fmap.get
    raw_codes = feats[col("code")] if col("code") else pd.Series([None] * len(feats), index=feats.index)
    raw_names = feats[col("name")] if col("name") else pd.Series([None] * len(feats), index=feats.index)
    raw_codes, raw_names = _texts(raw_codes), _texts(raw_names)
    order = codes_mod.preferred_order(raw_codes.dropna().tolist(), systems)
    cache: dict = {}  # a layer has thousands of parcels but a few dozen distinct (code, name) pairs
    resolved = [cache[k] if (k := (c, n)) in cache else cache.setdefault(k, codes_mod.resolve(c, n, order))
                for c, n in zip(raw_codes.tolist(), raw_names.tolist())]
    table = pd.DataFrame({
        "pid": feats[col("id")].astype(str) if col("id") else pd.Series(feats.index.astype(str), index=feats.index),
        "raw_code": raw_codes,
        "raw_name": raw_names,
        "system": [r.system for r in resolved],
        "code": [r.code for r in resolved],
        "status": [r.status for r in resolved],
        "detail": [r.detail for r in resolved],
        "area_m2": areas,
    }, index=feats.index)
    pairs = list(zip(table["system"].tolist(), table["code"].tolist()))
    for group in GROUPS:
        spec = landuse.get(group, {})
        member = {p: isinstance(p[1], str) and code_in(spec, *p) for p in set(pairs)}
        table[group] = [member[p] for p in pairs]
    if col("declared_area"):
        table["declared_m2"] = _numbers(feats[col("declared_area")])[0] * AREA_UNITS[fmap.declared_area_unit]
    for purpose in INDICATORS:
        if col(purpose):
            # Text that is not a number (e.g. "≤2.0") is kept to be reported, not read as blank.
            table[purpose], table[purpose + "_bad"] = _numbers(feats[col(purpose)])
    table["geometry"] = geoms

    cons = table["construction"].to_numpy()
    construction_m2 = float(areas[cons].sum())
    green_m2 = float(areas[table["green"].to_numpy()].sum())
    # Parcels whose edges all match their neighbours' (GEOS coverage validation, linear time)
    # can neither overlap nor leave a gap; only the others need overlay work. Their union is
    # then an edge-by-edge coverage union plus a small general union.
    flagged = getattr(layer, "unmatched", None)
    if flagged is None or len(flagged) != len(geoms):
        flagged = ~shapely.is_empty(coverage_invalid_edges(geoms)) if len(geoms) > 1 else np.ones(len(geoms), bool)
        union = _union(geoms, flagged, np.ones(len(geoms), bool))
    else:
        union = layer.union
    m = ParcelMeasurement(
        layer=layer.ref.name, fields=fmap, table=table,
        code_systems=sorted({s for s in table["system"] if isinstance(s, str)}),
        total_m2=float(areas.sum()), union_m2=float(union.area),
        construction_m2=construction_m2,
        residential_m2=float(areas[table["residential"].to_numpy()].sum()),
        green_m2=green_m2,
        composition=_composition(table, construction_m2),
        landuse_source=landuse.get("source", ""), accepted_systems=systems,
    )
    m.overlaps = _overlaps(geoms, feats.index, np.flatnonzero(flagged))
    if boundary is not None:
        m.gaps = _pieces(shapely.difference(boundary, union), gaps=True)
        m.outside = _outside(geoms, feats.index, boundary)
    else:
        m.gaps_within = "holes"
        m.gaps = _pieces(_holes(union), gaps=True)
    m.construction_geometry = _union(geoms, flagged, cons) if cons.any() else EMPTY
    if construction_zone is not None:
        m.construction_vs_zone = {
            "parcels_outside_zone": _piece(shapely.difference(m.construction_geometry, construction_zone)),
            "zone_not_coded": _piece(shapely.difference(construction_zone, m.construction_geometry)),
        }
    m.notes = _notes(m)
    if "green_ratio" in table and m.total_m2 > 0:
        # Vegetation inside parcels ≈ green-class parcels + other parcels × their 绿地率: an
        # estimate of 绿化覆盖率 (which counts tree canopy), reported, never judged.
        ratio = table["green_ratio"].where(~table["green"], 100.0).fillna(0.0).clip(0, 100)
        m.green_cover_estimate_pct = float((areas * ratio.to_numpy() / 100.0).sum() / m.total_m2 * 100.0)
    return m


def _notes(m: ParcelMeasurement) -> list[dict]:
    """The assumptions the measurement made, for the report's notes."""
    notes = []
    by_name = int((m.table["status"] == "by_name").sum())
    if by_name:
        notes.append({"zh": f"{by_name} 个地块按用地名称确定用地代码（图层“{m.layer}”未给出代码或代码字段中为名称）",
                      "en": f"{by_name} parcel(s) of layer '{m.layer}' were given their code from their land-use name"})
    if len(m.code_systems) > 1:
        notes.append({"zh": f"地块图层“{m.layer}”混用多个用地分类体系（{'、'.join(m.code_systems)}），用地构成按各自体系分列",
                      "en": f"parcel layer '{m.layer}' mixes code systems ({', '.join(m.code_systems)}); the "
                            "composition lists each system's classes separately"})
    if m.fields.by.get("code") == "cad_text":
        notes.append({"zh": f"地块图层“{m.layer}”为 CAD 图，用地代码取自各填充图块内的文字标注",
                      "en": f"parcel layer '{m.layer}' is a CAD drawing: each parcel's code is the text label inside it"})
    return notes


def code_in(spec: dict, system: str | None, code: str) -> bool:
    group = spec.get(system) if system else None
    return group is not None and bool(group) and codes_mod.in_group(code, group)


def _composition(table: pd.DataFrame, construction_m2: float) -> list[dict]:
    rows = []
    total = float(table["area_m2"].sum())
    known = table[table["code"].notna()]
    first = {p: codes_mod.code_system(p[0]).first_level(p[1]) for p in set(zip(known["system"], known["code"]))}
    first_level = pd.Series([first[p] for p in zip(known["system"], known["code"])], index=known.index, dtype=object)
    for (system, first), part in known.groupby([known["system"], first_level], sort=True):
        cs = codes_mod.code_system(system)
        area = float(part["area_m2"].sum())
        cons_area = float(part.loc[part["construction"], "area_m2"].sum())
        rows.append({
            "system": system, "code": first, "name": cs.name_of(first) or first,
            "parcels": int(len(part)), "area_m2": area,
            "construction": bool(part["construction"].any()),
            "share_of_construction_pct": 100.0 * cons_area / construction_m2 if construction_m2 > 0 and cons_area > 0 else None,
            "share_of_total_pct": 100.0 * area / total if total > 0 else None,
        })
    unknown = table[table["code"].isna()]
    if len(unknown):
        area = float(unknown["area_m2"].sum())
        rows.append({"system": None, "code": None, "name": "未识别 / unresolved", "parcels": int(len(unknown)),
                     "area_m2": area, "construction": False, "share_of_construction_pct": None,
                     "share_of_total_pct": 100.0 * area / total if total > 0 else None})
    return rows


def _overlaps(geoms: np.ndarray, fids, flagged: np.ndarray) -> list[Piece]:
    """Pairwise overlaps with an area, found through a spatial index (not all n² pairs): only
    parcels with an unmatched edge (`flagged`) are intersected with the parcels they meet."""
    if not len(flagged):
        return []
    tree = shapely.STRtree(geoms)
    q, b = tree.query(geoms[flagged], predicate="intersects")
    a = flagged[q]
    pairs = np.unique(np.column_stack([np.minimum(a, b), np.maximum(a, b)]), axis=0)
    a, b = pairs[:, 0], pairs[:, 1]
    keep = a < b
    a, b = a[keep], b[keep]
    if not len(a):
        return []
    inter = shapely.intersection(geoms[a], geoms[b])
    inter = shapely.get_parts(inter, return_index=True)
    parts, idx = inter
    poly = np.isin(shapely.get_type_id(parts), (3, 6))  # Polygon, MultiPolygon
    out: dict[int, list] = {}
    for part, k in zip(parts[poly], idx[poly]):
        out.setdefault(int(k), []).append(part)
    pieces = []
    for k, polys in out.items():
        g = polys[0] if len(polys) == 1 else shapely.union_all(polys)
        area = float(g.area)
        if area > FLOAT_NOISE_M2:
            pieces.append(Piece(g, area, (_plain(fids[a[k]]), _plain(fids[b[k]]))))
    return pieces


def _outside(geoms: np.ndarray, fids, boundary: BaseGeometry) -> list[Piece]:
    shapely.prepare(boundary)
    inside = shapely.covers(boundary, geoms)
    pieces = []
    for i in np.flatnonzero(~inside):
        g = _polygonal(shapely.difference(geoms[i], boundary))
        if g.area > FLOAT_NOISE_M2:
            pieces.append(Piece(g, float(g.area), (_plain(fids[i]),)))
    return pieces


def _union(geoms: np.ndarray, flagged: np.ndarray, subset: np.ndarray) -> BaseGeometry:
    """Union of geoms[subset]: coverage union of the matched ones, general union of the rest."""
    good, bad = geoms[subset & ~flagged], geoms[subset & flagged]
    parts = ([shapely.coverage_union_all(good)] if len(good) else []) + list(bad)
    return _polygonal(shapely.union_all(parts)) if parts else EMPTY


def _holes(union: BaseGeometry) -> BaseGeometry:
    rings = [shapely.Polygon(r) for p in shapely.get_parts(union) if p.geom_type == "Polygon" for r in p.interiors]
    return shapely.union_all(rings) if rings else EMPTY


def _pieces(geom: BaseGeometry, gaps: bool = False) -> list[Piece]:
    parts = [p for p in shapely.get_parts(_polygonal(geom)) if p.area > FLOAT_NOISE_M2]
    if not parts:
        return []
    widths = equivalent_width(np.asarray(parts, dtype=object)) if gaps else [None] * len(parts)
    return [Piece(p, float(p.area), (), float(w) if w is not None else None) for p, w in zip(parts, widths)]


def equivalent_width(polys: np.ndarray) -> np.ndarray:
    """The short side of the rectangle with the same area A and perimeter P:
    w = (P − √(P² − 16A)) / 4. Exact for a rectangular strip (3 m × 200 m → 3 m), close for the
    thin strips and rings gaps usually are; √A for compact shapes (P² < 16A)."""
    a, p = shapely.area(polys), shapely.length(polys)
    disc = p * p - 16.0 * a
    return np.where(disc > 0, (p - np.sqrt(np.maximum(disc, 0.0))) / 4.0, np.sqrt(a))


def _piece(geom: BaseGeometry) -> Piece:
    g = _polygonal(geom)
    return Piece(g, float(g.area))


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    if geom is None or geom.is_empty:
        return EMPTY
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else EMPTY


def _numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values as floats, NaN for blanks; whether a non-blank value is not a number).

    Numeric columns pass straight through; text columns accept a trailing % ("35%")."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float), pd.Series(False, index=values.index)
    text = values.map(lambda v: None if v is None or (isinstance(v, float) and v != v)
                      else str(v).strip().replace("％", "").replace("%", ""))
    blank = text.isna() | (text == "")
    num = pd.to_numeric(text.where(~blank), errors="coerce")
    return num.astype(float), num.isna() & ~blank


def _texts(values: pd.Series) -> pd.Series:
    """Attribute values as text (None for blanks).

    Integral numbers lose their ".0" (a code stored as 70102.0 is "70102"), so the code
    normalisation can restore the leading zero."""
    def text(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return pd.Series([text(v) for v in values.astype(object).tolist()], index=values.index, dtype=object)


def _plain(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return str(v)
