"""CAD drawings (DXF, DWG) as submission layers, read the way AutoCAD draws them.

Institutes draw each boundary on its own CAD layer (规划范围线, 建设用地 …); each CAD layer
becomes a layer whose name is matched to roles like any other. The drawing is read with ezdxf
(DWG is first converted to DXF with ezdwg, in a temporary folder, never next to the input):

* INSERTs are exploded, nested blocks too, and every entity keeps its own layer; entities on
  layer 0 take the layer of the INSERT that places them (AutoCAD's rule), so a block of parcels
  inserted on 建设用地 lands there, and a block drawn on 核心区 stays there;
* coordinates are taken in WCS (OCS and extrusion applied), arcs, circles, bulges, ellipses and
  splines are linearised with a chord error (sagitta) far below what an area can show;
* polylines, lines and arcs become faces (see linework.py); hatches are areas of their own;
* 3D entities, text, dimensions and other annotation are skipped and counted; an entity that
  cannot be read is counted and named, never the end of the check.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

from . import linework
from ..errors import InputError, first_line

CAD_SUFFIXES = {".dxf", ".dwg"}
BINARY_DXF = b"AutoCAD Binary DXF\r\n\x1a\x00"
MAX_BLOCK_DEPTH = 16  # AutoCAD refuses self-referencing blocks; a broken file may still hold one

# What is skipped, by the category the notes count it in.
SKIPPED = {
    **dict.fromkeys(("3DFACE", "3DSOLID", "MESH", "BODY", "REGION", "SURFACE", "EXTRUDEDSURFACE",
                     "LOFTEDSURFACE", "REVOLVEDSURFACE", "SWEPTSURFACE", "PLANESURFACE", "POLYFACE",
                     "POLYMESH"), "3d"),
    **dict.fromkeys(("TEXT", "MTEXT", "ATTRIB", "ATTDEF", "DIMENSION", "ARC_DIMENSION", "LEADER",
                     "MLEADER", "MULTILEADER", "TOLERANCE", "ACAD_TABLE", "TABLE"), "annotation"),
}
SKIPPED_WORDS = {"3d": ("三维图元（多面网格、实体、三维面等）", "3D entities (polyface/mesh, 3DSOLID, 3DFACE …)"),
                 "annotation": ("文字、标注等注记", "text, dimensions and other annotation"),
                 "other": ("点、图像等其他图元", "points, images and other entities")}


@dataclass
class CadLayer:
    """What one CAD layer draws, in WCS x/y."""

    pieces: list[tuple[np.ndarray, bool]] = field(default_factory=list)  # line work: coords, closed
    hatches: list[Polygon] = field(default_factory=list)
    curves: int = 0  # arcs, circles, bulges, ellipses, splines linearised
    curve_length: float = 0.0  # their length: the area error is at most ⅔ · sagitta · length
    has_z: bool = False
    points: list[tuple[float, float]] = field(default_factory=list)  # POINT entities (site symbols)
    texts: list[tuple[float, float, str]] = field(default_factory=list)  # TEXT/MTEXT: x, y, raw text
    skipped: Counter = field(default_factory=Counter)  # category → count
    failed: list[str] = field(default_factory=list)  # entities that could not be read
    too_deep: int = 0  # INSERTs nested beyond MAX_BLOCK_DEPTH (a block inserting itself)


@dataclass
class Drawing:
    layers: dict[str, CadLayer] = field(default_factory=dict)
    version: str = ""
    converted_from_dwg: bool = False

    def layer(self, name: str) -> CadLayer:
        return self.layers.setdefault(name, CadLayer())


@dataclass
class LayerShapes:
    """The areas one CAD layer draws, and what was done to get them."""

    faces: list[Polygon]
    repairs: list[linework.Repair]
    gaps: list[linework.Gap]
    loose_ends: int
    hatches_kept: int
    hatches_duplicate: int


def layer_shapes(layer: CadLayer, tolerance: float) -> LayerShapes:
    """Faces from the line work plus hatches that are not just the fill of those faces."""
    lw = linework.shapes(layer.pieces, tolerance)
    kept, dup = [], 0
    covered = shapely.union_all(lw.faces) if lw.faces else None
    for h in layer.hatches:
        if covered is not None and h.difference(covered).area <= 1e-6 * max(h.area, 1.0):
            dup += 1
        else:
            kept.append(h)
    return LayerShapes(lw.faces + kept, lw.repairs, lw.gaps, lw.loose_ends, len(kept), dup)


# --- reading --------------------------------------------------------------------------------

def read(data: bytes, name: str, shown: str, codec: str | None, sagitta: float) -> Drawing:
    """A drawing's layers from the bytes of a .dxf or .dwg (`name` tells which)."""
    from ezdxf.lldxf.const import DXFError

    dwg = name.lower().endswith(".dwg") or data[:4] == b"AC10"
    if not dwg and not data.startswith(BINARY_DXF) and not data.rstrip(b" \t\r\n\x00\x1a").endswith(b"EOF"):
        # A cut-off upload still parses as a drawing with entities missing: never measure that.
        raise InputError("the DXF file is truncated (it does not end with the EOF marker); export or "
                         "upload it again", shown)
    try:
        if dwg:
            doc = _dwg_as_dxf(data, shown)
        elif data.startswith(BINARY_DXF):
            from ezdxf.document import Drawing as EzDrawing
            from ezdxf.lldxf.tagger import binary_tags_loader
            doc = EzDrawing.load(binary_tags_loader(data))
        else:
            doc = _read_ascii(data, codec)
    except (DXFError, ValueError, TypeError, KeyError, IndexError, AttributeError, EOFError,
            UnicodeError, OSError) as exc:
        what = "DWG" if dwg else "DXF"
        raise InputError(f"not a {what} drawing that can be read ({first_line(exc)})"
                         + ("; save it as DXF R2018 from CAD and check that" if dwg else ""), shown) from None
    out = Drawing(version=str(doc.dxfversion), converted_from_dwg=dwg)
    _walk(doc.modelspace(), None, 0, out, sagitta)
    return out


def _read_ascii(data: bytes, codec: str | None):
    """ezdxf's reader, decoding text with `codec` (chosen by encoding.py from the bytes, since
    headers often name the wrong code page) instead of the header's claim; ezdxf's slower
    recovering reader for a file the plain one refuses."""
    import ezdxf
    from ezdxf import recover
    from ezdxf.lldxf.const import DXFError

    if codec is None:
        doc, _ = recover.read(io.BytesIO(data))
        return doc
    try:
        return ezdxf.read(io.StringIO(data.decode(codec, errors="replace"), newline=None))
    except (DXFError, ValueError, KeyError, IndexError, AttributeError, TypeError):
        pass

    class _Decoded(recover.Recover):
        def load_tags(self, stream, errors):
            from ezdxf.lldxf import repair
            tags = self.tag_loader(stream)
            tags = repair.tag_reorder_layer(tags)
            tags = repair.filter_invalid_point_codes(tags)
            tags = repair.filter_invalid_handles(tags)
            return recover.byte_tag_compiler(tags, codec, messages=self.errors, errors="replace")

    # Recover.run() always builds a plain Recover, so its steps are repeated here with ours.
    tool = _Decoded()
    sections = tool.rebuild_sections(tool.load_tags(io.BytesIO(data), "replace"))
    tool.load_section_dict(sections)
    if tool.section_dict.get("TABLES"):
        # ezdxf annotates section_dict loosely (Tags | ExtendedTags); these are plain Tags here
        tool.section_dict["TABLES"] = tool.rebuild_tables(tool.section_dict["TABLES"])  # type: ignore[arg-type,assignment]
    if tool.dxfversion > "AC1009":
        tool.recover_rootdict()
        tool.fix_broken_layout_links()
    for name, entities in tool.section_dict.items():
        if name in {"TABLES", "BLOCKS", "OBJECTS", "ENTITIES"}:
            tool.section_dict[name] = list(tool.check_entities(entities, tool.dxfversion <= "AC1009"))  # type: ignore[arg-type]
    doc, _ = recover._load_and_audit_document(tool)
    return doc


def _dwg_as_dxf(data: bytes, shown: str):
    """DWG → DXF R2018 with ezdwg, in a private temporary folder, then ezdxf."""
    try:
        import ezdwg
    except ImportError:
        raise InputError("DWG cannot be read here (the ezdwg package is not installed); "
                         "save the drawing as DXF R2018 from CAD, or pip install ezdwg", shown) from None
    from ezdxf import recover

    with tempfile.TemporaryDirectory(prefix="geocheck-dwg-") as tmp:
        src, dst = Path(tmp, "in.dwg"), Path(tmp, "out.dxf")
        src.write_bytes(data)
        try:
            ezdwg.to_dxf(str(src), str(dst), dxf_version="R2018")
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a Rust panic on a broken file is a BaseException
            raise InputError(f"DWG cannot be read ({first_line(exc)}); save it as DXF R2018 from CAD "
                             "and check that", shown) from None
        doc, _ = recover.read(io.BytesIO(dst.read_bytes()))
    return doc


# --- entities -------------------------------------------------------------------------------

def _walk(entities, parent_layer: str | None, depth: int, out: Drawing, sagitta: float) -> None:
    for e in entities:
        try:
            _entity(e, parent_layer, depth, out, sagitta)
        except Exception as exc:  # noqa: BLE001 - one broken entity must never stop the check
            handle = getattr(e.dxf, "handle", None) if hasattr(e, "dxf") else None
            try:
                where = _layer_name(e, parent_layer)
            except Exception:  # noqa: BLE001
                where = parent_layer or "0"
            out.layer(where).failed.append(f"{_type(e)}{f' #{handle}' if handle else ''} ({first_line(exc)})")


def _type(e) -> str:
    try:
        return e.dxftype()
    except Exception:  # noqa: BLE001
        return type(e).__name__


def _layer_name(e, parent_layer: str | None) -> str:
    from ezdxf.lldxf.encoding import decode_dxf_unicode, has_dxf_unicode

    name = str(e.dxf.get("layer", "0") or "0")
    if has_dxf_unicode(name):
        name = decode_dxf_unicode(name)
    if parent_layer is not None and (name == "0" or name.upper() == "BYBLOCK"):
        return parent_layer  # AutoCAD: block entities on layer 0 take the INSERT's layer
    return name


def _entity(e, parent_layer, depth, out: Drawing, sagitta: float) -> None:
    kind = e.dxftype()
    layer = _layer_name(e, parent_layer)
    if kind == "INSERT":
        if depth >= MAX_BLOCK_DEPTH:
            out.layer(layer).too_deep += 1
            return
        out.layer(layer).skipped["annotation"] += len(e.attribs)
        for ref in (e.multi_insert() if e.mcount > 1 else [e]):
            _walk(ref.virtual_entities(), layer, depth + 1, out, sagitta)
        return
    if kind == "POINT":
        x, y, _ = e.dxf.location
        out.layer(layer).points.append((float(x), float(y)))
        out.layer(layer).skipped["other"] += 1  # not a boundary; kept for point reference layers
        return
    if kind in ("TEXT", "MTEXT"):  # kept for land-use labels inside parcels (geocheck.parcels.cad)
        where = e.dxf.insert
        if kind == "TEXT":  # an aligned TEXT is placed by its alignment point; AutoCAD derives insert
            aligned = (e.dxf.get("halign", 0) or e.dxf.get("valign", 0)) and e.dxf.hasattr("align_point")
            where = e.ocs().to_wcs(e.dxf.align_point if aligned else where)
        out.layer(layer).texts.append((float(where.x), float(where.y), e.text if kind == "MTEXT" else e.dxf.text))
    if kind in SKIPPED:
        out.layer(layer).skipped[SKIPPED[kind]] += 1
        return
    if kind == "POLYLINE" and (e.is_poly_face_mesh or e.is_polygon_mesh):
        out.layer(layer).skipped["3d"] += 1
        return
    if kind in ("HATCH", "MPOLYGON"):
        poly = _hatch(e, sagitta, out.layer(layer))
        if poly is not None and not poly.is_empty:
            out.layer(layer).hatches.append(poly)
        return
    piece = _linear(e, kind, sagitta, out.layer(layer)) if kind in LINEAR else None
    if piece is None:
        out.layer(layer).skipped["other"] += 1
        return
    coords, closed = piece
    target = out.layer(layer)
    if coords.shape[1] > 2 and np.any(np.abs(coords[:, 2]) > 1e-9):
        target.has_z = True
    target.pieces.append((coords[:, :2], closed))


LINEAR = {"LINE", "LWPOLYLINE", "POLYLINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE"}


def _linear(e, kind: str, sagitta: float, layer: CadLayer):
    """(WCS coordinates, closed) of a line-like entity."""
    if kind == "LINE":
        return np.array([tuple(e.dxf.start), tuple(e.dxf.end)]), False
    if kind == "LWPOLYLINE":
        pts = [(x, y, b) for x, y, b in e.get_points("xyb")]
        ocs, z = e.ocs(), e.dxf.elevation
        return _to_wcs(_bulge_chain(pts, e.closed, sagitta, layer), ocs, z), bool(e.closed)
    if kind == "POLYLINE":
        verts = [v for v in e.vertices if not v.dxf.flags & 16]  # 16: a spline frame control point
        if e.is_2d_polyline:
            pts = [(v.dxf.location.x, v.dxf.location.y, v.dxf.bulge) for v in verts]
            return _to_wcs(_bulge_chain(pts, e.is_closed, sagitta, layer), e.ocs(), e.dxf.elevation.z), bool(e.is_closed)
        return np.array([tuple(v.dxf.location) for v in verts]), bool(e.is_closed)
    if kind in ("ARC", "CIRCLE"):
        c, r = e.dxf.center, e.dxf.radius
        a0, a1 = (math.radians(e.dxf.start_angle), math.radians(e.dxf.end_angle)) if kind == "ARC" else (0.0, 2 * math.pi)
        if kind == "ARC" and a1 <= a0:
            a1 += 2 * math.pi
        xy = _arc(c.x, c.y, r, a0, a1, sagitta)
        layer.curves += 1
        layer.curve_length += r * (a1 - a0)
        return _to_wcs(xy, e.ocs(), c.z), kind == "CIRCLE"
    if kind in ("ELLIPSE", "SPLINE"):
        flat = np.array([tuple(v) for v in e.flattening(sagitta)])
        layer.curves += 1
        layer.curve_length += float(np.sum(np.hypot(*np.diff(flat[:, :2], axis=0).T)))
        return flat, bool(np.allclose(flat[0], flat[-1]))
    return None


def _to_wcs(xy: np.ndarray, ocs, elevation: float) -> np.ndarray:
    if ocs.transform:
        from ezdxf.math import Vec3
        return np.array([tuple(p) for p in ocs.points_to_wcs(Vec3(x, y, elevation) for x, y in xy)])
    return np.column_stack([xy, np.full(len(xy), float(elevation))])


def _arc(cx, cy, r, a0, a1, sagitta: float) -> np.ndarray:
    """Points on a circular arc, counter-clockwise from a0 to a1 (radians), exactly on the circle,
    with chords whose sagitta is at most `sagitta`."""
    step = 2 * math.acos(1 - sagitta / r) if sagitta < r else math.pi / 2
    n = max(1, math.ceil((a1 - a0) / step))
    t = np.linspace(a0, a1, n + 1)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


def _bulge_chain(pts, closed: bool, sagitta: float, layer: CadLayer) -> np.ndarray:
    """OCS x/y of a polyline with bulges (arc segments), linearised."""
    from ezdxf.math import bulge_to_arc

    out = []
    n = len(pts)
    for i in range(n):
        x, y, b = pts[i]
        out.append((x, y))
        if b and (closed or i < n - 1):
            nx, ny, _ = pts[(i + 1) % n]
            if (nx, ny) == (x, y):
                continue
            centre, start, end, r = bulge_to_arc((x, y), (nx, ny), b)
            if end <= start:
                end += 2 * math.pi
            arc = _arc(centre.x, centre.y, r, start, end, sagitta)
            arc = arc if b > 0 else arc[::-1]  # bulge_to_arc gives the arc counter-clockwise
            out.extend(map(tuple, arc[1:-1]))
            layer.curves += 1
            layer.curve_length += r * (end - start)
    return np.array(out, dtype=float).reshape(-1, 2)


def _hatch(e, sagitta: float, layer: CadLayer) -> Polygon | None:
    """A hatch's area: its boundary paths, nested ones as holes (the even-odd fill)."""
    from ezdxf.entities.boundary_paths import ArcEdge, EllipseEdge, LineEdge, PolylinePath

    ocs, z = e.ocs(), e.dxf.elevation.z
    rings = []
    for path in e.paths:
        if isinstance(path, PolylinePath):
            xy = _bulge_chain([tuple(v)[:3] for v in path.vertices], True, sagitta, layer)
        else:
            parts = []
            for edge in path.edges:
                if isinstance(edge, LineEdge):
                    seg = np.array([tuple(edge.start)[:2], tuple(edge.end)[:2]])
                elif isinstance(edge, ArcEdge):
                    a0, a1 = math.radians(edge.start_angle), math.radians(edge.end_angle)
                    if a1 <= a0:
                        a1 += 2 * math.pi
                    seg = _arc(edge.center.x, edge.center.y, edge.radius, a0, a1, sagitta)
                    seg = seg if edge.ccw else seg[::-1]
                    layer.curves += 1
                    layer.curve_length += edge.radius * (a1 - a0)
                elif isinstance(edge, EllipseEdge):
                    seg = np.array([tuple(v)[:2] for v in edge.construction_tool().flattening(sagitta)])
                    seg = seg if edge.ccw else seg[::-1]
                    layer.curves += 1
                else:  # spline edge: ezdxf's own approximation
                    from ezdxf.path import from_hatch_edge_path
                    seg = np.array([tuple(v)[:2] for v in from_hatch_edge_path(path).flattening(sagitta)])
                    parts = [seg]
                    break
                parts.append(seg)
            xy = np.vstack(parts) if parts else np.empty((0, 2))
        if len(xy) >= 3:
            rings.append((_to_wcs(xy, ocs, z)[:, :2], True))
    faces = linework.shapes(rings, 0.0).faces
    return shapely.union_all(faces) if faces else None
