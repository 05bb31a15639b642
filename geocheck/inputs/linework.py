"""Areas from CAD line work as drafters really leave it.

A boundary in a drawing is rarely one clean closed polyline: its ends miss by a millimetre or
half a metre, it is exploded into LINEs and ARCs, drawn in two halves, or an enclave is drawn
as a second closed polyline inside the first. Here, on one CAD layer:

1. a polyline whose own ends lie within the snap tolerance is closed;
2. ends of open pieces within the tolerance of each other are joined (moved to one point), and
   an end left within the tolerance of another line (a T-junction drawn short) is moved onto it;
3. all line work is noded and polygonised into faces;
4. a face nested inside an odd number of other faces is a hole (AutoCAD's even-odd rule, as a
   hatch fills), so an enclave drawn as a nested ring is not filled in.

Every repair is returned with its size and place, so the report can say what was done. Ends
that stay apart beyond the tolerance are returned as gaps: the layer names its open boundary
instead of disappearing. A loose end of line work attached to an area (a line drawn past a
corner, a leader) bounds nothing and is only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, Polygon


MAX_PAIRED_ENDS = 2000  # pairing free ends is quadratic; a boundary has a handful


@dataclass(frozen=True)
class Repair:
    kind: str  # "closed" (a polyline's own ends), "joined" (ends of two pieces), "hole"
    size: float  # gap in metres, or the hole's area in m²
    x: float
    y: float


@dataclass(frozen=True)
class Gap:
    """Two free ends that stay apart beyond the tolerance (or one end with no partner)."""

    size: float | None  # distance to the nearest other free end; None when there is none
    x: float
    y: float


@dataclass
class Shapes:
    faces: list[Polygon] = field(default_factory=list)  # polygons with holes, one per area drawn
    repairs: list[Repair] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)  # open line work that bounds no area
    loose_ends: int = 0  # free ends of line work attached to an area (overshoots, leaders)


def shapes(pieces: list[tuple[np.ndarray, bool]], tolerance: float) -> Shapes:
    """Faces drawn by `pieces` (coordinate arrays, closed flag) on one layer, snapping ends
    within `tolerance` metres."""
    out = Shapes()
    rings, open_pieces = [], []
    for coords, closed in pieces:
        coords = _dedupe(coords)
        if len(coords) < 2:
            continue
        gap = float(np.hypot(*(coords[-1] - coords[0])))
        if closed or (gap <= tolerance and len(coords) >= 3 and _extent(coords) > 2 * gap):
            if gap > 0:  # closing an open polyline is a repair; closed flag with a gap is AutoCAD's own close
                if not closed:
                    out.repairs.append(Repair("closed", gap, *coords[-1]))
                coords = np.vstack([coords, coords[:1]])
            rings.append(coords)
        else:
            open_pieces.append(coords)
    open_pieces = _join_ends(open_pieces, tolerance, out.repairs)
    open_pieces = _snap_to_lines(open_pieces, rings, tolerance, out.repairs)
    lines = [LineString(c) for c in rings + open_pieces if len(c) >= 2]
    if not lines:
        return out
    edges = shapely.get_parts(shapely.unary_union(shapely.MultiLineString(lines)))  # noded, duplicates merged
    faces = [f for f in shapely.get_parts(shapely.polygonize_full(edges)[0]) if f.area > 0]
    out.faces = _even_odd(faces, out.repairs)
    outlines = shapely.union_all([f.boundary for f in faces]) if faces else None
    loose = [e for e in edges if outlines is None or not shapely.covers(outlines, e)]
    open_ends = []
    for chain in shapely.get_parts(shapely.line_merge(shapely.union_all(loose))) if loose else []:
        ends = _chain_ends(chain)
        if outlines is not None and chain.intersects(outlines):
            out.loose_ends += sum(1 for e in ends if not outlines.intersects(shapely.Point(e)))
        else:
            open_ends += ends
    out.gaps = _pair(open_ends)
    return out


def _dedupe(coords: np.ndarray) -> np.ndarray:
    coords = np.asarray(coords, dtype=float)[:, :2]
    if len(coords) < 2:
        return coords
    keep = np.concatenate([[True], np.any(np.diff(coords, axis=0) != 0, axis=1)])
    return coords[keep]


def _extent(coords: np.ndarray) -> float:
    return float(np.max(np.ptp(coords, axis=0)))


def _join_ends(pieces: list[np.ndarray], tolerance: float, repairs: list[Repair]) -> list[np.ndarray]:
    """Move ends of open pieces that lie within `tolerance` of each other onto one point."""
    if not pieces or tolerance <= 0:
        return pieces
    ends = np.array([p[i] for p in pieces for i in (0, -1)])
    parent = list(range(len(ends)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree = shapely.STRtree(shapely.points(ends))
    pairs = tree.query(shapely.points(ends), predicate="dwithin", distance=tolerance)
    for a, b in zip(*pairs):
        if a < b and a // 2 != b // 2:  # a piece's own two ends: closing it is step 1's job
            parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in range(len(ends)):
        groups.setdefault(root(i), []).append(i)
    out = [p.copy() for p in pieces]
    for members in groups.values():
        if len(members) < 2:
            continue
        pts = ends[members]
        centre = pts.mean(axis=0)
        gap = float(np.hypot(*np.ptp(pts, axis=0)))  # the pair's distance; a cluster's spread
        if gap > 0:
            repairs.append(Repair("joined", gap, *centre))
        for m in members:
            out[m // 2][0 if m % 2 == 0 else -1] = centre
    return out


def _snap_to_lines(pieces: list[np.ndarray], rings: list[np.ndarray], tolerance: float,
                   repairs: list[Repair]) -> list[np.ndarray]:
    """Move an end that stops short of another line (within `tolerance`) onto that line."""
    if not pieces or tolerance <= 0:
        return pieces
    lines = [LineString(c) for c in pieces + rings]
    tree = shapely.STRtree(lines)
    ends = [tuple(p[k]) for p in pieces for k in (0, -1)]
    shared = {e for e in ends if ends.count(e) > 1}  # already joined to another end
    out = [p.copy() for p in pieces]
    for i, p in enumerate(out):
        for k in (0, -1):
            end = shapely.Point(p[k])
            if tuple(p[k]) in shared:
                continue
            near = [(lines[j].distance(end), j) for j in tree.query(end, predicate="dwithin", distance=tolerance)
                    if j != i]
            if not near or min(near)[0] == 0:
                continue
            gap, j = min(near)
            onto = shapely.ops.nearest_points(lines[j], end)[0]
            p[k] = (onto.x, onto.y)
            repairs.append(Repair("joined", float(gap), onto.x, onto.y))
    return out


def _even_odd(faces: list[Polygon], repairs: list[Repair]) -> list[Polygon]:
    """Faces inside an odd number of other faces' outlines are holes."""
    if len(faces) < 2:
        return faces
    outlines = [Polygon(f.exterior) for f in faces]
    tree = shapely.STRtree(outlines)
    inner, outer = tree.query(faces, predicate="within")
    depth = np.zeros(len(faces), dtype=int)
    for i, j in zip(inner, outer):
        if i != j:
            depth[i] += 1
    kept = []
    for face, d in zip(faces, depth):
        if d % 2:
            p = face.representative_point()
            repairs.append(Repair("hole", float(Polygon(face.exterior).area), p.x, p.y))
        else:
            kept.append(face)
    return kept


def _chain_ends(chain) -> list[tuple[float, float]]:
    """The free ends of merged line work (none for a closed chain)."""
    if chain.is_empty or chain.geom_type != "LineString" or chain.is_closed:
        return []
    return [tuple(chain.coords[0]), tuple(chain.coords[-1])]


def _pair(ends: list[tuple[float, float]]) -> list[Gap]:
    """Free ends paired greedily with the nearest other, nearest first: the gaps that leave
    line work open; an end with no partner is a gap of unknown size at that end."""
    free = np.array(ends, dtype=float).reshape(-1, 2)
    if len(free) == 0:
        return []
    if len(free) > MAX_PAIRED_ENDS:  # a layer of open lines (roads, hatching): no boundary to close
        return [Gap(None, float(x), float(y)) for x, y in free[:MAX_PAIRED_ENDS]]
    d = np.hypot(free[:, None, 0] - free[None, :, 0], free[:, None, 1] - free[None, :, 1])
    np.fill_diagonal(d, np.inf)
    used: set[int] = set()
    gaps: list[Gap] = []
    for flat in np.argsort(d, axis=None):
        i, j = divmod(int(flat), len(free))
        if i in used or j in used or not np.isfinite(d[i, j]):
            continue
        used.update((i, j))
        mid = (free[i] + free[j]) / 2
        gaps.append(Gap(float(d[i, j]), float(mid[0]), float(mid[1])))
    gaps += [Gap(None, float(x), float(y)) for k, (x, y) in enumerate(free) if k not in used]
    return gaps
