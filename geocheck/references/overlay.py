"""Reference sources for a run (ReferenceSet) and for one submission (ReferenceContext).

A ReferenceSet is opened once and can serve any number of submissions. For each submission a
ReferenceContext reads the candidates of each kind once (inside the submission's bounding box),
and computes exact per-feature overlaps with a role through a shapely STRtree. geocheck.measure
asks it for exactly the overlaps and heritage point buffers the profile's rules declare, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from ..errors import GeocheckError
from ..geometry import EMPTY_POLYGON, polygonal
from ..units import M2_PER_MU
from .backends import Candidates, ReferenceSource, open_reference
from .spec import KINDS, ReferenceSpec, parse_reference, split_source


class ReferenceSet:
    """Opened reference sources by kind; reusable across submissions; close() when done."""

    def __init__(self, sources: list[ReferenceSource] | None = None):
        self.sources: list[ReferenceSource] = list(sources or [])

    @classmethod
    def open(cls, specs) -> "ReferenceSet":
        """From ReferenceSpecs, 'KIND=SOURCE[:LAYER]' strings or a {kind: source} mapping."""
        if isinstance(specs, dict):
            specs = [split_source(k, v) if isinstance(v, str) else v for k, v in specs.items()]
        opened: list[ReferenceSource] = []
        try:
            for spec in specs:
                spec = parse_reference(spec) if isinstance(spec, str) else spec
                if not isinstance(spec, ReferenceSpec):
                    raise GeocheckError(f"not a reference source: {spec!r}")
                opened.append(open_reference(spec))
        except BaseException:
            for s in opened:
                s.close()
            raise
        return cls(opened)

    def kinds(self) -> list[str]:
        return list(dict.fromkeys(s.spec.kind for s in self.sources))

    def of_kind(self, kind: str) -> list[ReferenceSource]:
        return [s for s in self.sources if s.spec.kind == kind]

    def close(self) -> None:
        for s in self.sources:
            s.close()

    def __enter__(self) -> "ReferenceSet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_references(references) -> tuple[ReferenceSet, bool]:
    """(reference set, whether the caller opened it and so must close it)."""
    if references is None:
        return ReferenceSet(), False
    if isinstance(references, ReferenceSet):
        return references, False
    return ReferenceSet.open(references), True


@dataclass
class Overlap:
    """The part of a role lying in one reference feature (or, relation 'outside', outside all)."""

    kind: str
    source: str
    reference_id: object
    reference_name: object
    role: str
    geometry: BaseGeometry
    area_m2: float
    pct_of_role: float
    relation: str = "overlap"
    level: object = None
    assumed_buffer_m: float | None = None
    assumed_zone: str | None = None  # "protection_range" / "control_zone" for buffered heritage points

    def to_dict(self) -> dict:
        out = {"reference_kind": self.kind, "reference_source": self.source, "reference_id": self.reference_id,
               "reference_name": self.reference_name, "role": self.role, "relation": self.relation,
               "area_m2": round(self.area_m2, 3), "area_mu": round(self.area_m2 / M2_PER_MU, 4),
               "pct_of_role": round(self.pct_of_role, 4)}
        if self.assumed_buffer_m is not None:
            out["assumed_buffer_m"] = self.assumed_buffer_m
            out["assumed_zone"] = self.assumed_zone
            out["protection_level"] = self.level
        return out

    def label(self) -> str:
        name = f" {self.reference_name}" if self.reference_name not in (None, "") else ""
        return f"{self.reference_id}{name}"


def union_area(overlaps: list[Overlap]) -> tuple[float, BaseGeometry]:
    """Area of the union (reference features may overlap each other: count land once)."""
    if not overlaps:
        return 0.0, EMPTY_POLYGON
    geom = polygonal(shapely.union_all([o.geometry for o in overlaps]))
    return float(geom.area), geom


class ReferenceContext:
    """What the reference rules of one submission see: candidates per kind, read once."""

    def __init__(self, refset: ReferenceSet | None, submission):
        self.refset = refset or ReferenceSet()
        self.sub = submission
        geoms = [l.union for l in submission.roles.values() if l is not None and not l.union.is_empty]
        bounds = np.array([g.bounds for g in geoms]).reshape(-1, 4)
        # No role area at all (refused upstream today): nothing can overlap, so read nothing.
        self.bounds = (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()) if len(geoms) else None
        self._candidates: dict[tuple, list[Candidates]] = {}
        self._coverage: dict[str, list[tuple[str, str]]] = {}  # kind → why none of its sources covers the town
        self.notes: list[dict] = []

    def has(self, kind: str) -> bool:
        return bool(self.refset.of_kind(kind))

    def kinds(self) -> list[str]:
        return self.refset.kinds()

    def coverage_problem(self, kinds) -> tuple[str, str] | None:
        """(zh, en) when a reference of `kinds` was given but cannot be judged for this town
        (its checks are then not_run); None when it can.

        A kind is judged when at least one of its sources covers the town (a province's layer
        may come as one file per county); the sources that do not are named in a note."""
        problems = []
        for kind in kinds:
            if kind not in self._coverage:
                found = [(s, s.coverage_problem(self.bounds, self.sub.target_crs))
                         for s in self.refset.of_kind(kind)] if self.bounds is not None else []
                bad = [p for _, p in found if p is not None]
                self._coverage[kind] = bad if found and len(bad) == len(found) else []
                if bad and len(bad) < len(found):
                    for zh, en in bad:
                        self.note(zh.replace("未执行：", ""), en.replace("not run: ", ""))
            problems += self._coverage[kind]
        if not problems:
            return None
        return "；".join(zh for zh, _ in problems), "; ".join(en for _, en in problems)

    def candidates(self, kind: str, margin_m: float = 0.0) -> list[Candidates]:
        """Each source's features of `kind` in the submission's box (grown by `margin_m`)."""
        key = (kind, float(margin_m))
        if self.bounds is None:
            return []
        if key not in self._candidates:
            x0, y0, x1, y1 = self.bounds
            box = (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
            self._candidates[key] = [s.candidates(box, self.sub.target_crs) for s in self.refset.of_kind(kind)]
        return self._candidates[key]

    def overlaps(self, kind: str, role: str) -> list[Overlap]:
        """Per reference feature: the part of `role` inside it (area > 0), largest first."""
        layer = self.sub.roles[role]
        found = []
        for cand in self.candidates(kind):
            found += overlaps_with(cand, layer.union, layer.area_m2, role)
        return sorted(found, key=lambda o: -o.area_m2)

    def labels(self, kind: str) -> str:
        """The sources of `kind`, as a report names them."""
        return ", ".join(s.label for s in self.refset.of_kind(kind))

    def note(self, zh: str, en: str) -> None:
        """An assumption the report must state (once)."""
        if not any(n["en"] == en for n in self.notes):
            self.notes.append({"zh": zh, "en": en})

    def context(self, margin_m: float) -> dict[str, BaseGeometry]:
        """The reference features already read, by kind, clipped to the town's box grown by
        `margin_m`: the context a report's map draws (nothing is read again)."""
        if self.bounds is None:
            return {}
        x0, y0, x1, y1 = self.bounds
        box = (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
        out = {}
        for kind in self.refset.kinds():
            geoms = [g for (k, _), cands in self._candidates.items() if k == kind for c in cands for g in c.geometries]
            if not geoms:
                continue
            arr = np.asarray(geoms, dtype=object)
            if KINDS[kind].geometry == "polygon":
                arr = shapely.clip_by_rect(arr, *box)
            else:
                arr = arr[shapely.intersects(arr, shapely.box(*box))]
            arr = arr[~shapely.is_empty(arr)]
            if len(arr):
                out[kind] = shapely.geometrycollections(list(arr))
        return out

    def inputs(self) -> list[dict]:
        out = []
        for s in self.refset.sources:
            d = s.describe()
            reads = [c.read for cands in self._candidates.values() for c in cands if c.source is s]
            d["candidates_read"] = max(reads) if reads else None
            out.append(d)
        return out


def overlaps_with(cand: Candidates, role_geom: BaseGeometry, role_area: float, role: str,
                  geometries: np.ndarray | None = None, buffer_m: float | None = None) -> list[Overlap]:
    """Exact overlaps of `role_geom` with each candidate (STRtree, then GEOS intersection)."""
    geoms = cand.geometries if geometries is None else geometries
    if not len(geoms) or role_geom.is_empty:
        return []
    tree = shapely.STRtree(geoms)
    hits = np.sort(tree.query(role_geom, predicate="intersects"))
    out = []
    for i in hits:
        part = polygonal(safe_overlay(shapely.intersection, geoms[i], role_geom))
        area = float(part.area)
        if area <= 0.0:
            continue
        pct = 100.0 * area / role_area if role_area else 0.0
        out.append(Overlap(cand.source.spec.kind, cand.source.label, cand.ids[i], cand.names[i], role, part,
                           area, pct, level=cand.levels[i], assumed_buffer_m=buffer_m))
    return out


# Heritage zones a point stands for: (zh, en, the kind of the published polygons that replace it).
ZONES = {"protection_range": ("保护范围", "protection range", "heritage_protection_range"),
         "control_zone": ("建设控制地带", "construction-control zone", "heritage_control_zone")}


@dataclass
class PointBuffers:
    """Heritage points buffered by an assumed radius per protection level, against the
    construction zone (GC433/GC434)."""

    zone: str  # a key of ZONES
    radii: dict  # protection level → radius, m (the rule's radius_m_by_level)
    overlaps: list[Overlap]  # per buffered point: the construction inside its assumed circle
    unknown: list[tuple[Candidates, int, BaseGeometry]]  # points near construction whose level has no radius
    replaced: int  # points whose site has a published zone polygon (judged by GC431/GC432)
    inside: list[str]  # sites lying on construction land: measured, not assumed

    @property
    def notes(self) -> list[dict]:
        """The assumption the report states."""
        zone_zh, zone_en, _ = ZONES[self.zone]
        text = radii_text(self.radii)
        return [{"zh": f"文物保护单位仅有点位时，{zone_zh}按规则集设定的保护级别半径假定（{text}），并非公布的范围，也无国家统一标准",
                 "en": f"heritage sites known only as points were given an assumed {zone_en} radius per protection "
                       f"level ({text.replace('、', ', ')}), set by the profile: not a published zone, and there "
                       "is no national default"}]


def radii_text(radii: dict) -> str:
    return "、".join(f"{k} {v:g} m" for k, v in radii.items())


def buffer_points(refs: ReferenceContext, construction, zone: str, radii: dict) -> PointBuffers:
    """Each heritage point near the construction zone buffered by its level's radius and
    intersected with the zone; a site with a published zone polygon (same name) is left out."""
    kind, published = "heritage_points", ZONES[zone][2]
    margin = max(float(v) for v in radii.values())
    names_published = {n for c in refs.candidates(published, margin_m=margin) for n in c.names if n} \
        if refs.has(published) else set()
    out = PointBuffers(zone, dict(radii), [], [], 0, [])
    for cand in refs.candidates(kind, margin_m=margin):
        for i, point in enumerate(cand.geometries):
            if cand.names[i] and cand.names[i] in names_published:
                out.replaced += 1
                continue
            if construction.union.intersects(point):  # the site itself is on construction land: no assumption
                out.inside.append(str(cand.names[i] or cand.ids[i]))
            radius = _radius_for(cand.levels[i], radii)
            if radius is None:
                if point.distance(construction.union) <= margin:
                    out.unknown.append((cand, i, point))
                continue
            part = polygonal(shapely.intersection(shapely.buffer(point, radius, quad_segs=32), construction.union))
            if part.area > 0:
                pct = 100.0 * part.area / construction.area_m2 if construction.area_m2 else 0.0
                out.overlaps.append(Overlap(kind, cand.source.label, cand.ids[i], cand.names[i], "construction", part,
                                            float(part.area), pct, level=cand.levels[i], assumed_buffer_m=radius,
                                            assumed_zone=zone))
    return out


def _radius_for(level, radii: dict) -> float | None:
    """Exact protection level, else the longest configured level that starts it (省级 → 省级文物保护单位)."""
    text = str(level).strip() if level is not None else ""
    if text in radii:
        return float(radii[text])
    keys = [k for k in radii if text and text.startswith(k)]
    return float(radii[max(keys, key=len)]) if keys else None


def safe_overlay(op, a, b):
    """A GEOS overlay, retried on a 1 mm grid if robustness fails (non-noded intersection)."""
    try:
        return op(a, b)
    except GEOSException:
        return op(a, b, grid_size=0.001)


__all__ = ["KINDS", "ZONES", "Overlap", "PointBuffers", "ReferenceContext", "ReferenceSet", "buffer_points",
           "open_references", "overlaps_with", "radii_text", "safe_overlay", "union_area"]
