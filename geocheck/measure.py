"""The measure stage: every quantity a check needs, computed once.

api.check runs read → normalise (open_submission) → measure → judge (run_rule) → report.
Rules declare what they need measured (register(..., measures=[Quantity …])); measure()
computes exactly those quantities for the profile's rules, plus the report's headline numbers
(HEADLINE, headline_overlaps), each once. Rules judge the Measurements against their profile
parameters and the report's `measurements` block reads them (api.measurements): neither
measures again. All geometries are in the submission's metric target CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .checks.registry import Quantity, Rule, apply_exemption
from .geometry import polygonal
from .parcels import measure_parcels
from .references.overlay import Overlap, ReferenceContext, buffer_points, safe_overlay
from .references.spec import KINDS


LOCAL_RADIUS_FACTOR = 4.0  # see _shortest_links: how far past its nearest neighbour a part looks


@dataclass
class Gap:
    """The shortest link between two parts: where contiguity breaks."""

    part_a: int
    part_b: int
    distance_m: float
    line: BaseGeometry


@dataclass
class Contiguity:
    parts: int  # separate polygons as drawn
    groups: int  # separate groups once gaps up to the tolerance are closed
    largest_gap_m: float  # longest link needed to join everything (0 for one part)
    gaps: list[Gap]  # the links of a minimum spanning tree longer than the tolerance


@dataclass
class PartLinks:
    """A polygonal geometry's parts and the minimum spanning tree over their distances.

    Joining parts closer than a tolerance is single-linkage clustering, so the tree answers
    every tolerance at once: each link longer than the tolerance separates one more group, and
    the longest link is the largest gap a reviewer would have to accept to call the zone
    contiguous. The tree is built once; any tolerance is then a count over its links.
    """

    parts: list[BaseGeometry]
    links: list[tuple[int, int, float]]  # (a, b, distance), see minimum_spanning_links

    @property
    def count(self) -> int:
        return len(self.parts)

    def groups(self, gap_tolerance_m: float) -> int:
        return min(self.count, 1 + sum(d > gap_tolerance_m for _, _, d in self.links))

    def at(self, gap_tolerance_m: float) -> Contiguity:
        """The contiguity at one tolerance, with each gap as the shortest line between its parts."""
        long_links = [l for l in self.links if l[2] > gap_tolerance_m]
        gaps = [Gap(a, b, d, shapely.shortest_line(self.parts[a], self.parts[b])) for a, b, d in long_links]
        largest = max((d for _, _, d in self.links), default=0.0)
        return Contiguity(self.count, self.groups(gap_tolerance_m), largest, gaps)


def part_links(geom: BaseGeometry | None) -> PartLinks:
    """The parts of a polygonal geometry and their minimum spanning tree (none for one part)."""
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty] if geom is not None else []
    links = minimum_spanning_links(np.array(parts, dtype=object)) if len(parts) > 1 else []
    return PartLinks(parts, links)


def contiguity(geom: BaseGeometry, gap_tolerance_m: float) -> Contiguity:
    """Parts of a polygonal geometry and the gaps between them at one tolerance."""
    return part_links(geom).at(gap_tolerance_m)


def minimum_spanning_links(parts: np.ndarray) -> list[tuple[int, int, float]]:
    """The minimum spanning tree of the parts under GEOS distance, as (a, b, distance) links with
    a < b, in increasing (distance, a, b) order.

    Borůvka over an STRtree, never a distance matrix: each round every group of parts takes its
    shortest link to another group, so the groups at least halve and O(log n) rounds suffice,
    each of nearest-neighbour queries. Links are ordered by (distance, a, b), a strict order,
    so the tree is unique: the same links a sort of all n² pairs would give.
    """
    n = len(parts)
    tree = shapely.STRtree(parts)
    # Each part's nearest other part(s), ties kept: fixed for the whole run.
    (src, dst) = tree.query_nearest(parts, exclusive=True, all_matches=True)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    near_d = shapely.distance(parts[src], parts[dst])
    label = np.arange(n)
    links: list[tuple[int, int, float]] = []
    while len(links) < n - 1:
        best = _shortest_links(parts, tree, label, src, dst, near_d)
        parent = {g: g for g in best}
        for d, a, b in sorted(best.values()):  # shortest first: ties between groups resolve alike
            ra, rb = _find(parent, label[a]), _find(parent, label[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
                links.append((a, b, d))
        roots = {g: _find(parent, g) for g in np.unique(label)}
        label = np.vectorize(roots.__getitem__, otypes=[np.int64])(label)
    return [(a, b, d) for d, a, b in sorted((d, a, b) for a, b, d in links)]


def _find(parent: dict, g):
    """Union-find root of group g (with path halving)."""
    while parent.setdefault(g, g) != g:
        parent[g] = parent[parent[g]]
        g = parent[g]
    return g


def _shortest_links(parts, tree, label, src, dst, near_d) -> dict:
    """Per group: its shortest (distance, a, b) link to a part of another group."""
    # 1. Parts whose nearest part lies in another group: that is their shortest outside link.
    foreign = label[src] != label[dst]
    cand = [(label[src[foreign]], near_d[foreign], src[foreign], dst[foreign])]
    best = _per_group(*cand[0])
    # 2. Parts whose nearest parts all lie in their own group may still have an outside part
    #    nearer than the group's best so far. Search that far, but at most a few times the
    #    part's own nearest distance (the local spacing), so a dense group far from the rest
    #    does not make each of its parts fetch all the others.
    has_foreign = np.zeros(len(parts), bool)
    has_foreign[src[foreign]] = True
    inner = np.flatnonzero(~has_foreign)
    local = np.full(len(parts), np.inf)
    np.minimum.at(local, src, near_d)
    local = LOCAL_RADIUS_FACTOR * np.maximum(local, np.median(near_d))  # a close pair looks as far as the rest
    group_best = np.array([best[g][0] if g in best else np.inf for g in label[inner]])
    radius = np.minimum(group_best, local[inner])
    i, j = tree.query(parts[inner], predicate="dwithin", distance=radius)
    a, b = inner[i], j
    out = label[a] != label[b]
    a, b = a[out], b[out]
    cand.append((label[a], shapely.distance(parts[a], parts[b]), a, b))
    # 3. Parts cut short (their group's best lies beyond their local radius and no outside part
    #    was within it): nearest part of another group by colour halving. Two groups differ in
    #    some bit of their number, so over the bits, the nearest part of the opposite colour
    #    is the nearest part of another group.
    found = np.zeros(len(parts), bool)
    found[a] = True
    short = inner[(group_best > local[inner]) & ~found[inner]]
    if len(short):
        _, colour = np.unique(label, return_inverse=True)
        for bit in range(max(1, int(colour.max()).bit_length())):
            side = (colour >> bit) & 1
            for s in (0, 1):
                mine = short[side[short] == s]
                others = np.flatnonzero(side != s)
                if not len(mine) or not len(others):
                    continue
                i, j = shapely.STRtree(parts[others]).query_nearest(parts[mine], all_matches=True)
                a, b = mine[i], others[j]
                cand.append((label[a], shapely.distance(parts[a], parts[b]), a, b))
    return _per_group(*(np.concatenate(c) for c in zip(*cand)))


def _per_group(groups, dist, a, b) -> dict:
    """The least (distance, low index, high index) link of each group."""
    if not len(groups):
        return {}
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((hi, lo, dist, groups))
    first = np.unique(groups[order], return_index=True)[1]
    pick = order[first]
    return {int(groups[k]): (float(dist[k]), int(lo[k]), int(hi[k])) for k in pick}


@dataclass
class Outside:
    """The part of a role outside a cover (another role, or every feature of a reference kind)."""

    geometry: BaseGeometry
    area_m2: float
    role_m2: float  # the role's dissolved area
    by_feature: list[tuple[object, BaseGeometry]]  # (fid, its part outside) per feature sticking out
    source: str = ""  # a reference kind's sources, as the report names them

    @property
    def pct_of_role(self) -> float:
        return 100.0 * self.area_m2 / self.role_m2 if self.role_m2 else 0.0

    @property
    def covered_pct(self) -> float:
        """Percent of the role inside the cover."""
        return 100.0 * (1.0 - self.area_m2 / self.role_m2) if self.role_m2 else 0.0


def outside(layer, cover: BaseGeometry) -> Outside:
    """The part of a role layer outside `cover`, dissolved and per feature."""
    rest = polygonal(safe_overlay(shapely.difference, layer.union, cover))
    by_feature = []
    for fid, geom in layer.features.geometry.items():
        part = polygonal(safe_overlay(shapely.difference, geom, cover))
        if part.area > 0:
            by_feature.append((fid, part))
    return Outside(rest, float(rest.area), layer.area_m2, by_feature)


@dataclass
class RoleArea:
    """A role's dissolved area (measured when the layer was opened)."""

    area_m2: float  # in the metric target CRS
    geodesic_m2: float  # on the CGCS2000 ellipsoid


@dataclass
class Measurements:
    """Everything measured for one check; rules and the report read it, never measure again."""

    areas: dict[str, RoleArea]  # every role given
    values: dict[Quantity, Any] = field(default_factory=dict)  # in the order measured
    notes: list[dict] = field(default_factory=list)  # assumptions made while measuring ({zh, en})
    # role → the gap its contiguity rule closes (its gap_tolerance_m after exemptions, plus the
    # profile's length tolerance), so the headline's construction_groups is the rule's count
    group_gap_m: dict[str, float] = field(default_factory=dict)

    def get(self, quantity: Quantity):
        """The quantity's measurement, or None when it was not measured (an input is missing)."""
        return self.values.get(quantity)

    def reference_overlaps(self) -> list[Overlap]:
        """`measurements.overlaps`: every reference overlap measured, the part outside the
        development boundary and the assumed heritage buffers, in the order measured."""
        out: list[Overlap] = []
        for q, value in self.values.items():
            if q.what == "overlaps":
                out += value
            elif q.what == "point_buffers":
                out += value.overlaps
            elif q.what == "outside" and q.kind is not None and q.role is not None:
                out.append(Overlap(q.kind, value.source, None, None, q.role, value.geometry, value.area_m2,
                                   value.pct_of_role, "outside"))
        return out


# The report's headline numbers (api.measurements), whatever rules the profile runs.
HEADLINE = (Quantity.parts("boundary"), Quantity.parts("construction"),
            Quantity.outside("core", cover="urban_design"), Quantity.parcels())


def headline_overlaps(references: ReferenceContext, rules: list[tuple[Rule, dict]]) -> list[Quantity]:
    """Each polygon reference kind a rule reads, against the construction zone and the planned area."""
    read = {k for rule, _ in rules for k in rule.references}
    return [Quantity.overlaps(kind, role) for kind in references.kinds()
            if kind in read and KINDS[kind].geometry == "polygon" for role in ("construction", "boundary")]


def measure(submission, profile, references: ReferenceContext, rules: list[tuple[Rule, dict]], *,
            fields: dict | None = None, town_type: str | None = None) -> Measurements:
    """Measure what the `rules` (each with its profile settings) declare and the report's
    headline numbers, each quantity once. A quantity whose input is missing is not measured:
    run_rule stops its rule first (fail, skip or not_run)."""
    out = Measurements({role: RoleArea(layer.area_m2, layer.geodesic_area_m2)
                        for role, layer in submission.roles.items() if layer is not None})
    wanted: list[tuple[Quantity, dict | None]] = [(q, settings) for rule, settings in rules for q in rule.measures]
    wanted += [(q, None) for q in [*HEADLINE, *headline_overlaps(references, rules)]]
    for q, settings in wanted:
        if settings is not None:  # a rule's parameters as run_rule gives them to the rule
            settings = apply_exemption(settings, town_type)[0]
            if q.what == "parts" and "gap_tolerance_m" in settings:
                length_tolerance = float(profile.measurement_tolerance.get("length_m", 0.0))
                out.group_gap_m.setdefault(q.role or "", float(settings["gap_tolerance_m"]) + length_tolerance)
        if q in out.values or not _measurable(q, submission, references):
            continue
        value = out.values[q] = _measure_one(q, settings, submission, profile, references, fields, out)
        if q.what in ("point_buffers", "parcels") and value is not None:
            out.notes += value.notes
    return out


def _measurable(q: Quantity, submission, references: ReferenceContext) -> bool:
    if any(submission.roles.get(role) is None for role in q.roles):
        return False
    if not all(references.has(kind) for kind in q.kinds):
        return False
    # Overlaps are measured for the report even from a source that does not cover the town (its
    # rules are then not_run); assumed buffers only for a rule that runs, as they state an assumption.
    return q.what != "point_buffers" or references.coverage_problem(q.kinds) is None


def _measure_one(q: Quantity, settings, submission, profile, references, fields, done: Measurements):
    layer = submission.roles.get(q.role or "")
    if q.what == "parts":
        return part_links(layer.union)
    if q.what == "overlaps":
        return references.overlaps(q.kind or "", q.role or "")
    if q.what == "outside" and q.cover is not None:
        return outside(layer, submission.roles[q.cover].union)
    if q.what == "outside" and q.kind is not None and q.role is not None:  # the overlaps' complement
        inside_q = Quantity.overlaps(q.kind, q.role)
        if inside_q not in done.values:
            done.values[inside_q] = references.overlaps(q.kind, q.role)
        inside = polygonal(shapely.union_all([o.geometry for o in done.values[inside_q]]))
        found = outside(layer, inside)
        found.source = references.labels(q.kind)
        return found
    if q.what == "point_buffers":
        return buffer_points(references, layer, q.zone or "", settings["radius_m_by_level"])
    if q.what == "parcels":
        if profile.landuse is None:
            return None
        return measure_parcels(layer, profile.landuse, fields, boundary=submission.geometry("boundary"),
                               construction_zone=submission.geometry("construction"), source=str(submission.path))
    raise ValueError(f"unknown quantity {q}")
