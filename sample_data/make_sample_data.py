#!/usr/bin/env python3
"""Generate geocheck's sample data: two synthetic 特色小镇 plans west of Hangzhou and the
reference layers (三区三线 + heritage) they are checked against.

Run from the repository root:  python sample_data/make_sample_data.py
Outputs are written next to this script (sample_data/) and replaced on every run.

Everything is synthetic ("虚构示例数据"): names, ids and positions are made up, placed near
lon 120.05-120.15 E, lat 30.25-30.35 N. All shapes are fixed control points with a
deterministic sine "wiggle" (no random numbers), built in metres in EPSG:4549 (CGCS2000 /
3-degree Gauss-Kruger CM 120E); areas, overlaps and the gap are then tuned exactly by
scaling/translation + bisection, coordinates are rounded (1 mm in EPSG:4549, 1e-9 degree in
EPSG:4490), and every polygon is asserted valid. Two runs give identical geometry.

Intended numbers (all areas measured in EPSG:4549; 1 km2 = 1 000 000 m2)
=======================================================================

1. compliant_town.gpkg  -  梦想小镇 (compliant), CRS EPSG:4549
   规划范围      1 polygon, 3 050 000 m2 (3.05 km2)
   建设用地      3 adjacent polygons sharing edges (产业 / 商业 / 居住), one contiguous zone,
                 1 020 000 m2 total, >= 30 m inside 规划范围; 居住 share < 30 %
   核心区        1 polygon, 450 000 m2, inside 建设用地 (>= 15 m)
   城市设计范围  1 polygon, 700 000 m2, contains 核心区 with >= 20 m margin
   vs references: no overlap with 生态保护红线 (planned area >= 100 m away); construction
   does not overlap 永久基本农田 (one farmland patch does reach into the planned area's NW
   corner, away from construction: allowed); construction entirely inside 城镇开发边界;
   no heritage point or protection range within 300 m of the construction zone.

2. noncompliant_town/*.shp  -  云栖小镇 (non-compliant), CRS EPSG:4490, UTF-8 (.cpg), .prj
   planning_boundary.shp  1 polygon, 5 600 000 m2 (5.6 km2): too big for "about 3 km2"
                          and for "3-5 km2"
   construction.shp       2 separate parts, 1 350 000 m2 total:
                            part A 产业 800 000 m2, part B 居住 550 000 m2;
                            gap A-B = 250 m (not contiguous);
                            part B sticks out of the planning boundary by 40 000 m2;
                            part A overlaps 生态保护红线 (330106-0012) by 30 000 m2;
                            part B overlaps 永久基本农田 patch 330106-JB0007 by 20 000 m2;
                            parts of A and B lie outside 城镇开发边界 (A: exactly the
                            red-line bite, 30 000 m2; B: its east end incl. the stick-out
                            and the farmland bite, ~186 000 m2);
                            (extra, unplanned-for-by-brief) 居住 = 550/1350 = 40.7 % > 30 %.
   core_area.shp          1 polygon, 600 000 m2, inside part A
   urban_design.shp       1 polygon, 560 000 m2, covering 70 % (420 000 m2) of the core area
   heritage: 省级 site "福缘寺旧址" is a point 40 m from part B (no published protection
   range polygon for it, so a checker must assume a buffer per protection level).

3. reference/
   ecological_red_line.gpkg       layer 生态保护红线, EPSG:4490, fields hxbh/hxmc/hxlx
   basic_farmland.gpkg            layer 永久基本农田, EPSG:4549, fields jbnttbbh/dlmc/...
   urban_development_boundary.gpkg layer 城镇开发边界, EPSG:4549, 2 polygons, edge-matched
                                  against red lines and farmland (no overlap with either;
                                  < 0.5 m2 float slack against the EPSG:4490 red lines)
   heritage_sites.gpkg            layer 文物保护单位 (points, EPSG:4490, wwmc/bhjb) and
                                  layer 文物保护范围 (polygons, EPSG:4490) for 3 sites
   Reference layers do not overlap each other (red line / farmland / development boundary).

After writing, the script reads every file back from disk, reprojects to EPSG:4549 and
prints the measured numbers next to the intended ones (and fails if they disagree).
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient
from shapely.ops import nearest_points, polygonize, unary_union

HERE = Path(__file__).resolve().parent
PROJ = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E (metres)
GEO = "EPSG:4490"  # CGCS2000 geographic (lon/lat)
NOTE = "虚构示例数据"

# Fixed timestamp so GeoPackage metadata (gpkg_contents.last_change) is reproducible.
pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-01-01T00:00:00.000Z"})

# Local origins (EPSG:4549 metres) of the two towns, ~5.9 km apart.
O1 = (506700.0, 3354500.0)  # 梦想小镇  ~120.070 E, 30.310 N
O2 = (511100.0, 3350600.0)  # 云栖小镇  ~120.115 E, 30.275 N
ROT1, ROT2 = -9.0, 12.0  # rotation (degrees) of each town's road grid

# --------------------------------------------------------------------------- shapes
RIVER_WAVES = ((0.55, 1.3), (0.30, 2.9), (0.15, 5.3))
ROAD_WAVES = ((0.85, 0.5), (0.15, 1.7))


def _edge(p0, p1, n, amp, phase, waves):
    """n intermediate points from p0 to p1 (p1 excluded), offset sideways by a smooth,
    deterministic wiggle of amplitude ``amp`` metres that vanishes at both ends."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    pts = [(x0, y0)]
    for j in range(1, n + 1):
        t = (j + 0.3 * math.sin(2.3 * j + phase)) / (n + 1)
        w = sum(a * math.sin(2 * math.pi * f * t + phase * (k + 1)) for k, (a, f) in enumerate(waves))
        off = amp * w * math.sin(math.pi * t)
        pts.append((x0 + dx * t + nx * off, y0 + dy * t + ny * off))
    return pts


def _local(origin, rot):
    """Map local (x, y) metres to EPSG:4549: rotate by ``rot`` degrees, then shift to origin
    (the road grids here are not north-aligned)."""
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    return lambda x, y: (origin[0] + c * x - s * y, origin[1] + s * x + c * y)


def ring(origin, spec, seed=0.0, rot=0.0):
    """Polygon from control points. ``spec`` rows: (x, y, kind, n, amp) where x, y are local
    metres from ``origin`` and kind/n/amp describe the edge to the next control point:
    kind 'river' meanders, 'road' bends gently, 'line' is straight."""
    loc = _local(origin, rot)
    pts = []
    m = len(spec)
    for i, (x, y, kind, n, amp) in enumerate(spec):
        nxt = spec[(i + 1) % m]
        p0, p1 = loc(x, y), loc(nxt[0], nxt[1])
        phase = 1.37 * i + seed
        if kind == "line":
            pts.append(p0)
        else:
            pts.extend(_edge(p0, p1, n, amp, phase, RIVER_WAVES if kind == "river" else ROAD_WAVES))
    poly = orient(Polygon(pts), 1.0)
    assert poly.is_valid, shapely.is_valid_reason(poly)
    return poly


def polyline(origin, pts, rot=0.0):
    loc = _local(origin, rot)
    return LineString([loc(x, y) for x, y in pts])


def fit_area(poly, target, origin):
    k = math.sqrt(target / poly.area)
    return affinity.scale(poly, k, k, origin=origin)


def bisect(f, lo, hi, target, iters=80):
    """Solve f(x) = target for monotonic f on [lo, hi]."""
    flo = f(lo) - target
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = f(mid) - target
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _rotv(v, rot):
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    return c * v[0] - s * v[1], s * v[0] + c * v[1]


def shift(poly, d, t):
    return affinity.translate(poly, d[0] * t, d[1] * t)


def unit(dx, dy):
    n = math.hypot(dx, dy)
    return dx / n, dy / n


def blob(center, w, h, rot, n_per_edge=4, amp=6.0, seed=0.0, kind="road"):
    """Irregular field- or hill-like pentagon/hexagon of roughly w x h metres."""
    cx, cy = center
    base = [(-0.50, -0.45), (0.05, -0.55), (0.50, -0.38), (0.45, 0.30), (0.05, 0.52), (-0.48, 0.40)]
    spec = []
    for i, (u, v) in enumerate(base):
        du = 0.06 * math.sin(3.1 * i + seed)
        dv = 0.06 * math.cos(2.7 * i + 1.9 * seed)
        spec.append(((u + du) * w, (v + dv) * h, kind, n_per_edge, amp))
    p = ring((0.0, 0.0), spec, seed=seed)
    p = affinity.rotate(p, rot, origin=(0, 0))
    return affinity.translate(p, cx, cy)


def nverts(poly):
    return len(poly.exterior.coords) - 1


def round_mm(geom):
    return shapely.transform(geom, lambda c: np.round(c, 3))


TO_GEO = Transformer.from_crs(PROJ, GEO, always_xy=True)


def to_geo(geom):
    def f(c):
        x, y = TO_GEO.transform(c[:, 0], c[:, 1])
        return np.round(np.column_stack([x, y]), 9)

    return shapely.transform(geom, f)


def margin(outer, inner):
    """Distance from inner to the boundary of outer, or -1 if not contained."""
    return outer.boundary.distance(inner) if outer.contains(inner) else -1.0


# --------------------------------------------------------------------------- town 1
def build_town1():
    o = O1
    planned = ring(o, [
        (-1050, -650, "river", 14, 75),   # 余杭塘河-like river (south, meandering)
        (1000, -780, "road", 2, 8),       # east: arterial road
        (1100, -200, "road", 2, 10),
        (980, 300, "line", 0, 0),         # jog along a side road
        (1150, 520, "river", 6, 18),      # north-east: creek running diagonally
        (700, 900, "road", 2, 8),
        (250, 820, "line", 0, 0),
        (120, 1000, "road", 3, 10),       # north: road
        (-500, 930, "road", 2, 8),
        (-880, 720, "road", 2, 10),
        (-1000, 350, "river", 3, 10),     # west: small creek
        (-1120, 60, "river", 3, 12),
    ], seed=0.4, rot=ROT1)
    planned = fit_area(planned, 3.05e6, o)

    zone = ring(o, [
        (-620, -430, "river", 6, 14),     # keeps a green buffer along the river
        (100, -500, "river", 5, 12),
        (580, -520, "road", 3, 6),
        (650, -100, "road", 2, 5),
        (560, 120, "line", 0, 0),         # notch: existing school kept out
        (640, 330, "road", 4, 6),
        (150, 500, "road", 4, 5),
        (-100, 420, "line", 0, 0),
        (-250, 520, "road", 3, 6),
        (-560, 430, "road", 3, 6),
        (-640, 0, "road", 3, 6),
    ], seed=1.1, rot=ROT1)
    zone = fit_area(zone, 1.02e6, o)

    # Two internal roads split the zone into three adjacent plots with shared edges.
    road_ns = polyline(o, [(-190, -800), (-175, -420), (-150, -120), (-128, 160), (-112, 420), (-95, 800)], ROT1)
    road_ew = polyline(o, [(-400, 95), (-120, 110), (60, 98), (260, 120), (460, 102), (900, 85)], ROT1)
    # Polygonize the noded linework so every shared vertex (incl. the T-junction) is
    # present in each neighbour: clean topology, no slivers along the seams.
    # road_ew starts inside the west plot: a dangle, ignored by polygonize.
    faces = [f for f in polygonize(unary_union([zone.exterior, road_ns, road_ew]))
             if zone.contains(f.representative_point())]
    assert len(faces) == 3 and abs(sum(f.area for f in faces) - zone.area) < 1e-3
    west = min(faces, key=lambda g: g.centroid.x)
    south, north = sorted((f for f in faces if f is not west), key=lambda g: g.centroid.y)
    plots = [orient(f, 1.0) for f in (west, south, north)]

    core = ring(o, [
        (-470, -300, "road", 2, 6),
        (-150, -330, "road", 2, 5),
        (120, -280, "road", 2, 5),
        (340, -340, "road", 2, 6),
        (400, -60, "line", 0, 0),
        (430, 110, "road", 2, 5),
        (300, 200, "road", 2, 5),
        (200, 320, "road", 2, 6),
        (-60, 340, "road", 2, 5),
        (-290, 300, "road", 2, 5),
        (-420, 200, "line", 0, 0),
        (-490, 40, "road", 2, 5),
    ], seed=2.3, rot=ROT1)
    core = fit_area(core, 0.45e6, (o[0] - 30, o[1]))

    design = ring(o, [
        (-560, -385, "road", 2, 6),
        (-200, -420, "road", 2, 5),
        (100, -370, "road", 2, 5),
        (420, -425, "road", 2, 6),
        (480, -100, "line", 0, 0),
        (505, 140, "road", 2, 5),
        (380, 260, "road", 2, 5),
        (250, 420, "road", 2, 6),
        (-50, 440, "road", 2, 5),
        (-360, 400, "road", 2, 5),
        (-500, 250, "line", 0, 0),
        (-590, 60, "road", 2, 5),
    ], seed=3.7, rot=ROT1)
    design = fit_area(design, 0.70e6, (o[0] - 30, o[1]))
    return dict(planned=planned, plots=plots, core=core, design=design)


# --------------------------------------------------------------------------- town 2
def build_town2():
    o = O2
    planned = ring(o, [
        (-1500, -900, "river", 10, 70),   # south: river
        (0, -1000, "river", 8, 50),
        (1300, -1050, "road", 2, 10),     # east: road
        (1420, -450, "line", 0, 0),
        (1500, 100, "road", 3, 12),
        (1380, 560, "road", 2, 8),
        (1250, 1000, "river", 6, 30),     # north-east: stream
        (600, 1080, "road", 2, 8),
        (100, 1150, "road", 3, 10),
        (-420, 1020, "line", 0, 0),
        (-1100, 1000, "road", 3, 12),
        (-1300, 620, "road", 2, 8),       # west: foot of the hills
        (-1550, 200, "road", 3, 12),
        (-1480, -350, "road", 2, 8),
    ], seed=0.9, rot=ROT2)
    planned = fit_area(planned, 5.6e6, o)

    part_a = ring(o, [
        (-1000, -480, "road", 3, 8),
        (-420, -560, "road", 3, 8),
        (150, -540, "road", 3, 10),       # east edge faces part B across the green belt
        (190, -150, "line", 0, 0),
        (110, 40, "road", 2, 6),
        (170, 300, "road", 2, 6),
        (0, 420, "road", 2, 6),
        (-380, 440, "line", 0, 0),
        (-620, 330, "road", 2, 6),
        (-930, 360, "road", 2, 6),
        (-1090, 120, "road", 2, 6),
        (-1060, -200, "road", 2, 6),
    ], seed=1.7, rot=ROT2)
    part_a = fit_area(part_a, 0.80e6, o)

    b0 = ring(o, [
        (430, -420, "road", 3, 8),
        (800, -520, "road", 3, 8),
        (1250, -470, "line", 0, 0),
        (1550, -380, "road", 2, 8),
        (1620, -100, "road", 2, 6),
        (1520, 90, "road", 2, 6),
        (1200, 160, "line", 0, 0),
        (950, 90, "road", 2, 6),
        (700, 200, "road", 2, 6),
        (450, 80, "road", 3, 8),          # west edge faces part A
        (400, -180, "road", 2, 6),
    ], seed=2.9, rot=ROT2)
    west_pt = min(b0.exterior.coords, key=lambda c: c[0])

    def place_b(kx, tx):
        g = affinity.scale(b0, kx, 1.0, origin=west_pt)
        ky = 0.55e6 / g.area
        g = affinity.scale(g, 1.0, ky, origin=west_pt)
        return affinity.translate(g, tx, 0.0)

    kx, tx = 1.0, 0.0
    for _ in range(12):  # alternate: gap via translation, stick-out via x-stretch
        tx = bisect(lambda t, kx=kx: part_a.distance(place_b(kx, t)), -200, 400, 250.0)
        kx = bisect(lambda k, tx=tx: place_b(k, tx).difference(planned).area, 0.6, 1.4, 40_000.0)
    part_b = place_b(kx, tx)

    # Core: the part of A east of a local road, set back 15 m from A's edges; the road's
    # position is solved so the core is exactly 0.6 km2.
    inner = part_a.buffer(-15.0, join_style="mitre", mitre_limit=5.0)
    road = [(0, -900), (-15, -450), (-40, -100), (-30, 200), (-55, 500), (-60, 900)]

    def east_of(c):
        pts = [(x + c, y) for x, y in road]
        half = Polygon([_local(o, ROT2)(x, y) for x, y in pts + [(2000, 900), (2000, -900)]])
        return inner.intersection(half)

    c = bisect(lambda c: east_of(c).area, -1000, 0, 0.60e6)
    core = orient(east_of(c), 1.0)

    design0 = ring(o, [
        (-300, -480, "road", 2, 6),
        (100, -530, "road", 2, 6),
        (500, -520, "road", 3, 6),
        (560, -100, "line", 0, 0),
        (500, 100, "road", 2, 6),
        (520, 320, "road", 2, 6),
        (150, 400, "road", 2, 6),
        (-280, 360, "road", 2, 6),
        (-340, 0, "road", 2, 6),
    ], seed=5.3, rot=ROT2)
    design0 = fit_area(design0, 0.56e6, o)
    tdx = bisect(lambda t: affinity.translate(design0, t, 0).intersection(core).area, -400, 300, 0.70 * core.area)
    design = affinity.translate(design0, tdx, 0)
    return dict(planned=planned, part_a=part_a, part_b=part_b, core=core, design=design)


# --------------------------------------------------------------------------- 控规 parcels
# Intended numbers (EPSG:4549):
#   town 1 (用地规划, 2023 codes YDYHFLDM/YDYHFLMC, declared YDMJ): parcels tile the planned area
#     exactly (the construction zone's plots split into coded parcels, the rest 林地/耕地);
#     residential 070102 = 16.0 % of construction land (< 25 %); every construction parcel has
#     RJL/JZMD/LDL/JZXG.
#   town 2 (KJGHYD.shp, GB 50137 codes YDDM/YDMC, declared DKMJ): R2 = 500 000 m2 of 1 350 000 m2
#     construction land = 37.0 % (> 30 %); one 4 m x 150 m gap (600 m2) inside the planned area;
#     one 12 m x 25 m overlap (300 m2) between the M1 and B1 parcels; part B's parcels reach
#     40 000 m2 outside the boundary (as the zone does); parcel YQ-B1's DKMJ is 50 m2 too large.
RES_SHARE_1 = 0.16
GAP_2 = (4.0, 150.0)
OVERLAP_2 = (12.0, 25.0)
R2_AREA_2 = 500_000.0
DECLARED_ERROR_2 = 50.0


def cut_x(poly, frac):
    """Split a polygon by a vertical line so the west piece holds ``frac`` of its area."""
    x0, y0, x1, y1 = poly.bounds

    def west(c):
        return poly.intersection(shapely.box(x0 - 1, y0 - 1, c, y1 + 1))

    c = bisect(lambda c: west(c).area, x0, x1, frac * poly.area)
    return west(c), poly.intersection(shapely.box(c, y0 - 1, x1 + 1, y1 + 1)), c


def cut_y(poly, frac):
    x0, y0, x1, y1 = poly.bounds

    def south(c):
        return poly.intersection(shapely.box(x0 - 1, y0 - 1, x1 + 1, c))

    c = bisect(lambda c: south(c).area, y0, y1, frac * poly.area)
    return south(c), poly.intersection(shapely.box(x0 - 1, c, x1 + 1, y1 + 1))


def _parts(geom):
    return [orient(g, 1.0) for g in shapely.get_parts(geom) if g.area > 1.0]


def build_parcels(t1, t2):
    # town 1: plots are west (产业), south (商业), north (居住); codes of the 2023 guide.
    west, south, north = t1["plots"]
    zone_area = sum(p.area for p in t1["plots"])
    ind, park = cut_x(west, 0.85)[:2]
    shop, office = cut_x(south, 0.6)[:2]
    home, rest_n, _ = cut_x(north, RES_SHARE_1 * zone_area / north.area)
    service, green = cut_x(rest_n, 0.5)[:2]
    built = [("070102", "二类城镇住宅用地", home, (2.2, 25, 35, 60)),
             ("0702", "城镇社区服务设施用地", service, (1.2, 35, 30, 24)),
             ("100101", "一类工业用地", ind, (1.8, 45, 20, 40)),
             ("0901", "商业用地", shop, (2.5, 40, 25, 50)),
             ("0902", "商务金融用地", office, (3.0, 35, 25, 80)),
             ("1401", "公园绿地", park, (0.05, 2, 80, 12)),
             ("1401", "公园绿地", green, (0.05, 2, 80, 12))]
    outside = t1["planned"].difference(shapely.union_all(t1["plots"]))
    forest, field = cut_y(outside, 0.5)
    p1 = [(c, n, g, ind_) for c, n, geom, ind_ in built for g in _parts(geom)]
    p1 += [(c, n, g, None) for c, n, geom in (("0301", "乔木林地", forest), ("0103", "旱地", field))
           for g in _parts(geom)]

    # town 2: GB 50137 codes; a gap, an overlap and a wrong declared area on purpose.
    a, b = t2["part_a"], t2["part_b"]
    m1, b1, c = cut_x(a, 0.75)
    r2, r22, _ = cut_x(b, R2_AREA_2 / b.area)
    ymid = 0.5 * (b1.bounds[1] + b1.bounds[3])
    w, h = OVERLAP_2
    box = shapely.box(c, ymid - h / 2, c + w, ymid + h / 2)
    assert b1.contains(box)
    m1 = m1.union(box)
    rest = t2["planned"].difference(shapely.union_all([a, b]))
    north_rest, south_rest = cut_y(rest, 0.5)[::-1]
    gw, gl = GAP_2
    pt = south_rest.representative_point()
    hole = shapely.box(pt.x - gl / 2, pt.y - gw / 2, pt.x + gl / 2, pt.y + gw / 2)
    assert south_rest.contains(hole)
    south_rest = south_rest.difference(hole)
    p2 = [("M1", "一类工业用地", m1, (1.5, 45, 20, 30)), ("B1", "商业用地", b1, (2.0, 40, 25, 45)),
          ("R2", "二类居住用地", r2, (2.5, 25, 30, 80)), ("R22", "服务设施用地", r22, (1.2, 35, 30, 24))]
    p2 = [(c_, n, g, i) for c_, n, geom, i in p2 for g in _parts(geom)]
    p2 += [(c_, n, g, None) for c_, n, geom in (("E2", "农林用地", north_rest), ("E9", "其他非建设用地", south_rest))
           for g in _parts(geom)]
    return p1, p2


def write_parcels(p1, p2):
    p1 = [(c, n, round_mm(g), i) for c, n, g, i in p1]
    p2 = [(c, n, round_mm(g), i) for c, n, g, i in p2]
    _all_polys(*[g for _, _, g, _ in p1 + p2])

    def attrs(prefix, k, c, n, g, i, names, declared_error=0.0):
        row = {names[0]: f"{prefix}-{k + 1:02d}", names[1]: c, names[2]: n,
               names[3]: round(g.area + declared_error, 3)}
        for key, v in zip(names[4:], i or (None,) * 4):
            row[key] = v
        row["备注"] = NOTE
        return row

    names1 = ("DKBH", "YDYHFLDM", "YDYHFLMC", "YDMJ", "RJL", "JZMD", "LDL", "JZXG")
    _write([attrs("MX", k, c, n, g, i, names1) for k, (c, n, g, i) in enumerate(p1)],
           [g for _, _, g, _ in p1], PROJ, HERE / "compliant_town.gpkg", "用地规划")
    names2 = ("DKBH", "YDDM", "YDMC", "DKMJ", "RJL", "JZMD", "LDL", "JZXG")
    rows2 = [attrs("YQ", k, c, n, g, i, names2, DECLARED_ERROR_2 if c == "B1" else 0.0)
             for k, (c, n, g, i) in enumerate(p2)]
    shp = dict(encoding="UTF-8", layer_options={"DBF_DATE_LAST_UPDATE": "2024-01-01"})
    _write(rows2, [to_geo(g) for _, _, g, _ in p2], GEO, HERE / "noncompliant_town" / "KJGHYD.shp", "KJGHYD", **shp)


def verify_parcels():
    """Read the parcel layers back and check the intended numbers (shapely arithmetic only)."""
    g1 = gpd.read_file(HERE / "compliant_town.gpkg", layer="用地规划", engine="pyogrio")
    plan1 = gpd.read_file(HERE / "compliant_town.gpkg", layer="规划范围", engine="pyogrio").geometry.iloc[0]
    cons1 = g1[~g1["YDYHFLDM"].isin(["0301", "0103"])]
    share1 = cons1.loc[cons1["YDYHFLDM"] == "070102"].area.sum() / cons1.area.sum()
    print(f"town 1 parcels: {len(g1)}, residential share {share1:.4%}, "
          f"uncovered {plan1.difference(g1.union_all()).area:.3f} m2")
    assert abs(share1 - RES_SHARE_1) < 1e-5 and plan1.difference(g1.union_all()).area < 1.0
    g2 = gpd.read_file(HERE / "noncompliant_town" / "KJGHYD.shp", engine="pyogrio").to_crs(PROJ)
    plan2 = gpd.read_file(HERE / "noncompliant_town" / "planning_boundary.shp", engine="pyogrio").to_crs(PROJ).geometry.iloc[0]
    cons2 = g2[g2["YDDM"].isin(["M1", "B1", "R2", "R22"])]
    share2 = cons2.loc[cons2["YDDM"] == "R2"].area.sum() / cons2.area.sum()
    m1, b1 = (g2.loc[g2["YDDM"] == k].geometry.iloc[0] for k in ("M1", "B1"))
    gap = plan2.difference(g2.union_all()).area
    print(f"town 2 parcels: {len(g2)}, residential share {share2:.4%}, overlap {m1.intersection(b1).area:.3f} m2, "
          f"gap {gap:.3f} m2")
    assert share2 > 0.30 and abs(m1.intersection(b1).area - OVERLAP_2[0] * OVERLAP_2[1]) < 0.5
    assert abs(gap - GAP_2[0] * GAP_2[1]) < 0.5


# --------------------------------------------------------------------------- references
def build_references(t1, t2):
    a, b = t2["part_a"], t2["part_b"]

    # ---- 生态保护红线 (built in metres, written in EPSG:4490)
    red = []
    # R1: forested hill NW of 云栖小镇; its SE lobe is slid onto part A until the overlap is 0.03 km2.
    r1 = ring(O2, [
        (-2400, 500, "river", 8, 30),
        (-1500, 250, "road", 4, 15),
        (-930, 240, "road", 4, 10),       # lobe reaching towards part A
        (-980, 620, "road", 4, 15),
        (-1500, 1250, "river", 8, 30),
        (-2300, 1300, "road", 4, 20),
    ], seed=6.2, rot=ROT2)
    d = _rotv(unit(1.0, -0.5), ROT2)
    t = bisect(lambda s: shift(r1, d, s).intersection(a).area, -300, 300, 30_000.0)
    r1 = shift(r1, d, t)
    red.append(("330106-0012", "五云山森林生态保护红线", "生物多样性维护", r1))
    red.append(("330106-0015", "西溪湿地生态保护红线", "水源涵养",
                blob((508500, 3352250), 1500, 900, 25, n_per_edge=6, amp=25, seed=1.3, kind="river")))
    red.append(("330110-0031", "闲林水库水源涵养生态保护红线", "水源涵养",
                blob((504950, 3354700), 1000, 1100, -10, n_per_edge=5, amp=30, seed=2.2, kind="river")))
    red.append(("330110-0044", "和睦港河道生态保护红线", "水源涵养",
                blob((508700, 3356050), 900, 320, 18, n_per_edge=5, amp=12, seed=3.4, kind="river")))
    red.append(("330106-0021", "龙门坎水土保持生态保护红线", "水土保持",
                blob((510400, 3348650), 1200, 700, 8, n_per_edge=5, amp=25, seed=4.5, kind="river")))
    red.append(("330106-0027", "灵峰山生物多样性维护生态保护红线", "生物多样性维护",
                blob((513600, 3351700), 650, 900, -20, n_per_edge=5, amp=20, seed=5.6, kind="river")))

    # ---- 永久基本农田 (EPSG:4549)
    farm = []
    # F7: paddy south-east of part B, slid north onto B until the overlap is 0.02 km2.
    f7 = blob(_local(O2, ROT2)(1150, -700), 420, 260, ROT2 + 6, n_per_edge=4, amp=5, seed=7.7)
    d = _rotv((0.0, 1.0), ROT2)
    t = bisect(lambda s: shift(f7, d, s).intersection(b).area, -250, 250, 20_000.0)
    f7 = shift(f7, d, t)
    fields = [
        # (centre x, y, w, h, rotation, 地类)
        ((505700, 3353250), 520, 300, 5, "水田"),
        ((506750, 3353250), 600, 280, -4, "水田"),
        ((507750, 3353350), 420, 300, 12, "水浇地"),
        ((505800, 3355350), 480, 300, -8, "水田"),   # F4: reaches into 梦想小镇's NW corner
        ((507300, 3355850), 500, 260, 3, "旱地"),
        ((509900, 3349550), 600, 260, -6, "水田"),
        (None, None, None, None, "水田"),            # F7 slot (built above)
        ((513000, 3350150), 380, 300, 15, "水浇地"),
        ((509650, 3353600), 540, 300, -12, "水田"),
        ((510300, 3352650), 450, 280, 20, "旱地"),
        ((512400, 3352500), 520, 300, -3, "水田"),
        ((505300, 3356300), 450, 280, 10, "水浇地"),
    ]
    for i, (c, w, h, rot, dlmc) in enumerate(fields, start=1):
        geom = f7 if c is None else blob(c, w, h, rot, n_per_edge=4, amp=5, seed=0.7 * i)
        farm.append((f"330106-JB{i:04d}" if c is None or c[0] > 509000 else f"330110-JB{i:04d}", dlmc, geom))

    # ---- 城镇开发边界: hand-drawn outlines, then edge-matched (cut) against red lines and farmland.
    blockers = unary_union([g for *_, g in red] + [g for *_, g in farm])
    udb1 = ring(O1, [
        (-850, -560, "road", 6, 12),
        (950, -700, "road", 5, 12),
        (2100, -300, "road", 6, 15),
        (2300, 900, "road", 6, 15),
        (700, 1000, "road", 6, 12),
        (-700, 780, "road", 5, 12),
    ], seed=8.8, rot=ROT1).difference(blockers)
    udb2 = ring(O2, [
        (-1150, -700, "road", 6, 12),
        (1150, -800, "road", 6, 12),
        (1180, 600, "road", 6, 12),
        (-300, 800, "road", 5, 12),
        (-1150, 500, "road", 5, 12),
    ], seed=9.9, rot=ROT2).difference(blockers)
    udb = [("330110", "余杭区", udb1), ("330106", "西湖区", udb2)]

    # ---- 文物保护单位 (points) and 文物保护范围 (polygons)
    # 福缘寺旧址: 40 m north of part B's north edge.
    probe = Point(_local(O2, ROT2)(850, 450))
    q = nearest_points(b, probe)[0]
    ux, uy = unit(probe.x - q.x, probe.y - q.y)
    near = Point(q.x + 40.0 * ux, q.y + 40.0 * uy)
    sites = [
        ("福缘寺旧址", "省级文物保护单位", "古遗址", near, None),
        ("沈家石桥", "市县级文物保护单位", "古建筑", Point(O1[0] - 1000, O1[1] - 320), (60, 40, 20)),
        ("仓溪汪氏宗祠", "省级文物保护单位", "古建筑", Point(O1[0] + 1300, O1[1] + 1150), (120, 90, -15)),
        ("龙坞窑址", "全国重点文物保护单位", "古遗址", Point(509400, 3351200), (380, 260, 30)),
        ("永宁古桥", "市县级文物保护单位", "古建筑", Point(511900, 3349650), None),
        ("吴氏节孝坊", "市县级文物保护单位", "石刻", Point(504900, 3353250), None),
        ("灵峰古道碑亭", "市县级文物保护单位", "古建筑", Point(513200, 3352700), None),
        ("闲林埠老街", "省级文物保护单位", "近现代重要史迹及代表性建筑", Point(505350, 3355950), None),
    ]
    ranges = []
    for k, (name, level, _cat, pt, rng) in enumerate(sites):
        if rng:
            w, h, rot = rng
            ranges.append((name, level, blob((pt.x, pt.y), w, h, rot, n_per_edge=3, amp=2, seed=1.1 * k)))
    return dict(red=red, farm=farm, udb=udb, sites=sites, ranges=ranges)


# --------------------------------------------------------------------------- checks in memory
def check_design(t1, t2, ref):
    ok = []

    def need(cond, msg):
        assert cond, msg
        ok.append(msg)

    zone1 = unary_union(t1["plots"])
    need(zone1.geom_type == "Polygon", "town1 construction is one contiguous polygon")
    for i in range(3):
        for j in range(i + 1, 3):
            shared = t1["plots"][i].intersection(t1["plots"][j])
            assert shared.area == 0
    need(margin(t1["planned"], zone1) >= 30, "town1 construction >= 30 m inside planned area")
    need(margin(zone1, t1["core"]) >= 15, "town1 core >= 15 m inside construction")
    need(margin(t1["design"], t1["core"]) >= 20, "town1 urban design contains core with >= 20 m")
    need(margin(t1["planned"], t1["design"]) > 0, "town1 urban design inside planned area")
    res = [t1["plots"][k].area for k in range(3)]
    need(res[2] / sum(res) < 0.30, "town1 residential share < 30 %")

    reds = unary_union([g for *_, g in ref["red"]])
    farms = unary_union([g for *_, g in ref["farm"]])
    udbs = unary_union([g for *_, g in ref["udb"]])
    need(t1["planned"].distance(reds) >= 100, "town1 planned area >= 100 m from red lines")
    need(zone1.distance(farms) >= 50, "town1 construction >= 50 m from farmland")
    need(t1["planned"].intersection(farms).area > 0, "town1 planned area touches farmland (allowed)")
    need(margin(udbs, zone1) >= 30, "town1 construction >= 30 m inside UDB")
    for name, _level, _cat, pt, _ in ref["sites"]:
        need(pt.distance(zone1) > 300, f"heritage {name} > 300 m from town1 construction")
    for name, _level, g in ref["ranges"]:
        need(g.distance(zone1) > 300, f"heritage range {name} > 300 m from town1 construction")
        need(g.distance(t2["part_a"]) > 100 and g.distance(t2["part_b"]) > 100, f"range {name} off town2")

    a, b = t2["part_a"], t2["part_b"]
    need(margin(a, t2["core"]) >= 10, "town2 core >= 10 m inside part A")
    need(t2["core"].intersection(reds).area == 0, "town2 core clear of red lines")
    need(b.intersection(reds).area == 0, "town2 part B clear of red lines")
    need(a.intersection(farms).area == 0, "town2 part A clear of farmland")
    need(abs(a.intersection(reds).area - 30_000) < 1, "town2 part A overlaps red lines by 0.03 km2")
    need(abs(b.intersection(farms).area - 20_000) < 1, "town2 part B overlaps farmland by 0.02 km2")
    need(a.difference(t2["planned"]).area == 0, "town2 part A inside planned area")
    need(t2["design"].within(t2["planned"]), "town2 urban design inside planned area")

    geoms = [g for *_, g in ref["red"]] + [g for *_, g in ref["farm"]]
    for i, g in enumerate(geoms):
        for h in geoms[i + 1:]:
            assert g.intersection(h).area == 0, "reference polygons overlap"
    ok.append("red lines and farmland patches are pairwise disjoint")
    need(udbs.intersection(reds).area < 1e-3 and udbs.intersection(farms).area < 1e-3,
         "UDB does not overlap red lines or farmland")
    for *_, g in ref["udb"]:
        need(g.geom_type == "Polygon", "each UDB piece is a single polygon")
    return ok


# --------------------------------------------------------------------------- writing
def _fresh(path: Path):
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _write(rows, geoms, crs, path, layer, **kw):
    gdf = gpd.GeoDataFrame(rows, geometry=list(geoms), crs=crs)
    if path.suffix == ".gpkg" and not path.exists():
        # GeoPackage 1.2: read without warnings by older GDAL/QGIS too (1.4 is GDAL >= 3.7).
        kw["dataset_options"] = {"VERSION": "1.2"}
    pyogrio.write_dataframe(gdf, path, layer=layer, **kw)


def _all_polys(*groups):
    for g in groups:
        assert g.is_valid and g.geom_type == "Polygon", (g.geom_type, shapely.is_valid_reason(g))


def write_all(t1, t2, ref):
    # round to 1 mm once, before anything is written (shared edges round identically)
    t1 = {k: ([round_mm(p) for p in v] if isinstance(v, list) else round_mm(v)) for k, v in t1.items()}
    t2 = {k: round_mm(v) for k, v in t2.items()}
    ref = dict(
        red=[(a, b, c, round_mm(g)) for a, b, c, g in ref["red"]],
        farm=[(a, b, round_mm(g)) for a, b, g in ref["farm"]],
        udb=[(a, b, round_mm(g)) for a, b, g in ref["udb"]],
        sites=[(a, b, c, round_mm(p), r) for a, b, c, p, r in ref["sites"]],
        ranges=[(a, b, round_mm(g)) for a, b, g in ref["ranges"]],
    )

    # ---- 1. compliant town (GeoPackage, EPSG:4549)
    gpkg = HERE / "compliant_town.gpkg"
    _fresh(gpkg)
    _all_polys(t1["planned"], *t1["plots"], t1["core"], t1["design"])
    _write([dict(名称="梦想小镇规划范围", 小镇名称="梦想小镇", 所在地="杭州市余杭区",
                 编制单位="某城乡规划设计研究院", 规划深度="控制性详细规划", 规划期限="2015—2030年",
                 备注=f"{NOTE}；合规样例")],
           [t1["planned"]], PROJ, gpkg, "规划范围")
    uses = [("MX-01", "建设用地一区", "产业", "数字经济产业、创业孵化"),
            ("MX-02", "建设用地二区", "商业", "商业服务、商务办公"),
            ("MX-03", "建设用地三区", "居住", "人才公寓及配套")]
    _write([dict(地块编号=c, 名称=n, 用地性质=u, 主导功能=f, 备注=NOTE) for c, n, u, f in uses],
           t1["plots"], PROJ, gpkg, "建设用地")
    _write([dict(名称="梦想小镇核心区", 主导功能="互联网创业、众创空间", 备注=NOTE)],
           [t1["core"]], PROJ, gpkg, "核心区")
    _write([dict(名称="梦想小镇核心区城市设计范围", 设计深度="城市设计", 备注=NOTE)],
           [t1["design"]], PROJ, gpkg, "城市设计范围")

    # ---- 2. non-compliant town (Shapefiles, EPSG:4490, UTF-8). DBF field names <= 10 bytes.
    shp_dir = HERE / "noncompliant_town"
    _fresh(shp_dir)
    shp_dir.mkdir()
    _all_polys(*t2.values())
    shp = dict(encoding="UTF-8", layer_options={"DBF_DATE_LAST_UPDATE": "2024-01-01"})
    _write([dict(名称="云栖小镇规划范围", 所在地="杭州市西湖区", 备注=f"{NOTE}；不合规样例")],
           [to_geo(t2["planned"])], GEO, shp_dir / "planning_boundary.shp", "planning_boundary", **shp)
    _write([dict(编号="YQ-01", 名称="建设用地A区", 性质="产业", 备注=NOTE),
            dict(编号="YQ-02", 名称="建设用地B区", 性质="居住", 备注=NOTE)],
           [to_geo(t2["part_a"]), to_geo(t2["part_b"])], GEO, shp_dir / "construction.shp", "construction", **shp)
    _write([dict(名称="云栖小镇核心区", 备注=NOTE)],
           [to_geo(t2["core"])], GEO, shp_dir / "core_area.shp", "core_area", **shp)
    _write([dict(名称="云栖小镇城市设计范围", 备注=NOTE)],
           [to_geo(t2["design"])], GEO, shp_dir / "urban_design.shp", "urban_design", **shp)

    # ---- 3. reference layers
    rdir = HERE / "reference"
    rdir.mkdir(exist_ok=True)
    p = rdir / "ecological_red_line.gpkg"
    _fresh(p)
    _all_polys(*[g for *_, g in ref["red"]])
    _write([dict(hxbh=a, hxmc=b, hxlx=c, mj=round(g.area, 2), bz=NOTE) for a, b, c, g in ref["red"]],
           [to_geo(g) for *_, g in ref["red"]], GEO, p, "生态保护红线")

    p = rdir / "basic_farmland.gpkg"
    _fresh(p)
    _all_polys(*[g for *_, g in ref["farm"]])
    _write([dict(jbnttbbh=a, dlmc=b, xzqdm=a[:6], tbmj=round(g.area, 2), bz=NOTE) for a, b, g in ref["farm"]],
           [g for *_, g in ref["farm"]], PROJ, p, "永久基本农田")

    p = rdir / "urban_development_boundary.gpkg"
    _fresh(p)
    _all_polys(*[g for *_, g in ref["udb"]])
    _write([dict(xzqdm=a, xzqmc=b, mc=f"{b}城镇开发边界", mj=round(g.area, 2), bz=NOTE) for a, b, g in ref["udb"]],
           [g for *_, g in ref["udb"]], PROJ, p, "城镇开发边界")

    p = rdir / "heritage_sites.gpkg"
    _fresh(p)
    _write([dict(wwmc=a, bhjb=b, lb=c, bz=NOTE) for a, b, c, *_ in ref["sites"]],
           [to_geo(pt) for *_, pt, _ in ref["sites"]], GEO, p, "文物保护单位")
    _all_polys(*[g for *_, g in ref["ranges"]])
    _write([dict(wwmc=a, bhjb=b, fwlx="保护范围", bz=NOTE) for a, b, _ in ref["ranges"]],
           [to_geo(g) for *_, g in ref["ranges"]], GEO, p, "文物保护范围")


# --------------------------------------------------------------------------- verification from disk
def verify():
    """Read everything back from disk (independently of the build code), reproject to
    EPSG:4549 and compare with the intended numbers."""

    def rd(path, layer=None):
        g = gpd.read_file(path, layer=layer, engine="pyogrio")
        assert g.crs is not None, path
        assert g.geometry.is_valid.all(), path
        return g, g.to_crs(PROJ)

    fails = []

    def report(label, got, want=None, tol=None, unit="m²"):
        line = f"  {label:<58} {got:>16,.3f} {unit}"
        if want is not None:
            good = abs(got - want) <= tol
            line += f"   (intended {want:,.0f} ± {tol:,.0f}) {'OK' if good else 'MISMATCH'}"
            if not good:
                fails.append(label)
        print(line)

    print("== verification (read back from disk, areas in EPSG:4549) ==")
    gp = HERE / "compliant_town.gpkg"
    layers = [n for n, _ in pyogrio.list_layers(gp)]
    print(f"compliant_town.gpkg layers: {layers}")
    c = {n: rd(gp, n)[1] for n in layers}
    P1, Z1, K1, U1 = (c[n].union_all() for n in ("规划范围", "建设用地", "核心区", "城市设计范围"))
    for n in layers:
        print(f"  [{n}] CRS={rd(gp, n)[0].crs.to_epsg()} features={len(c[n])} "
              f"vertices={[len(g.exterior.coords) - 1 for g in c[n].geometry]}")
    report("梦想小镇 规划范围 area", P1.area, 3.05e6, 0.03e6)
    for _, r in c["建设用地"].iterrows():
        report(f"梦想小镇 建设用地 {r['名称']} ({r['用地性质']})", r.geometry.area)
    report("梦想小镇 建设用地 total", c["建设用地"].area.sum(), 1.02e6, 0.03e6)
    print(f"  建设用地 union type: {Z1.geom_type} (contiguous: {Z1.geom_type == 'Polygon'})")
    g = list(c["建设用地"].geometry)
    for i in range(len(g)):
        for j in range(i + 1, len(g)):
            report(f"  shared edge length plot {i + 1}-{j + 1}", g[i].intersection(g[j]).length, unit="m ")
    report("梦想小镇 居住 share of construction", 100 * c["建设用地"].loc[c["建设用地"]["用地性质"] == "居住"].area.sum()
           / c["建设用地"].area.sum(), unit="% ")
    report("梦想小镇 construction min distance inside 规划范围", P1.boundary.distance(Z1) if P1.contains(Z1) else -1, unit="m ")
    report("梦想小镇 核心区 area", K1.area, 0.45e6, 0.02e6)
    report("梦想小镇 核心区 outside construction", K1.difference(Z1).area, 0, 0.01)
    report("梦想小镇 城市设计范围 area", U1.area, 0.70e6, 0.02e6)
    report("梦想小镇 core margin inside urban design", U1.boundary.distance(K1) if U1.contains(K1) else -1, unit="m ")

    nd = HERE / "noncompliant_town"
    s = {}
    for name in ("planning_boundary", "construction", "core_area", "urban_design"):
        raw, proj = rd(nd / f"{name}.shp")
        cpg = (nd / f"{name}.cpg").read_text().strip()
        print(f"  [{name}.shp] CRS={raw.crs.to_epsg()} cpg={cpg} prj={(nd / f'{name}.prj').exists()} "
              f"features={len(proj)} vertices={[len(x.exterior.coords) - 1 for x in proj.geometry]} "
              f"名称={list(raw['名称'])}")
        s[name] = proj
    P2 = s["planning_boundary"].union_all()
    A, B = list(s["construction"].geometry)
    K2, U2 = s["core_area"].union_all(), s["urban_design"].union_all()
    Z2 = unary_union([A, B])
    report("云栖小镇 planning_boundary area", P2.area, 5.6e6, 0.05e6)
    report("云栖小镇 construction part A (产业)", A.area, 0.80e6, 0.01e6)
    report("云栖小镇 construction part B (居住)", B.area, 0.55e6, 0.01e6)
    report("云栖小镇 construction total", Z2.area, 1.35e6, 0.02e6)
    print(f"  construction union type: {Z2.geom_type} with {len(getattr(Z2, 'geoms', [Z2]))} parts")
    report("云栖小镇 gap between parts A and B", A.distance(B), 250, 5, unit="m ")
    report("云栖小镇 construction outside planning boundary", Z2.difference(P2).area, 40_000, 1_000)
    report("云栖小镇 core area", K2.area, 0.60e6, 0.01e6)
    report("云栖小镇 core covered by urban design", K2.intersection(U2).area, 0.42e6, 0.01e6)
    report("云栖小镇 core coverage ratio", 100 * K2.intersection(U2).area / K2.area, 70, 1, unit="% ")
    report("云栖小镇 urban design area", U2.area)
    report("云栖小镇 居住 share of construction", 100 * B.area / Z2.area, unit="% ")

    rdir = HERE / "reference"
    red_raw, red = rd(rdir / "ecological_red_line.gpkg", "生态保护红线")
    farm_raw, farm = rd(rdir / "basic_farmland.gpkg", "永久基本农田")
    udb_raw, udb = rd(rdir / "urban_development_boundary.gpkg", "城镇开发边界")
    site_raw, site = rd(rdir / "heritage_sites.gpkg", "文物保护单位")
    rng_raw, rng = rd(rdir / "heritage_sites.gpkg", "文物保护范围")
    for label, raw, proj in (("生态保护红线", red_raw, red), ("永久基本农田", farm_raw, farm),
                             ("城镇开发边界", udb_raw, udb), ("文物保护单位", site_raw, site),
                             ("文物保护范围", rng_raw, rng)):
        vx = [len(x.exterior.coords) - 1 for x in proj.geometry] if proj.geom_type.iloc[0] == "Polygon" else "-"
        print(f"  [{label}] CRS={raw.crs.to_epsg()} features={len(proj)} types={sorted(set(proj.geom_type))} "
              f"total area={proj.area.sum():,.0f} m² vertices={vx}")
    R, F, D = red.union_all(), farm.union_all(), udb.union_all()
    report("red line ∩ 梦想小镇 规划范围", R.intersection(P1).area, 0, 0.01)
    report("distance red line - 梦想小镇 规划范围", R.distance(P1), unit="m ")
    report("farmland ∩ 梦想小镇 建设用地", F.intersection(Z1).area, 0, 0.01)
    report("farmland ∩ 梦想小镇 规划范围 (allowed)", F.intersection(P1).area)
    report("distance farmland - 梦想小镇 建设用地", F.distance(Z1), unit="m ")
    report("梦想小镇 建设用地 outside 城镇开发边界", Z1.difference(D).area, 0, 0.01)
    report("red line ∩ 云栖小镇 construction", R.intersection(Z2).area, 30_000, 500)
    for _, r in red.iterrows():
        if r.geometry.intersects(Z2):
            print(f"    overlapping red line: {r['hxbh']} {r['hxmc']} ({r['hxlx']}) "
                  f"∩A={r.geometry.intersection(A).area:,.1f} ∩B={r.geometry.intersection(B).area:,.1f}")
    report("farmland ∩ 云栖小镇 construction", F.intersection(Z2).area, 20_000, 500)
    for _, r in farm.iterrows():
        if r.geometry.intersects(Z2):
            print(f"    overlapping farmland: {r['jbnttbbh']} {r['dlmc']} "
                  f"∩A={r.geometry.intersection(A).area:,.1f} ∩B={r.geometry.intersection(B).area:,.1f}")
    report("云栖小镇 construction outside 城镇开发边界", Z2.difference(D).area)
    report("  of which part A", A.difference(D).area)
    report("  of which part B", B.difference(D).area)
    # The development boundary is edge-matched to red lines / farmland; after the red lines'
    # round trip through EPSG:4490 the shared edges differ by < 1 mm: slack, not overlap.
    report("城镇开发边界 ∩ red lines (edge-matched, float slack)", D.intersection(R).area, 0, 0.5)
    report("城镇开发边界 ∩ farmland (edge-matched)", D.intersection(F).area, 0, 0.5)
    report("red lines ∩ farmland", R.intersection(F).area, 0, 0.01)
    d1 = site.distance(Z1)
    d2 = site.distance(Z2)
    for (_, r), a1, a2 in zip(site_raw.iterrows(), d1, d2):
        print(f"    heritage {r['wwmc']:<10} {r['bhjb']:<12} dist to 梦想 construction {a1:8,.1f} m, "
              f"to 云栖 construction {a2:8,.1f} m")
    report("nearest heritage point - 云栖小镇 construction", d2.min(), 40, 1, unit="m ")
    report("nearest heritage point - 梦想小镇 construction (> 300)", d1.min(), unit="m ")
    report("nearest protection range - 梦想小镇 construction (> 300)", rng.distance(Z1).min(), unit="m ")
    report("nearest protection range - 云栖小镇 construction", rng.distance(Z2).min(), unit="m ")
    assert d1.min() > 300 and rng.distance(Z1).min() > 300
    assert Z1.geom_type == "Polygon" and Z2.geom_type == "MultiPolygon"

    total = sum(f.stat().st_size for f in HERE.rglob("*") if f.is_file())
    print(f"total size of {HERE.name}/: {total:,} bytes ({total / 1024:.1f} KiB)")
    assert total < 2 * 1024 * 1024
    if fails:
        raise SystemExit(f"MISMATCH: {fails}")
    print("all intended numbers reproduced")


def main():
    t1 = build_town1()
    t2 = build_town2()
    ref = build_references(t1, t2)
    checks = check_design(t1, t2, ref)
    print(f"design checks passed: {len(checks)}")
    write_all(t1, t2, ref)
    write_parcels(*build_parcels(t1, t2))
    verify()
    verify_parcels()


if __name__ == "__main__":
    main()
