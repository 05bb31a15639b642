"""Measurements shared by checks and the report's `measurements` block.

All inputs are geometries in the submission's metric target CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


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


def contiguity(geom: BaseGeometry, gap_tolerance_m: float) -> Contiguity:
    """Parts of a polygonal geometry and the gaps between them.

    Joining parts closer than the tolerance is single-linkage clustering, so a minimum
    spanning tree over part-to-part distances answers everything at once: each tree link
    longer than the tolerance separates one more group, and the longest link is the
    largest gap a reviewer would have to accept to call the zone contiguous.
    """
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty] if geom is not None else []
    n = len(parts)
    if n <= 1:
        return Contiguity(n, n, 0.0, [])
    links = minimum_spanning_links(np.array(parts, dtype=object))
    long_links = [l for l in links if l[2] > gap_tolerance_m]
    gaps = [Gap(a, b, d, shapely.shortest_line(parts[a], parts[b])) for a, b, d in long_links]
    return Contiguity(n, 1 + len(long_links), max(d for _, _, d in links), gaps)


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


def coverage_pct(covered: BaseGeometry, cover: BaseGeometry) -> tuple[float, BaseGeometry]:
    """(percent of `covered` inside `cover`, the uncovered part)."""
    if covered is None or covered.is_empty or covered.area == 0:
        return 0.0, covered
    uncovered = shapely.difference(covered, cover) if cover is not None else covered
    return 100.0 * (1.0 - uncovered.area / covered.area), uncovered
