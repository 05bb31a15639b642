"""Contiguity by an STRtree Borůvka tree equals the dense all-pairs minimum spanning tree.

The oracle is the algorithm geocheck used before (every pair's distance in an n × n matrix,
Kruskal over them in (distance, i, j) order): on random small inputs both must give the same
links, hence the same groups, gaps and largest gap, for any tolerance.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geocheck.measure import contiguity, minimum_spanning_links


def all_pairs_links(parts) -> list[tuple[int, int, float]]:
    """Kruskal over the full distance matrix (O(n²) memory): the oracle."""
    arr = np.array(parts, dtype=object)
    n = len(arr)
    dist = shapely.distance(arr[:, None], arr[None, :])
    i, j = np.triu_indices(n, k=1)
    order = np.argsort(dist[i, j], kind="stable")
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    links = []
    for k in order:
        a, b = int(i[k]), int(j[k])
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            links.append((a, b, float(dist[a, b])))
            if len(links) == n - 1:
                break
    return links


def zone(shapes) -> shapely.Geometry:
    return shapely.union_all(shapes)


boxes = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(1, 6), st.integers(1, 6)),
                 min_size=2, max_size=40)
discs = st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000), st.floats(0.5, 60)), min_size=2, max_size=40)


def from_boxes(spec, unit=25.0):
    # On a grid many distances tie exactly: the (distance, i, j) order must break them alike.
    return zone([shapely.box(x * unit, y * unit, (x + w) * unit - 10, (y + h) * unit - 10) for x, y, w, h in spec])


def from_discs(spec):
    return zone([shapely.Point(x, y).buffer(r, 3) for x, y, r in spec])


@settings(max_examples=150, deadline=None)
@given(st.one_of(boxes.map(from_boxes), discs.map(from_discs)), st.sampled_from([0.0, 5.0, 12.5, 50.0, 400.0]))
def test_strtree_tree_equals_all_pairs_tree(geom, tol):
    parts = list(shapely.get_parts(geom))
    c = contiguity(geom, tol)
    assert c.parts == len(parts)
    if len(parts) < 2:
        return
    oracle = all_pairs_links(parts)
    assert minimum_spanning_links(np.array(parts, dtype=object)) == sorted(oracle, key=lambda l: (l[2], l[0], l[1]))
    long = [l for l in oracle if l[2] > tol]
    assert c.groups == 1 + len(long)
    assert c.largest_gap_m == max(d for _, _, d in oracle)
    assert sorted((g.part_a, g.part_b, g.distance_m) for g in c.gaps) == sorted(long)
    for g in c.gaps:  # each gap line joins its two parts and is as long as the gap
        assert abs(g.line.length - g.distance_m) < 1e-6
        assert shapely.distance(g.line, parts[g.part_a]) < 1e-6 and shapely.distance(g.line, parts[g.part_b]) < 1e-6


def test_two_dense_clusters_far_apart_are_two_groups_with_the_true_gap():
    """Each cluster's inner parts have only their own cluster near: the colour-halving search."""
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 300, (150, 2))
    b = rng.uniform(0, 300, (150, 2)) + [5000, 0]
    geom = zone([shapely.box(x, y, x + 2, y + 2) for x, y in np.vstack([a, b])])
    parts = list(shapely.get_parts(geom))
    c = contiguity(geom, 100.0)
    oracle = all_pairs_links(parts)
    assert c.groups == 1 + sum(d > 100.0 for _, _, d in oracle)
    # the gap between the clusters by arithmetic: nearest corners of the two point sets' boxes
    left, right = [p for p in parts if p.bounds[0] < 2500], [p for p in parts if p.bounds[0] >= 2500]
    gap = min(shapely.distance(p, q) for p in left for q in right)
    assert c.largest_gap_m == gap
