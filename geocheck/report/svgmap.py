"""The HTML report's map: inline SVG written straight from the geometries (no plotting library).

Map units are metres of the target CRS, shifted so the home view starts at 0 and flipped so y
grows downwards (x = X − X₀, y = Y₀ − Y). Outlines keep their pixel width at any zoom
(`vector-effect: non-scaling-stroke`); markers, finding numbers and the scale bar are drawn in
pixels inside groups of class `px` that the page's script rescales when the view changes, and
that this module sizes for a 1000-pixel-wide map so the picture is right without script (print).
Every text is escaped: input strings can never become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..findings import Report
from .i18n import WORDS, indicator_measure
from .mapmodel import (Conflict, Layer, anchor, conflicts, finding_kinds, focus_extent, home_extent, layers,
                       nice_length)
from ..looks import Style
from .styles import CONTEXT_STYLES, ROLE_STYLES, STATUS_STYLES

NOMINAL_WIDTH_PX = 1000.0  # the map's width in pixels that static sizes assume
STAR = "M0,-7 L2,-2.2 7.2,-2.2 3,1 4.6,6 0,3 -4.6,6 -3,1 -7.2,-2.2 -2,-2.2Z"
CROSS = "M-6,-3 L-3,-6 0,-3 3,-6 6,-3 3,0 6,3 3,6 0,3 -3,6 -6,3 -3,0Z"


@dataclass
class SvgMap:
    svg: str  # the <svg> element
    home: tuple[float, float, float, float]  # viewBox of the whole town
    layers: list[Layer]
    conflicts: list[Conflict]
    legend: list[dict]  # {"layer": id or None, "label": str, "swatch": svg markup}


def render_map(report: Report, lang: str) -> SvgMap:
    items = conflicts(report)
    lays = layers(report, items)
    minx, miny, maxx, maxy = home_extent(report, items)
    origin = (minx, maxy)
    home = (0.0, 0.0, maxx - minx, maxy - miny)
    px = home[2] / NOMINAL_WIDTH_PX  # metres per pixel in the home view
    w = WORDS[lang]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="map" class="map" viewBox="{_box(home)}" '
           f'data-home="{_box(home)}" data-origin="{minx:.3f} {maxy:.3f}" preserveAspectRatio="xMidYMid meet" role="img" '
           f'aria-label="{escape(w["overview_caption"])}">',
           "<style>#map path,#map line,#map rect.o{vector-effect:non-scaling-stroke}"
           "#map .focus path{stroke-width:4px}</style>",
           _defs(home[2]), '<rect x="-1e6" y="-1e6" width="2e6" height="2e6" fill="#fff"/>']
    margin = home[2] * 0.5  # context is kept for panning a little beyond the town
    for lay in lays:
        if lay.geometry is None:
            continue
        geom = lay.geometry
        if lay.id.startswith("ctx-"):
            geom = shapely.clip_by_rect(geom, minx - margin, miny - margin, maxx + margin, maxy + margin)
            geom = shapely.simplify(geom, px / 2, preserve_topology=True)
        body = _shape(geom, lay.style, origin, px, pattern=_pattern_id(lay.style))
        out.append(f'<g id="layer-{lay.id}" class="layer">{body}</g>')
    by_status: dict[str, list[str]] = {}
    for c in sorted(items, key=lambda c: -shapely.area(c.indicator.geometry)):  # small ones drawn on top
        by_status.setdefault(c.status, []).append(_finding(c, origin, px, lang))
    for lay in lays:
        if lay.id.startswith("finding-"):
            out.append(f'<g id="layer-{lay.id}" class="layer">{"".join(by_status.get(lay.id[8:], []))}</g>')
    out.append(f'<g id="layer-numbers" class="layer">{_badges(items, origin, px)}</g>')
    out.append(f'<g id="scalebar" class="px" data-corner="bl" transform="{_corner(home, px)}">'
               f"{scalebar_markup(home[2], px)}</g>")
    out.append("</svg>")
    legend = _legend(lays, items, lang)
    return SvgMap("".join(out), home, lays, items, legend)


# --- geometry to path data -----------------------------------------------------------------------


def _xy(coords: np.ndarray, origin) -> np.ndarray:
    return np.round(np.column_stack([coords[:, 0] - origin[0], origin[1] - coords[:, 1]]), 1)


def _ring(coords: np.ndarray, origin, close: bool) -> str:
    pts = _xy(coords, origin)
    body = " ".join(f"{x:g},{y:g}" for x, y in pts)
    return f"M{body}{'Z' if close else ''}"


def path_data(geom: BaseGeometry, origin) -> tuple[str, str]:
    """(polygon path data, line path data) of a geometry's areal and linear parts."""
    polys, lines = [], []
    for part in shapely.get_parts(geom):
        if part.geom_type == "GeometryCollection":
            p, l = path_data(part, origin)
            polys.append(p)
            lines.append(l)
        elif part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            polys.append("".join(_ring(np.asarray(r.coords), origin, True) for r in rings))
        elif part.geom_type in ("LineString", "LinearRing"):
            lines.append(_ring(np.asarray(part.coords), origin, False))
    return "".join(polys), "".join(lines)


def _points(geom: BaseGeometry) -> list[tuple[float, float]]:
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "GeometryCollection":
            out += _points(part)
        elif part.geom_type == "Point":
            out.append((part.x, part.y))
    return out


def _stroke(st: Style, colour: str | None = None, width: float | None = None, dash: str | None = None) -> str:
    dash = dash if dash is not None else st.dasharray
    return (f'stroke="{colour or st.color}" stroke-width="{(width or st.width) * 1.25:.2f}"'
            + (f' stroke-dasharray="{dash}"' if dash else "") + ' stroke-linejoin="round"')


def _shape(geom, st: Style, origin, px: float, *, pattern: str | None = None, outline: Style | None = None,
           marker_fill: str | None = None) -> str:
    """A geometry in a style: fill (and hatch) for areas, stroke for lines, a marker per point.
    `outline` (a status style) replaces the outline colour, width, dash and hatch."""
    poly, line = path_data(geom, origin)
    ol = outline or st
    out = []
    if poly:
        if st.fill:
            out.append(f'<path d="{poly}" fill="{st.fill}" fill-opacity="{st.fill_alpha:g}" '
                       f'fill-rule="evenodd" stroke="none"/>')
        hatch = _pattern_id(ol) if outline else pattern
        out.append(f'<path d="{poly}" fill="{f"url(#{hatch})" if hatch else "none"}" fill-rule="evenodd" '
                   f"{_stroke(ol)}/>")
    if line:
        out.append(f'<path d="{line}" fill="none" stroke="#fff" stroke-width="{ol.width * 1.25 + 3:.2f}" '
                   f'stroke-linecap="round"/>')
        out.append(f'<path d="{line}" fill="none" {_stroke(ol)} stroke-linecap="round"/>')
    for x, y in _points(geom):
        sx, sy = x - origin[0], origin[1] - y
        shape = STAR if st.marker == "*" else CROSS if st.marker == "X" else None
        body = (f'<path d="{shape}"' if shape else '<circle r="5"') + \
            f' fill="{marker_fill or st.fill or st.color}" {_stroke(ol, width=1.0)}/>'
        out.append(f'<g class="px" data-x="{sx:.1f}" data-y="{sy:.1f}" '
                   f'transform="translate({sx:.1f} {sy:.1f}) scale({px:.4g})">{body}</g>')
    return "".join(out)


def _finding(c: Conflict, origin, px: float, lang: str) -> str:
    minx, miny, maxx, maxy = focus_extent(c.indicator.geometry)
    box = (minx - origin[0], origin[1] - maxy, maxx - minx, maxy - miny)
    title = escape(f"{c.number}. {c.check.code} {c.style.label(lang)} {indicator_measure(c.indicator, lang)}")
    return (f'<g id="f-{c.number}" class="finding status-{c.status}" data-n="{c.number}" data-code="{c.check.code}" '
            f'data-bbox="{_box(box)}"><title>{title}</title>'
            f"{_shape(c.indicator.geometry, c.style, origin, px, outline=STATUS_STYLES[c.status])}</g>")


def _badges(items: list[Conflict], origin, px: float) -> str:
    """A numbered disc beside each finding, moved along when another is already there."""
    out: list[str] = []
    placed: list[tuple[float, float]] = []
    near = 14 * px
    for c in items:
        x, y = anchor(c.indicator.geometry)
        sx, sy = x - origin[0], origin[1] - y
        crowd = sum(1 for a, b in placed if abs(a - sx) < near and abs(b - sy) < near)
        placed.append((sx, sy))
        st = STATUS_STYLES[c.status]
        out.append(f'<g class="px badge status-{c.status}" data-n="{c.number}" data-x="{sx:.1f}" data-y="{sy:.1f}" '
                   f'transform="translate({sx:.1f} {sy:.1f}) scale({px:.4g})">'
                   f'<g transform="translate({10 + 19 * crowd} -10)"><circle r="9" fill="{st.color}" stroke="#fff" '
                   f'stroke-width="1.5"/><text y="3.6" text-anchor="middle" font-size="10.5" font-weight="700" '
                   f'fill="#fff">{c.number}</text></g></g>')
    return "".join(out)


# --- patterns, scale bar, legend ------------------------------------------------------------------


def _pattern_id(st: Style) -> str | None:
    if not st.hatch:
        return None
    return "h" + "".join(f"{ord(ch):x}" for ch in st.hatch[:2]) + st.color.lstrip("#")


def _defs(width_m: float) -> str:
    size = width_m / 120.0  # hatch spacing in map units (grows when zooming in, as on paper)
    out = {}
    for st in [*CONTEXT_STYLES.values(), *ROLE_STYLES.values(), *STATUS_STYLES.values()]:
        pid = _pattern_id(st)
        if pid and pid not in out:
            out[pid] = hatch_pattern(pid, st, size)
    return f"<defs>{''.join(out.values())}</defs>"


def hatch_pattern(pid: str, st: Style, size: float) -> str:
    """An SVG <pattern> for a style's hatch, tiles `size` map units wide."""
    assert st.hatch, "only hatched styles get a pattern"
    ch, h = st.hatch[0], size / 2
    sw = size * (0.13 if len(st.hatch) == 1 else 0.09)
    if ch in ".o":
        body = f'<circle cx="{h:.4g}" cy="{h:.4g}" r="{size * 0.16:.4g}" fill="{st.color}"/>'
    else:
        v = f'<line x1="{h:.4g}" y1="0" x2="{h:.4g}" y2="{size:.4g}" stroke="{st.color}" stroke-width="{sw:.4g}"/>'
        hz = f'<line x1="0" y1="{h:.4g}" x2="{size:.4g}" y2="{h:.4g}" stroke="{st.color}" stroke-width="{sw:.4g}"/>'
        body = {"-": hz, "+": v + hz, "x": v + hz}.get(ch, v)
    angle = {"/": 45, "\\": -45, "x": 45}.get(ch, 0)
    return (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{size:.4g}" height="{size:.4g}" '
            f'patternTransform="rotate({angle})" data-angle="{angle}">{body}</pattern>')


def _corner(view, px: float) -> str:
    x, y, w, h = view
    return f"translate({x + 16 * px:.1f} {y + h - 16 * px:.1f}) scale({px:.4g})"


def scalebar_markup(width_m: float, px: float) -> str:
    """A 4-segment scale bar in pixels (its group is scaled by metres per pixel); the page's
    script rebuilds it the same way after each zoom."""
    length = nice_length(width_m)
    bar = length / px
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    seg = "".join(f'<rect class="o" x="{i * bar / 4:.1f}" y="-8" width="{bar / 4:.1f}" height="5" '
                  f'fill="{"#222" if i % 2 == 0 else "#fff"}" stroke="#222" stroke-width="0.8"/>' for i in range(4))
    labels = "".join(f'<text x="{bar * f:.1f}" y="-12" text-anchor="middle" font-size="11">'
                     f'{length * f / div:g}{" " + unit if f == 1 else ""}</text>' for f in (0, 0.5, 1))
    return (f'<rect x="-8" y="-28" width="{bar + 34:.1f}" height="32" fill="#fff" fill-opacity="0.85" '
            f'stroke="#999" stroke-width="0.6"/>{seg}{labels}')


def _swatch(st: Style, dim: int, outline: Style | None = None) -> str:
    ol = outline or st
    hatch = _pattern_id(ol)
    if dim == 0:
        shape = STAR if st.marker == "*" else CROSS if st.marker == "X" else None
        body = (f'<path d="{shape}"' if shape else '<circle r="5"') + \
            f' transform="translate(15 9)" fill="{st.fill or st.color}" stroke="{ol.color}" stroke-width="1"/>'
    elif dim == 1:
        body = (f'<line x1="2" y1="9" x2="28" y2="9" stroke="{ol.color}" stroke-width="{ol.width * 1.25:.2f}"'
                + (f' stroke-dasharray="{ol.dasharray}"' if ol.dasharray else "") + "/>")
    else:
        fill = f'<rect x="2" y="2" width="26" height="14" fill="{st.fill}" fill-opacity="{st.fill_alpha:g}"/>' \
            if st.fill else ""
        body = fill + (f'<rect x="2" y="2" width="26" height="14" fill="{f"url(#{hatch}s)" if hatch else "none"}" '
                       f'stroke="{ol.color}" stroke-width="{ol.width * 1.25:.2f}"'
                       + (f' stroke-dasharray="{ol.dasharray}"' if ol.dasharray else "") + "/>")
        if hatch:
            body = f"<defs>{hatch_pattern(hatch + 's', ol, 6.0)}</defs>" + body
    return f'<svg class="sw" viewBox="0 0 30 18" width="30" height="18" aria-hidden="true">{body}</svg>'


def _legend(lays: list[Layer], items: list[Conflict], lang: str) -> list[dict]:
    out: list[dict] = []
    for lay in lays:
        if lay.id.startswith("finding-"):
            status = lay.id[8:]
            dim = max((int(shapely.get_dimensions(c.indicator.geometry)) for c in items if c.status == status),
                      default=2)
            sw = _swatch(Style("", "", "#ffffff", "#ffffff", 0.0), 2 if dim == 2 else dim, outline=lay.style)
            out.append({"layer": lay.id, "label": f"{WORDS[lang]['findings_layer']}{WORDS[lang]['colon']}{lay.label(lang)}",
                        "swatch": sw})
        else:
            dim = 0 if all(g.geom_type == "Point" for g in shapely.get_parts(lay.geometry).tolist()
                           for g in shapely.get_parts(g).tolist()) else 2
            out.append({"layer": lay.id, "label": lay.label(lang), "swatch": _swatch(lay.style, dim)})
    for _key, st, dim in finding_kinds(items):
        out.append({"layer": None, "label": st.label(lang), "swatch": _swatch(st, dim, outline=Style(
            "", "", "#555555", None, width=1.0))})
    if items:
        out.append({"layer": "numbers", "label": WORDS[lang]["numbers_layer"],
                    "swatch": '<svg class="sw" viewBox="0 0 30 18" width="30" height="18" aria-hidden="true">'
                              '<circle cx="15" cy="9" r="8" fill="#444"/><text x="15" y="12.5" font-size="10" '
                              'text-anchor="middle" fill="#fff">1</text></svg>'})
    return out


def _box(b) -> str:
    return " ".join(f"{v:.1f}" for v in b)
