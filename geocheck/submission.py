"""A submission opened for checking: its layers assigned to roles, in one metric CRS.

Each role layer is reprojected to the target CRS, its features repaired where invalid
(the reason kept for the validity check) and dissolved into one geometry to measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import ProjError
from shapely.geometry.base import BaseGeometry

from . import crs as crs_mod
from .inputs.encoding import looks_garbled
from .errors import CRSError, InputError, RoleError
from .geometry import GeodesicMeter, coverage_dissolve, non_finite, repair_all
from .parcels.cad import code_layers, load_code_layers
from .roles import ROLES, assign_roles, unassigned_hint
from .inputs.sources import LayerRef, list_layers, load_layer

CODE_LAYERS = "\x00code layers"  # (no layer name holds NUL) the parcels role's "layer" when it is assembled from CAD layers named by code


@dataclass
class RoleLayer:
    role: str
    ref: LayerRef
    source_crs: CRS
    crs_assumed: bool
    features: gpd.GeoDataFrame  # target CRS; columns geometry (repaired), invalid_reason
    union: BaseGeometry
    area_m2: float
    geodesic_area_m2: float
    unmatched: np.ndarray | None = None  # per feature: an edge no neighbour matches (see coverage_dissolve)

    def describe(self) -> dict:
        out = {
            "file": self.ref.file,
            "layer": self.ref.name,
            "source_crs": crs_mod.crs_label(self.source_crs),
            "crs_assumed": self.crs_assumed,
            "feature_count": int(len(self.features)),
        }
        if self.ref.encoding is not None:  # Shapefile attributes and DXF text only
            out["encoding"] = self.ref.encoding.label
        return out


@dataclass
class Submission:
    path: Path
    layers: list[LayerRef]
    roles: dict[str, RoleLayer | None]
    target_crs: CRS
    crs_chosen_by: str
    meter: GeodesicMeter
    notes: list[dict] = field(default_factory=list)
    # role → {zh, en} listing the layers no role took (closed-shape counts), for a role with no match
    role_hints: dict[str, dict] = field(default_factory=dict)

    def geometry(self, role: str) -> BaseGeometry | None:
        layer = self.roles.get(role)
        return layer.union if layer is not None else None


def open_submission(
    path,
    *,
    role_layers: dict[str, str | None] | None = None,
    target_crs: CRS | None = None,
    assume_crs: CRS | None = None,
    encoding: str | None = None,
    cad_settings=None,
) -> Submission:
    """List, assign, read and reproject a submission's role layers.

    `encoding` (a Python codec) overrides the detected text encoding of Shapefiles and DXFs;
    `cad_settings` (geocheck.inputs.cad_layers.CadSettings) how CAD line work becomes areas.
    """
    path = Path(path)
    layers = list_layers(path, encoding_option=encoding, cad_settings=cad_settings)
    # 控规 parcels drawn on one CAD layer per land-use class are read together as one layer.
    by_code = {} if (role_layers or {}).get("parcels") else code_layers(layers)
    assignment = assign_roles([l.name for l in layers if l.name not in by_code], role_layers or {}, str(path))
    if by_code and assignment.get("parcels") is None:
        assignment["parcels"] = CODE_LAYERS
    shapes = {l.name: l.closed_shapes for l in layers}
    by_name = {l.name: l for l in layers}
    raw: dict[str, tuple[LayerRef, gpd.GeoDataFrame, bool]] = {}
    notes: list[dict] = []
    read_issues: dict[str, dict] = {}
    overridden: set[str] = set()  # roles whose .prj contradicted the coordinates (noted already)
    for role, name in assignment.items():
        if name is None:
            continue
        ref, loaded = (load_code_layers(layers, by_code) if name == CODE_LAYERS
                       else (by_name[name], load_layer(by_name[name])))
        gdf = loaded.frame
        if len(gdf) == 0:
            raise InputError(f"layer '{ref.name}' ({ROLES[role].title_zh}) has no features", ref.file)
        bad = non_finite(gdf.geometry.values)
        if bad:
            raise InputError(f"layer '{ref.name}': feature {gdf.index[bad[0]]} has NaN or infinite coordinates"
                             f"{f' (and {len(bad) - 1} more)' if len(bad) > 1 else ''}", ref.file)
        present = ~(shapely.is_missing(gdf.geometry.values) | shapely.is_empty(gdf.geometry.values))
        if not any(present):
            raise InputError(f"layer '{ref.name}' ({ROLES[role].title_zh}) has only empty geometries", ref.file)
        notes.extend(loaded.notes)
        read_issues[role] = loaded.read_issues
        bounds = gdf.geometry[present].total_bounds
        assumed = False
        if gdf.crs is None:
            if assume_crs is None:
                inferred, note = crs_mod.infer_crs(bounds, ref.name, ref.file)
                gdf = gdf.set_crs(inferred)
                notes.append(note)
            else:
                gdf = gdf.set_crs(assume_crs)
            assumed = True
        elif (conflict := crs_mod.prj_conflict(bounds, gdf.crs)) is not None:
            gdf, note = _resolve_conflict(gdf, conflict, assume_crs, ref)
            notes.append(note)
            overridden.add(role)
            assumed = True
        crs_mod.check_plausible(bounds, gdf.crs, ref.name, ref.file)
        raw[role] = (ref, gdf, assumed)

    if not raw:
        garbled = any(looks_garbled(l.name) for l in layers)
        raise RoleError(
            f"no layer is recognisably a planned area, construction zone, core area or urban-design "
            f"area (layers: {unassigned_hint(shapes, ())[1]}); name them with "
            "--boundary/--construction/--core/--urban-design"
            + ("; the names look garbled: try --encoding GB18030 (or the code page they were written in)"
               if garbled else ""), path,
        )
    hints = {}
    for role, name in assignment.items():
        if name is None:
            zh, en = unassigned_hint(shapes, [*assignment.values(), *by_code])
            r, option = ROLES[role], f"--{role.replace('_', '-')}"
            hints[role] = {"zh": f"未分配的图层：{zh}；可用 {option} 图层名 指定",
                           "en": f"layers not assigned to a role: {en}; name one with {option} LAYER"}
            notes.append({"zh": f"没有图层按名称识别为{r.title_zh}；{hints[role]['zh']}",
                          "en": f"no layer is recognisably the {r.title_en} ({r.title_zh}); {hints[role]['en']}"})
    chosen_by = "user"
    if target_crs is None:
        lon = _centre_longitude([gdf for _, gdf, _ in raw.values()], path)
        target_crs = CRS.from_epsg(crs_mod.gk_cm_epsg(lon, path))
        chosen_by = "auto"
    crs_mod.require_metric(target_crs)
    meter = GeodesicMeter(target_crs)

    roles: dict[str, RoleLayer | None] = {r: None for r in ROLES}
    for role, (ref, gdf, assumed) in raw.items():
        prepared = roles[role] = _prepare(role, ref, gdf, assumed, target_crs, meter, read_issues.get(role, {}))
        if prepared.union.is_empty:  # nothing to measure: degenerate rings, lines or points only
            raise InputError(f"layer '{ref.name}' ({ROLES[role].title_zh}) holds no polygon with an area "
                             f"({len(gdf)} feature(s), all empty, degenerate or not polygons)", ref.file)
        if assumed and assume_crs is not None and role not in overridden:
            notes.append({
                "zh": f"图层“{ref.name}”缺少坐标系，按用户指定的 {crs_mod.crs_label(assume_crs)} 处理",
                "en": f"layer '{ref.name}' has no CRS; assumed {crs_mod.crs_label(assume_crs)} as instructed",
            })
    return Submission(path, layers, roles, target_crs, chosen_by, meter, notes, role_hints=hints)


def _resolve_conflict(gdf, conflict, assume_crs, ref):
    """A layer whose .prj contradicts its coordinates: refuse, unless --assume-crs says which."""
    zh, en, implied = conflict
    declared = crs_mod.crs_label(gdf.crs)
    if assume_crs is None:
        raise CRSError(f"layer '{ref.name}': its CRS {declared} contradicts its coordinates: {en} → "
                       f"{crs_mod.crs_label(implied)}; if the coordinates are right, pass --assume-crs "
                       f"EPSG:{implied.to_epsg()} to override the .prj", ref.file)
    note = {"zh": f"图层“{ref.name}”的坐标系 {declared} 与坐标不符（{zh} → {crs_mod.crs_label(implied)}），"
                  f"按用户指定的 {crs_mod.crs_label(assume_crs)} 处理",
            "en": f"layer '{ref.name}': its CRS {declared} contradicts its coordinates ({en} → "
                  f"{crs_mod.crs_label(implied)}); {crs_mod.crs_label(assume_crs)} used as instructed by --assume-crs"}
    return gdf.set_crs(assume_crs, allow_override=True), note


def _prepare(role, ref, gdf, assumed, target_crs, meter, read_issues=None) -> RoleLayer:
    source_crs = gdf.crs
    try:
        projected = gdf.to_crs(target_crs)
    except (ProjError, ValueError) as exc:
        raise CRSError(f"layer '{ref.name}' cannot be transformed to {crs_mod.crs_label(target_crs)} ({exc})", ref.file) from None
    originals = np.asarray(projected.geometry.values, dtype=object)
    fixed, reasons = repair_all(originals)
    features = gpd.GeoDataFrame(
        {
            # A ring stored unclosed was closed while reading: still an invalid input feature.
            # object dtype keeps None as None (pandas would make a missing string NaN, which is truthy).
            "invalid_reason": pd.Series([(read_issues or {}).get(fid) or reason
                                         for fid, reason in zip(projected.index, reasons)],
                                        index=projected.index, dtype=object),
            "geometry_note": pd.Series([_geometry_note(g, f) for g, f in zip(originals, fixed)],
                                       index=projected.index, dtype=object),
        },
        geometry=fixed,
        crs=target_crs,
        index=projected.index,
    )
    for col in projected.columns:
        if col != projected.geometry.name:
            features[col] = projected[col]
    union, unmatched = coverage_dissolve(features.geometry.values)
    return RoleLayer(role, ref, source_crs, assumed, features, union,
                     float(union.area), meter.area(union), unmatched)


def _geometry_note(original, fixed) -> str | None:
    """Why a feature contributes nothing to its role's area, if it does not."""
    if original is None or original.is_empty:
        return "empty geometry"
    if fixed.is_empty:
        return f"not a polygon ({original.geom_type})"
    return None


def _centre_longitude(frames: list[gpd.GeoDataFrame], path: Path) -> float:
    """Longitude of the centre of all layers' extents, in CGCS2000 lon/lat."""
    boxes = []
    for gdf in frames:
        try:
            boxes.append(gdf.to_crs(crs_mod.CGCS2000_GEOGRAPHIC).total_bounds)
        except (ProjError, ValueError) as exc:
            raise CRSError(f"cannot locate the submission in CGCS2000 lon/lat ({exc})", path) from None
    b = np.array(boxes)
    if not np.all(np.isfinite(b)):
        raise CRSError("coordinates are not finite after reprojection (wrong CRS?)", path)
    return float((b[:, 0].min() + b[:, 2].max()) / 2.0)
