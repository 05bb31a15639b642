"""Measurements shared by checks and the report's `measurements` block.

All inputs are geometries in the submission's metric target CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


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
    arr = np.array(parts, dtype=object)
    dist = shapely.distance(arr[:, None], arr[None, :])
    i, j = np.triu_indices(n, k=1)
    order = np.argsort(dist[i, j], kind="stable")
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    links: list[tuple[int, int, float]] = []
    for k in order:
        a, b = int(i[k]), int(j[k])
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            links.append((a, b, float(dist[a, b])))
            if len(links) == n - 1:
                break
    long_links = [l for l in links if l[2] > gap_tolerance_m]
    gaps = [Gap(a, b, d, shapely.shortest_line(parts[a], parts[b])) for a, b, d in long_links]
    return Contiguity(n, 1 + len(long_links), max(d for _, _, d in links), gaps)


def coverage_pct(covered: BaseGeometry, cover: BaseGeometry) -> tuple[float, BaseGeometry]:
    """(percent of `covered` inside `cover`, the uncovered part)."""
    if covered is None or covered.is_empty or covered.area == 0:
        return 0.0, covered
    uncovered = shapely.difference(covered, cover) if cover is not None else covered
    return 100.0 * (1.0 - uncovered.area / covered.area), uncovered
