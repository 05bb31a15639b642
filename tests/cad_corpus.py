"""A CAD corpus drawn the way AutoCAD / 天正 / 湘源 users draw, written with ezdxf (and the
same towns as DWG with ezdwg's writer), each case with the areas it must give, computed here
independently: shoelace on the vertices as drawn, analytic circular segments for arcs.

A town is a list of drawing operations (`Op`), so one town can be written as DXF R2000 in GBK
(AutoCAD on Chinese Windows, zone-prefixed Gauss–Krüger eastings), as DXF R2018 in UTF-8 with
plain GK eastings, and as DWG.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import ezdxf

# The town origin, local metres → CGCS2000 3° GK CM 120E (EPSG:4549); zone-prefixed: + 40 000 000.
X0, Y0 = 490_000.0, 3_350_000.0
ZONE_PREFIX = 40_000_000.0


# --- independent area arithmetic -------------------------------------------------------------

def shoelace(pts) -> float:
    """Signed area of a polygon given by its vertices (not repeated at the end)."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))


def bulge_segment(p0, p1, bulge: float) -> float:
    """Signed area between a chord and its bulge arc: r²/2 (θ − sin θ), θ = 4 atan(bulge).
    A positive bulge turns counter-clockwise, so its arc lies right of p0 → p1: outside a
    counter-clockwise ring, which it grows (and the sign says so)."""
    theta = 4 * math.atan(abs(bulge))
    c = math.dist(p0, p1)
    r = c / (2 * math.sin(theta / 2))
    return math.copysign(r * r / 2 * (theta - math.sin(theta)), bulge)


def ring_area(vertices) -> float:
    """|area| of a closed ring of (x, y, bulge) vertices (bulge on the segment leaving a vertex)."""
    pts = [(x, y) for x, y, _ in vertices]
    signed = shoelace(pts)
    seg = sum(bulge_segment(vertices[i][:2], vertices[(i + 1) % len(vertices)][:2], vertices[i][2])
              for i in range(len(vertices)) if vertices[i][2])
    return abs(signed + seg)


def rect(x, y, w, h, bulges=(0, 0, 0, 0)):
    """Counter-clockwise (x, y, bulge) vertices of a w × h rectangle at offset (x, y)."""
    return [(x, y, bulges[0]), (x + w, y, bulges[1]), (x + w, y + h, bulges[2]), (x, y + h, bulges[3])]


# --- the towns as drawing operations ---------------------------------------------------------

@dataclass(frozen=True)
class Op:
    kind: str  # lwpolyline, line, arc, circle, block, insert, text, polyface, 3dface, 3dsolid, hatch, dimension, mesh
    layer: str = "0"
    args: tuple = ()
    closed: bool = True


# Planned area: 1700 × 1800 with its north edge bowed outwards by a bulge of 0.1.
BOUNDARY = rect(0, 0, 1700, 1800, bulges=(0, 0, 0.1, 0))
PARCEL_W = rect(200, 200, 500, 1000)  # two adjacent construction parcels: 1.0 km² together
PARCEL_E = rect(700, 200, 500, 1000)
CORE = rect(300, 300, 600, 600)
DESIGN_CENTRE, DESIGN_R = (600.0, 600.0), 450.0  # a circle: covers the core (half-diagonal 424 m)
ENCLAVE = rect(1400, 1400, 120, 100)  # a village enclave inside the planned area, drawn nested

AREAS = {
    "planned_area_m2": ring_area(BOUNDARY),
    "construction_area_m2": ring_area(PARCEL_W) + ring_area(PARCEL_E),
    "core_area_m2": ring_area(CORE),
    "urban_design_area_m2": math.pi * DESIGN_R ** 2,
}


def town(boundary_ops=None, *, names=None, extra=()) -> list[Op]:
    """The standard town: boundary as one closed LWPOLYLINE with a bulge; construction parcels in
    a block whose entities sit on layer 0, inserted on the construction layer; the core in a
    block drawn on its own layer, inserted on layer 0; the urban design a CIRCLE; plus the
    annotation an institute leaves (text, a dimension)."""
    n = {"boundary": "规划范围线", "construction": "建设用地", "core": "核心区范围线",
         "urban_design": "城市设计范围"} | (names or {})
    ops = list(boundary_ops if boundary_ops is not None else [Op("lwpolyline", n["boundary"], (BOUNDARY,))])
    ops += [
        Op("block", args=("地块", [Op("lwpolyline", "0", (PARCEL_W,)), Op("lwpolyline", "0", (PARCEL_E,))])),
        Op("insert", n["construction"], ("地块", (0.0, 0.0))),
        Op("block", args=("核心", [Op("lwpolyline", n["core"], (CORE,))])),
        Op("insert", "0", ("核心", (0.0, 0.0))),
        Op("circle", n["urban_design"], (DESIGN_CENTRE, DESIGN_R)),
        Op("text", n["boundary"], ("某某特色小镇规划范围", (800.0, 900.0))),
        Op("line", "道路中线", ((0.0, 50.0), (1700.0, 50.0)), closed=False),
    ]
    return ops + list(extra)


def exploded_boundary(gap: float = 0.0) -> list[Op]:
    """The boundary exploded into LINEs and an ARC (the bulged edge), ends missing by `gap`."""
    (x0, y0, _), (x1, y1, _), (x2, y2, b), (x3, y3, _) = BOUNDARY
    theta = 4 * math.atan(b)
    c = math.dist((x2, y2), (x3, y3))
    r = c / (2 * math.sin(theta / 2))
    mx, my = (x2 + x3) / 2, (y2 + y3) / 2
    cy = my - math.sqrt(r * r - (c / 2) ** 2)  # centre below the chord: the arc bows north
    a0 = math.degrees(math.atan2(y2 - cy, x2 - mx))
    a1 = math.degrees(math.atan2(y3 - cy, x3 - mx))
    L = "规划范围线"
    return [Op("line", L, ((x0, y0), (x1, y1 - gap)), False), Op("line", L, ((x1, y1), (x2, y2 - gap)), False),
            Op("arc", L, ((mx, cy), r, a0, a1), False), Op("line", L, ((x3 + gap, y3), (x0, y0 + gap)), False)]


def halves_boundary(gap: float = 0.01) -> list[Op]:
    """The boundary drawn in two open polylines whose ends miss each other by `gap`."""
    v = BOUNDARY
    first = [v[0], v[1], v[2][:2] + (0.0,)]  # east half up to the NE corner (no bulge on its end)
    second = [(v[2][0] - gap, v[2][1], v[2][2]), v[3], (v[0][0], v[0][1] + gap, 0)]
    return [Op("lwpolyline", "规划范围线", (first,), False), Op("lwpolyline", "规划范围线", (second,), False)]


def open_boundary(gap: float) -> list[Op]:
    """One LWPOLYLINE not closed: its last vertex stops `gap` metres short of the first, on the
    west edge (so closing it adds no area)."""
    v = BOUNDARY + [(0.0, gap, 0.0)]
    return [Op("lwpolyline", "规划范围线", (v,), False)]


# --- writers -------------------------------------------------------------------------------

def write_dxf(ops: list[Op], path: Path, *, version="R2018", gbk=False, offset=(X0, Y0),
              header_codepage: str | None = None, binary=False) -> Path:
    """Draw `ops` with ezdxf. gbk: an R2000 file as AutoCAD on Chinese Windows saves it (GBK
    bytes, $DWGCODEPAGE ANSI_936); header_codepage overrides what the header then claims."""
    doc = ezdxf.new(version)
    if gbk:
        doc.header["$DWGCODEPAGE"] = "ANSI_936"
        doc.encoding = "gbk"
    for op in _flatten(ops):
        if op.layer not in doc.layers:
            doc.layers.add(op.layer)
    msp = doc.modelspace()
    ox, oy = offset
    blocks = {op.args[0]: op.args[1] for op in ops if op.kind == "block"}
    r12 = version == "R12"  # 湘源 and older tools export R12: POLYLINE, no LWPOLYLINE
    for name, body in blocks.items():
        blk = doc.blocks.new(name)
        for op in body:
            _draw(blk, op, 0.0, 0.0, r12)
    for op in ops:
        if op.kind == "block":
            continue
        _draw(msp, op, ox, oy, r12)
    if binary:
        doc.saveas(path, fmt="bin")
        return path
    doc.saveas(path)
    if header_codepage:
        data = path.read_bytes().replace(b"ANSI_936", header_codepage.encode("ascii"))
        path.write_bytes(data)
    return path


def _flatten(ops):
    for op in ops:
        yield op
        if op.kind == "block":
            yield from _flatten(op.args[1])


def _draw(layout, op: Op, ox: float, oy: float, r12: bool = False) -> None:
    a = {"layer": op.layer}
    if op.kind == "lwpolyline" and r12:
        pts = [(x + ox, y + oy, b) for x, y, b in op.args[0]]
        layout.add_polyline2d(pts, format="xyb", close=op.closed, dxfattribs=a)
    elif op.kind == "lwpolyline":
        pts = [(x + ox, y + oy, 0, 0, b) for x, y, b in op.args[0]]
        layout.add_lwpolyline(pts, format="xyseb", close=op.closed, dxfattribs=a)
    elif op.kind == "line":
        (x0, y0), (x1, y1) = op.args
        layout.add_line((x0 + ox, y0 + oy), (x1 + ox, y1 + oy), dxfattribs=a)
    elif op.kind == "arc":
        (cx, cy), r, a0, a1 = op.args
        layout.add_arc((cx + ox, cy + oy), r, a0, a1, dxfattribs=a)
    elif op.kind == "circle":
        (cx, cy), r = op.args
        layout.add_circle((cx + ox, cy + oy), r, dxfattribs=a)
    elif op.kind == "circle_ocs_mirrored":  # drawn from below: extrusion −Z, OCS x = −WCS x
        (cx, cy), r = op.args
        layout.add_circle((-(cx + ox), cy + oy), r, dxfattribs=a | {"extrusion": (0, 0, -1)})
    elif op.kind == "insert":
        name, (x, y) = op.args
        layout.add_blockref(name, (x + ox, y + oy), dxfattribs=a)
    elif op.kind == "text":
        text, (x, y) = op.args
        layout.add_text(text, dxfattribs=a | {"insert": (x + ox, y + oy)})
        if r12:  # R12 has no MTEXT: a second TEXT line instead
            layout.add_text(text, dxfattribs=a | {"insert": (x + ox, y + oy - 10)})
        else:
            layout.add_mtext(text, dxfattribs=a | {"insert": (x + ox, y + oy)})
    elif op.kind == "dimension":
        (x0, y0), (x1, y1) = op.args
        dim = layout.add_linear_dim(base=(x0 + ox, y0 + oy - 20), p1=(x0 + ox, y0 + oy), p2=(x1 + ox, y1 + oy),
                                    dxfattribs=a)
        dim.render()
    elif op.kind == "polyface":  # city-design massing: a box as a polyface mesh
        (x, y), size, height = op.args
        pf = layout.add_polyface(dxfattribs=a)
        x, y = x + ox, y + oy
        pf.append_faces([[(x, y, 0), (x + size, y, 0), (x + size, y + size, 0), (x, y + size, 0)],
                         [(x, y, height), (x + size, y, height), (x + size, y + size, height), (x, y + size, height)]])
    elif op.kind == "3dface":
        (x, y), size = op.args
        layout.add_3dface([(x + ox, y + oy, 0), (x + ox + size, y + oy, 0), (x + ox + size, y + oy + size, 5)],
                          dxfattribs=a)
    elif op.kind == "3dsolid":
        layout.add_3dsolid(dxfattribs=a)
    elif op.kind == "mesh":
        layout.add_mesh(dxfattribs=a)
    elif op.kind == "hatch_circle":  # a solid hatch bounded by one full-circle arc edge
        (cx, cy), r = op.args
        h = layout.add_hatch(dxfattribs=a)
        h.paths.add_edge_path().add_arc((cx + ox, cy + oy), r, 0, 360)
    elif op.kind == "hatch":  # a pattern hatch over a rectangle (湘源 fills land-use parcels)
        verts, pattern = op.args
        h = layout.add_hatch(dxfattribs=a)
        h.set_pattern_fill(pattern, scale=5)
        h.paths.add_polyline_path([(x + ox, y + oy, b) for x, y, b in verts], is_closed=True)
    else:
        raise ValueError(op.kind)


def write_dwg(ops: list[Op], path: Path, *, offset=(X0, Y0)) -> Path:
    """Draw `ops` (polylines, lines, arcs, circles, text; no blocks) as DWG R2000 with ezdwg."""
    import ezdwg

    drawing = ezdwg.new()
    for op in ops:
        drawing.layers.setdefault(op.layer, {"color_index": 7})
    msp = drawing.modelspace()
    ox, oy = offset
    for op in ops:
        a = {"layer": op.layer}
        if op.kind == "lwpolyline":
            verts = op.args[0]
            msp.add_lwpolyline([(x + ox, y + oy) for x, y, _ in verts], bulges=[b for _, _, b in verts],
                               closed=op.closed, **a)
        elif op.kind == "line":
            (x0, y0), (x1, y1) = op.args
            msp.add_line((x0 + ox, y0 + oy, 0), (x1 + ox, y1 + oy, 0), **a)
        elif op.kind == "arc":
            (cx, cy), r, a0, a1 = op.args
            msp.add_arc((cx + ox, cy + oy, 0), r, a0, a1, **a)
        elif op.kind == "circle":
            (cx, cy), r = op.args
            msp.add_circle((cx + ox, cy + oy, 0), r, **a)
        elif op.kind == "text":
            msp.add_text(op.args[0], (op.args[1][0] + ox, op.args[1][1] + oy, 0), 5.0, **a)
        elif op.kind == "3dface":
            (x, y), size = op.args
            msp.add_3dface([(x + ox, y + oy, 0), (x + ox + size, y + oy, 0), (x + ox + size, y + oy + size, 5),
                            (x + ox, y + oy + size, 5)], **a)
        else:
            raise ValueError(f"not drawn in the DWG corpus: {op.kind}")
    drawing.save(str(path))
    return path


DWG_KINDS = {"lwpolyline", "line", "arc", "circle", "text", "3dface"}


def without_blocks(ops: list[Op], blocks: dict | None = None) -> list[Op]:
    """The same drawing with its INSERTs (at the origin, unscaled) replaced by the block's
    entities, layer 0 taking the INSERT's layer: for the DWG writer, which draws no blocks here."""
    blocks = blocks or {op.args[0]: op.args[1] for op in ops if op.kind == "block"}
    out = []
    for op in ops:
        if op.kind == "block":
            continue
        if op.kind == "insert":
            body = without_blocks(blocks[op.args[0]], blocks)
            out += [Op(o.kind, op.layer if o.layer == "0" else o.layer, o.args, o.closed) for o in body]
            continue
        out.append(op)
    return out


# --- the cases -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CadCase:
    name: str
    ops: Callable[[], list[Op]]
    exit_code: int = 0
    fragments: tuple[str, ...] = ()  # in the JSON report (exit 0/1) or the one error line (exit 2)
    areas: dict = field(default_factory=lambda: dict(AREAS))
    roles: dict = field(default_factory=dict)  # role → CAD layer expected
    args: tuple[str, ...] = ()


def _minus_enclave(areas):
    return areas | {"planned_area_m2": areas["planned_area_m2"] - ring_area(ENCLAVE)}


CASES = [
    CadCase("clean_blocks_bulge_circle", town,
            fragments=("arc(s)/curve(s) were linearised", "text, dimensions and other annotation are not boundaries"),
            roles={"boundary": "规划范围线", "construction": "建设用地", "core": "核心区范围线",
                   "urban_design": "城市设计范围"}),
    CadCase("gap_1mm_closed", lambda: town(open_boundary(0.001)),
            fragments=("1 polyline(s) whose ends were within the snap tolerance 1 m", "0.001 m at")),
    CadCase("gap_half_metre_closed", lambda: town(open_boundary(0.5)), fragments=("0.5 m at (",)),
    CadCase("exploded_lines_arc", lambda: town(exploded_boundary()),
            fragments=("arc(s)/curve(s) were linearised",)),
    CadCase("exploded_with_gaps", lambda: town(exploded_boundary(gap=0.02)),
            fragments=("ends of separate lines/arcs/polylines within the snap tolerance 1 m",)),
    CadCase("two_halves", lambda: town(halves_boundary(0.01)),
            fragments=("were joined to form areas",)),
    CadCase("enclave_nested_ring", lambda: town(extra=[Op("lwpolyline", "规划范围线", (ENCLAVE,))]),
            fragments=("closed ring(s) nested inside another were taken as holes", "12000 m²"),
            areas=_minus_enclave(AREAS)),
    CadCase("open_beyond_tolerance", lambda: town(open_boundary(5.0)), exit_code=2,
            fragments=("规划范围线", "not closed", "gap 5 m at", "snap tolerance 1 m", "--snap-tolerance")),
    CadCase("open_closed_by_option", lambda: town(open_boundary(5.0)), args=("--snap-tolerance", "6"),
            fragments=("given by --snap-tolerance", "5 m at")),
    CadCase("massing_3d_and_fills", lambda: town(extra=[
        Op("polyface", "城市设计范围", ((500.0, 500.0), 30.0, 24.0)), Op("3dface", "建设用地", ((300.0, 300.0), 10.0)),
        Op("mesh", "建筑体块"), Op("3dsolid", "建筑体块"),
        Op("hatch", "建设用地", (PARCEL_W, "ANSI31")),
        Op("dimension", "标注", ((0.0, 0.0), (1700.0, 0.0)))]),
        fragments=("3D entities (polyface/mesh, 3DSOLID, 3DFACE …) are not boundaries",
                   "1 hatch(es) fill areas already bounded by polylines and were counted once")),
    CadCase("layer_names_red_line_pinyin", lambda: town(names={"boundary": "用地红线", "construction": "JSYD",
                                                               "core": "HXQ", "urban_design": "CSSJ"}),
            roles={"boundary": "用地红线", "construction": "JSYD", "core": "HXQ", "urban_design": "CSSJ"}),
    CadCase("nested_blocks_layer0", lambda: [op for op in town() if op.args[:1] != ("地块",)] + [
        Op("block", args=("片区", [Op("insert", "0", ("地块", (0.0, 0.0)))])),
        Op("block", args=("地块", [Op("lwpolyline", "0", (PARCEL_W,)), Op("lwpolyline", "0", (PARCEL_E,))])),
        Op("insert", "建设用地", ("片区", (0.0, 0.0)))],
        roles={"construction": "建设用地"}),
    CadCase("ocs_mirrored_circle", lambda: [op for op in town() if op.kind != "circle"] + [
        Op("circle_ocs_mirrored", "城市设计范围", (DESIGN_CENTRE, DESIGN_R))]),
    CadCase("design_as_hatch_arc_edge", lambda: [op for op in town() if op.kind != "circle"] + [
        Op("hatch_circle", "城市设计范围", (DESIGN_CENTRE, DESIGN_R))]),
    CadCase("non_construction_not_taken", lambda: town(extra=[
        Op("lwpolyline", "非建设用地", (rect(1300, 200, 300, 300),))]),
        roles={"construction": "建设用地"}),
]


def unicode_escaped(text: str) -> str:
    """How ezdxf and older converters write non-ASCII text into an ANSI_1252 R2000 file."""
    return re.sub(r"[^\x00-\x7f]", lambda m: f"\\U+{ord(m.group()):04X}", text)
