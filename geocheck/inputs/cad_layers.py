"""CAD layers of a drawing as submission layers: which are offered, and one read as features.

A CAD layer is offered when it draws an area or holds line work (so a boundary left open still
matches its role and is reported as open, never as missing). Reading one gives its faces as
features, with notes on every repair (gaps closed, ends joined, enclaves, linearised curves)
and what was skipped. The drawing is parsed once, when its layers are listed (ParsedDrawing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import shapely

from . import cad, encoding
from .archive import Archive
from ..errors import GeocheckError, InputError

MAX_LISTED = 5  # repairs and gaps spelled out in one note; the rest are counted


@dataclass(frozen=True)
class CadSettings:
    snap_tolerance_m: float
    max_sagitta_m: float
    snap_given_by: str = "default"  # "default", "profile", "--snap-tolerance"
    points: bool = False  # read POINT entities as features (a point reference layer), not areas


@cache
def default_settings() -> CadSettings:
    """The rules' reading settings (rules/cad.json), read once: a frozen value, safe to share."""
    d = json.loads(resources.files("geocheck.rules").joinpath("cad.json").read_text(encoding="utf-8"))
    return CadSettings(float(d["snap_tolerance_m"]["value"]), float(d["max_sagitta_m"]["value"]))


def settings(snap_tolerance_m: float | None = None, given_by: str = "--snap-tolerance") -> CadSettings:
    """Reading settings: the rules' defaults (rules/cad.json), the snap tolerance overridden."""
    if snap_tolerance_m is None:
        return default_settings()
    if not snap_tolerance_m >= 0:
        raise GeocheckError(f"{given_by}: the snap tolerance must be a distance ≥ 0 m, not {snap_tolerance_m}")
    return replace(default_settings(), snap_tolerance_m=float(snap_tolerance_m), snap_given_by=given_by)


# --- the drawing, parsed once ---------------------------------------------------------------

@dataclass(eq=False)
class ParsedDrawing:
    """A drawing parsed once while its layers are listed, and carried by the LayerRefs of its CAD
    layers: loading one of them, or reading its texts, never parses the drawing again. Nothing
    is kept beyond those refs, so no submission ever sees another's drawing."""

    drawing: cad.Drawing
    _shapes: dict = field(default_factory=dict, repr=False)  # (CAD layer, snap tolerance) → LayerShapes

    def shapes(self, layer: str, tolerance: float) -> cad.LayerShapes:
        """The areas a CAD layer draws (polygonised once per tolerance: roles and parcels share it)."""
        key = (layer, tolerance)
        if key not in self._shapes:
            self._shapes[key] = cad.layer_shapes(self.drawing.layers[layer], tolerance)
        return self._shapes[key]


def parse(gdal_path: str, shown: str, codec: str | None, sagitta: float, data: bytes | None = None) -> ParsedDrawing:
    return ParsedDrawing(cad.read(data if data is not None else _read_bytes(gdal_path, shown),
                                  gdal_path, shown, codec, sagitta))


def _read_bytes(gdal_path: str, shown: str) -> bytes:
    if gdal_path.startswith("/vsizip/"):
        zip_path, _, member = gdal_path[len("/vsizip/"):].partition(".zip/")
        return Archive(Path(zip_path + ".zip")).read(member)
    try:
        return Path(gdal_path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", shown) from None


def text_encoding(data: bytes, name: str, option: str | None) -> encoding.Encoding | None:
    """The encoding of an ASCII DXF's text; None where the reader decides (DWG, binary DXF)."""
    if name.lower().endswith(".dwg") or data.startswith(cad.BINARY_DXF):
        return None
    return encoding.dxf_encoding(data, option)


def offered(parsed: ParsedDrawing, shown: str, s: CadSettings) -> list[tuple[str, int]]:
    """(CAD layer, closed shapes on it) for every layer with areas or line work. Counting closed
    polylines, circles and hatches is cheap; polygonising waits until a layer is read for a role
    (a drawing's road or hatching layers can hold tens of thousands of lines)."""
    d = parsed.drawing
    out = []
    for name, layer in d.layers.items():
        if s.points:
            if layer.points:
                out.append((name, 0))
            continue
        if not layer.pieces and not layer.hatches and not layer.failed:
            continue
        out.append((name, sum(1 for _, closed in layer.pieces if closed) + len(layer.hatches)))
    if not out and s.points:
        raise InputError("CAD drawing holds no POINT entity on any layer", shown)
    if not out:
        skipped = sum(sum(l.skipped.values()) for l in d.layers.values())
        raise InputError("CAD drawing holds no closed polyline, hatch or line work on any layer"
                         + (f" ({skipped} text, 3D or other entities skipped)" if skipped else ""), shown)
    return out


def texts(parsed: ParsedDrawing, cad_layer: str) -> list[tuple[float, float, str]]:
    """The TEXT and MTEXT of one CAD layer: (x, y, text as written), in drawing units."""
    return list(parsed.drawing.layers[cad_layer].texts)


# --- one layer as features ------------------------------------------------------------------

def load(parsed: ParsedDrawing, shown: str, cad_layer: str, s: CadSettings):
    """(features, notes as (zh, en), read issues by fid) of one CAD layer, in drawing units."""
    d = parsed.drawing
    layer = d.layers[cad_layer]
    if s.points:
        pts = [shapely.Point(x, y) for x, y in layer.points]
        return gpd.GeoDataFrame({"cad_layer": [cad_layer] * len(pts)}, geometry=pts, crs=None), [], {}
    sh = parsed.shapes(cad_layer, s.snap_tolerance_m)
    tol = _metres(s.snap_tolerance_m)
    if not sh.faces and not sh.gaps and layer.failed:
        raise InputError(f"layer '{cad_layer}': none of its entities could be read ({len(layer.failed)}: "
                         f"{'; '.join(layer.failed[:MAX_LISTED])}); save the drawing as DXF R2018 from CAD", shown)
    open_gaps = [g for g in sh.gaps if g.size is None or g.size > s.snap_tolerance_m]
    if not sh.faces and open_gaps:
        raise InputError(f"layer '{cad_layer}': the boundary is not closed — {_gap_list(open_gaps, 'en')}, "
                         f"beyond the snap tolerance {tol}; close it in CAD, or pass --snap-tolerance "
                         f"{_suggest(open_gaps)} if that gap is a drafting slip", shown)
    geoms = list(sh.faces) + [shapely.Point(g.x, g.y) for g in open_gaps]
    frame = gpd.GeoDataFrame({"cad_layer": [cad_layer] * len(geoms)}, geometry=geoms, crs=None)
    issues = {len(sh.faces) + i: (f"open boundary: free end {_gap(g, 'en')}, beyond the snap tolerance {tol} "
                                  "(not counted as area)")
              for i, g in enumerate(open_gaps)}
    return frame, _notes(d, layer, sh, s, open_gaps), issues


def _notes(d: cad.Drawing, layer: cad.CadLayer, sh: cad.LayerShapes, s: CadSettings, open_gaps) -> list[tuple[str, str]]:
    notes = []
    if d.converted_from_dwg:
        notes.append(("DWG 图纸经 ezdwg 转换为 DXF 后读取", "the DWG drawing was read through ezdwg's conversion to DXF"))
    by_kind: dict[str, list] = {}
    for r in sh.repairs:
        by_kind.setdefault(r.kind, []).append(r)
    tol_zh = f"捕捉容差 {_metres(s.snap_tolerance_m)}（{_given_by_zh(s)}）"
    tol_en = f"snap tolerance {_metres(s.snap_tolerance_m)} ({_given_by_en(s)})"
    if "closed" in by_kind:
        rs = by_kind["closed"]
        notes.append((f"{len(rs)} 条未闭合多段线首尾相距在{tol_zh}内，已闭合：{_list(rs, 'zh')}",
                      f"{len(rs)} polyline(s) whose ends were within the {tol_en} were closed: {_list(rs, 'en')}"))
    if "joined" in by_kind:
        rs = by_kind["joined"]
        notes.append((f"{len(rs)} 处线段端点相距在{tol_zh}内，已连接后构面：{_list(rs, 'zh')}",
                      f"{len(rs)} place(s) where ends of separate lines/arcs/polylines within the {tol_en} were "
                      f"joined to form areas: {_list(rs, 'en')}"))
    if "hole" in by_kind:
        rs = by_kind["hole"]
        notes.append((f"{len(rs)} 个嵌套在其他闭合线内的闭合线按奇偶规则作为洞（飞地/扣除区）：{_list(rs, 'zh')}",
                      f"{len(rs)} closed ring(s) nested inside another were taken as holes (even-odd rule, "
                      f"as a hatch fills): {_list(rs, 'en')}"))
    if open_gaps and sh.faces:
        notes.append((f"{len(open_gaps)} 处线端未闭合且超出{tol_zh}，未计入面积：{_gap_list(open_gaps, 'zh')}",
                      f"{len(open_gaps)} free line end(s) beyond the {tol_en} were not counted as area: "
                      f"{_gap_list(open_gaps, 'en')}"))
    if sh.loose_ends:
        notes.append((f"{sh.loose_ends} 个线端悬挂在已围合的面上（出头线、引线），不围合面积，未计入",
                      f"{sh.loose_ends} loose line end(s) attached to areas (lines drawn past a corner, leaders) "
                      "bound nothing and were left out"))
    if sh.hatches_duplicate:
        notes.append((f"{sh.hatches_duplicate} 个填充与多段线围成的面重合，只计一次",
                      f"{sh.hatches_duplicate} hatch(es) fill areas already bounded by polylines and were counted once"))
    if layer.curves:
        bound = 2 / 3 * s.max_sagitta_m * layer.curve_length
        notes.append((f"{layer.curves} 段圆弧/曲线已按弦高 ≤ {s.max_sagitta_m * 1000:g} mm 线性化（面积误差 ≤ {bound:.2g} m²）",
                      f"{layer.curves} arc(s)/curve(s) were linearised with chords at most "
                      f"{s.max_sagitta_m * 1000:g} mm from the curve (area error ≤ {bound:.2g} m²)"))
    if layer.has_z:
        notes.append(("Z 值（高程）已舍弃，按平面计算面积", "Z values were dropped; areas are planimetric"))
    for category, n in sorted((c, n) for c, n in layer.skipped.items() if n):
        zh, en = cad.SKIPPED_WORDS[category]
        notes.append((f"{n} 个{zh}不是边界，未计入", f"{n} {en} are not boundaries and were skipped"))
    if layer.failed:
        notes.append((f"{len(layer.failed)} 个图元无法读取，已跳过：{'; '.join(layer.failed[:MAX_LISTED])}",
                      f"{len(layer.failed)} entities could not be read and were skipped: "
                      f"{'; '.join(layer.failed[:MAX_LISTED])}"))
    if layer.too_deep:
        notes.append((f"{layer.too_deep} 个块参照嵌套超过 {cad.MAX_BLOCK_DEPTH} 层（块自引用？），已跳过",
                      f"{layer.too_deep} block reference(s) nested deeper than {cad.MAX_BLOCK_DEPTH} levels "
                      "(a block inserting itself?) were skipped"))
    return notes


def _metres(v: float) -> str:
    return f"{v:g} m"


def _given_by_zh(s: CadSettings) -> str:
    return {"default": "默认值，见 rules/cad.json", "profile": "规则集设定"}.get(s.snap_given_by, f"由 {s.snap_given_by} 指定")


def _given_by_en(s: CadSettings) -> str:
    return {"default": "default, rules/cad.json", "profile": "set by the profile"}.get(s.snap_given_by,
                                                                                      f"given by {s.snap_given_by}")


def _size(r) -> str:
    number = f"{r.size:.3g}" if r.size < 1000 else f"{r.size:.0f}"
    return f"{number} m²" if r.kind == "hole" else f"{number} m"


def _list(rs, lang: str) -> str:
    at = "位于" if lang == "zh" else "at"
    text = "; ".join(f"{_size(r)} {at} ({r.x:.2f}, {r.y:.2f})" for r in rs[:MAX_LISTED])
    return text + (f" (+{len(rs) - MAX_LISTED})" if len(rs) > MAX_LISTED else "")


def _gap(g, lang: str) -> str:
    if g.size is None:
        return f"位于 ({g.x:.2f}, {g.y:.2f})，无相邻线端" if lang == "zh" else \
            f"at ({g.x:.2f}, {g.y:.2f}) with no other free end"
    return f"缺口 {g.size:.3g} m 位于 ({g.x:.2f}, {g.y:.2f})" if lang == "zh" else \
        f"gap {g.size:.3g} m at ({g.x:.2f}, {g.y:.2f})"


def _gap_list(gaps, lang: str) -> str:
    text = "; ".join(_gap(g, lang) for g in gaps[:MAX_LISTED])
    return text + (f" (+{len(gaps) - MAX_LISTED})" if len(gaps) > MAX_LISTED else "")


def _suggest(gaps) -> str:
    sizes = [g.size for g in gaps if g.size is not None]
    return f"{max(sizes) * 1.01:.3g}" if sizes else "M"
