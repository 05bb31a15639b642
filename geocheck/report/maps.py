"""Maps of a report, drawn with matplotlib's Agg canvas (no GUI, no pyplot global state).

The overview shows the submission's role layers and every conflict numbered; a close-up
zooms on one conflict. Both carry a legend, a scale bar, a north arrow and the CRS name.
Indicator geometries are drawn generically by their style key (see styles.py), so a new
kind of indicator appears without changes here.
"""

from __future__ import annotations

import functools
import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Patch, Polygon as MplPolygon, Rectangle
from matplotlib.path import Path as MplPath
from PIL import Image
import shapely
from shapely.geometry.base import BaseGeometry

from ..findings import CheckResult, Indicator, Report, Status
from .i18n import WORDS
from .styles import ROLE_STYLES, Style, style_for, style_key

# Font families with Chinese glyphs, best first; FILE_HINTS find their files when
# matplotlib's font cache predates the font package.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "Microsoft YaHei",
                "SimHei", "PingFang SC", "AR PL UMing CN", "Noto Serif CJK SC")
FILE_HINTS = ("notosanscjk", "sourcehansans", "wqy", "droidsansfallback", "msyh", "simhei",
              "pingfang", "uming", "notoserifcjk")
ROLE_ORDER = ("boundary", "urban_design", "construction", "core")
MAX_CLOSEUPS = 12


@dataclass(frozen=True)
class Conflict:
    """A numbered indicator geometry of a failed or warned check."""

    number: int
    check: CheckResult
    indicator: Indicator

    @property
    def key(self) -> str:
        return style_key(self.indicator)


def conflicts(report: Report) -> list[Conflict]:
    """Every indicator with a geometry in a check that failed or warned, numbered from 1."""
    found = []
    for c in report.checks:
        if c.status not in (Status.FAIL, Status.WARN):
            continue
        for ind in c.features:
            if ind.geometry is not None and not ind.geometry.is_empty:
                found.append(Conflict(len(found) + 1, c, ind))
    return found


@functools.lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """A font family with Chinese glyphs known to matplotlib, or None."""
    from matplotlib import font_manager as fm

    def known():
        names = {f.name for f in fm.fontManager.ttflist}
        return next((n for n in CJK_FAMILIES if n in names), None)

    family = known()
    if family is None:  # the font cache may predate the font package: look at the files
        for path in fm.findSystemFonts():
            if any(h in Path(path).name.lower().replace("-", "").replace("_", "") for h in FILE_HINTS):
                try:
                    fm.fontManager.addfont(path)
                except Exception:  # an unreadable font file is simply not used
                    continue
        family = known()
    return family


def map_lang(lang: str) -> str:
    """The language map text can be drawn in: English when no Chinese font is installed."""
    return lang if lang != "zh" or cjk_font_family() else "en"


def overview_png(report: Report, lang: str) -> bytes:
    """The whole town with every conflict numbered, as PNG bytes."""
    items = conflicts(report)
    geoms = list(report.geometries.values()) + [c.indicator.geometry for c in items]
    return _render(report, lang, _extent(geoms, pad_frac=0.06, min_span=500.0), items,
                   highlight=None, size=(11.0, 7.6), numbers=True)


def closeup_png(report: Report, conflict: Conflict, lang: str) -> bytes:
    """One conflict, zoomed, as PNG bytes."""
    geom = conflict.indicator.geometry
    minx, miny, maxx, maxy = geom.bounds
    span = max(maxx - minx, maxy - miny)
    return _render(report, lang, _extent([geom], pad_abs=max(0.5 * span, 60.0), min_span=300.0),
                   conflicts(report), highlight=conflict.number, size=(8.4, 5.2), numbers=True)


def legend_entries(report: Report, lang: str) -> list[tuple[str, Style, str]]:
    """(label, style, geometry kind) for each role layer present and each conflict kind drawn."""
    out = []
    for role in ROLE_ORDER:
        if report.geometries.get(role) is not None:
            out.append((ROLE_STYLES[role].label(lang), ROLE_STYLES[role], "polygon"))
    extra = [k for k in report.geometries if k not in ROLE_STYLES]
    for key in extra:
        out.append((style_for(key).label(lang), style_for(key), "polygon"))
    seen = set()
    for c in conflicts(report):
        if c.key in seen:
            continue
        seen.add(c.key)
        out.append((style_for(c.key).label(lang), style_for(c.key), _dimension(c.indicator.geometry)))
    return out


# --- drawing ----------------------------------------------------------------------------------


def _render(report, lang, extent, items, *, highlight, size, numbers) -> bytes:
    lang = map_lang(lang)
    family = cjk_font_family()
    rc = {"font.family": "sans-serif",
          "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
          "hatch.linewidth": 0.6, "axes.unicode_minus": False}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig = Figure(figsize=size, dpi=110)
        FigureCanvasAgg(fig)
        rect = (0.01, 0.01, 0.70, 0.98)
        ax = fig.add_axes(rect)
        minx, miny, maxx, maxy = _fit(extent, (size[0] * rect[2]) / (size[1] * rect[3]))
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#ffffff")
        for spine in ax.spines.values():
            spine.set_edgecolor("#555555")
        for z, role in enumerate(ROLE_ORDER):
            geom = report.geometries.get(role)
            if geom is not None:
                _draw(ax, geom, ROLE_STYLES[role], zorder=1 + z)
        for key, geom in report.geometries.items():
            if key not in ROLE_STYLES and geom is not None:
                _draw(ax, geom, style_for(key), zorder=0.5)
        placed: list[tuple[float, float]] = []
        near = 0.03 * max(maxx - minx, maxy - miny)
        # large conflicts first, so smaller ones on top stay visible
        for c in sorted(items, key=lambda c: -c.indicator.geometry.area):
            focus = highlight is not None and c.number == highlight
            _draw(ax, c.indicator.geometry, style_for(c.key), zorder=10 + (5 if focus else 0),
                  emphasis=2.0 if focus else 1.0)
        if numbers:
            for c in items:
                _number(ax, c, c.number == highlight, placed, near)
        _scale_bar(ax)
        _north_arrow(ax, WORDS[lang]["north"])
        crs = (report.target_crs or {}).get("label") or ""
        ax.text(0.99, 0.01, f"{WORDS[lang]['crs_named']}: {crs}", transform=ax.transAxes, ha="right",
                va="bottom", fontsize=7, color="#333333", zorder=30,
                bbox={"boxstyle": "square,pad=0.3", "fc": "white", "ec": "#999999", "alpha": 0.85})
        _legend(fig, report, lang)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, facecolor="white")
    return _compact_png(buf.getvalue())


def _compact_png(png: bytes) -> bytes:
    """The same picture with a 256-colour palette: maps have few colours, and the report
    file stays small enough to attach."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(fig, report, lang):
    handles = []
    for label, st, dim in legend_entries(report, lang):
        if dim == "line":
            handles.append(Line2D([], [], color=st.color, lw=st.width, ls="--" if st.dash else "-", label=label))
        elif dim == "point":
            handles.append(Line2D([], [], color=st.color, marker=st.marker, ls="none", markersize=9,
                                  markerfacecolor=st.fill or st.color, label=label))
        else:
            handles.append(Patch(facecolor=_fill_rgba(st), edgecolor=st.color, hatch=st.hatch,
                                 lw=st.width, ls="--" if st.dash else "-", label=label))
    title = "图例" if lang == "zh" else "Legend"
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.725, 0.98), frameon=False,
               title=title, title_fontsize=11, fontsize=9, alignment="left", handlelength=2.6,
               handleheight=1.4, labelspacing=0.9)


def _fill_rgba(st: Style):
    return matplotlib.colors.to_rgba(st.fill, st.fill_alpha) if st.fill else "none"


def _draw(ax, geom: BaseGeometry, st: Style, *, zorder: float, emphasis: float = 1.0):
    ls = "--" if st.dash else "-"
    for part in shapely.get_parts(geom):
        if part.geom_type == "GeometryCollection":
            _draw(ax, part, st, zorder=zorder, emphasis=emphasis)
        elif part.geom_type == "Polygon":
            path = _polygon_path(part)
            ax.add_patch(PathPatch(path, facecolor=_fill_rgba(st), edgecolor="none", zorder=zorder))
            if st.hatch:  # hatch in the outline colour, over a transparent face
                ax.add_patch(PathPatch(path, facecolor="none", edgecolor=st.color, hatch=st.hatch, lw=0,
                                       zorder=zorder))
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor=st.color, lw=st.width * emphasis, ls=ls,
                                   zorder=zorder + 0.1))
        elif part.geom_type in ("LineString", "LinearRing"):
            xs, ys = part.xy
            ax.plot(xs, ys, color=st.color, lw=st.width * emphasis, ls=ls, solid_capstyle="round",
                    zorder=zorder)
        elif part.geom_type == "Point":
            ax.plot([part.x], [part.y], marker=st.marker, color=st.color, markerfacecolor=st.fill or st.color,
                    markersize=10 * emphasis, ls="none", zorder=zorder)


def _polygon_path(poly) -> MplPath:
    rings = [poly.exterior, *poly.interiors]
    return MplPath.make_compound_path(*[MplPath(list(r.coords), closed=True) for r in rings])


def _number(ax, c: Conflict, focus: bool, placed: list, near: float):
    """A numbered badge beside the conflict, moved along when another badge is already there."""
    geom = c.indicator.geometry
    if geom.geom_type in ("LineString", "MultiLineString"):
        pt = geom.interpolate(0.5, normalized=True) if geom.geom_type == "LineString" else geom.centroid
    else:
        pt = geom.representative_point() if shapely.get_dimensions(geom) == 2 else geom.centroid
    crowd = sum(1 for x, y in placed if abs(x - pt.x) < near and abs(y - pt.y) < near)
    placed.append((pt.x, pt.y))
    ax.annotate(str(c.number), (pt.x, pt.y), xytext=(8 + 17 * crowd, 8), textcoords="offset points", fontsize=9,
                fontweight="bold", color="white", zorder=40, ha="center", va="center",
                bbox={"boxstyle": "circle,pad=0.25", "fc": "#b00020" if focus else "#333333", "ec": "white",
                      "lw": 1.0})


def _extent(geoms, *, pad_frac=0.0, pad_abs=0.0, min_span=0.0):
    bounds = [g.bounds for g in geoms if g is not None and not g.is_empty]
    if not bounds:
        return (0.0, 0.0, 1000.0, 1000.0)
    minx = min(b[0] for b in bounds)
    miny = min(b[1] for b in bounds)
    maxx = max(b[2] for b in bounds)
    maxy = max(b[3] for b in bounds)
    pad = max(pad_abs, pad_frac * max(maxx - minx, maxy - miny))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    hw = max((maxx - minx) / 2 + pad, min_span / 2)
    hh = max((maxy - miny) / 2 + pad, min_span / 2)
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def _fit(extent, ratio):
    """Grow an extent about its centre to the width/height ratio of the axes (1 m = 1 m)."""
    minx, miny, maxx, maxy = extent
    cx, cy, w, h = (minx + maxx) / 2, (miny + maxy) / 2, maxx - minx, maxy - miny
    if w / h < ratio:
        w = h * ratio
    else:
        h = w / ratio
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _dimension(geom) -> str:
    return {0: "point", 1: "line"}.get(int(shapely.get_dimensions(geom)), "polygon")


def nice_length(span_m: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above a fifth of the map width."""
    target = max(span_m / 5.0, 1e-9)
    exp = math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * 10**exp <= target:
            return float(m * 10**exp)
    return float(10**exp)


def _scale_bar(ax):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(x1 - x0)
    h = (y1 - y0) * 0.012
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ax.add_patch(Rectangle((left - (x1 - x0) * 0.015, bottom - h * 1.6), length + (x1 - x0) * 0.05, h * 5.2,
                           fc="white", ec="#999999", lw=0.6, alpha=0.85, zorder=29))
    for i in range(4):
        ax.add_patch(Rectangle((left + i * length / 4, bottom), length / 4, h, fc="black" if i % 2 == 0 else "white",
                               ec="black", lw=0.6, zorder=31))
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    for frac in (0.0, 0.5, 1.0):
        label = f"{length * frac / div:g}" + (f" {unit}" if frac == 1.0 else "")
        ax.text(left + length * frac, bottom + h * 1.5, label, ha="center", va="bottom", fontsize=7, zorder=31)


def _north_arrow(ax, letter):
    x, y, w, h = 0.955, 0.86, 0.018, 0.09
    t = ax.transAxes
    ax.add_patch(MplPolygon([(x, y + h), (x - w, y), (x, y + h * 0.3)], closed=True, transform=t, fc="black",
                            ec="black", lw=0.8, zorder=31))
    ax.add_patch(MplPolygon([(x, y + h), (x + w, y), (x, y + h * 0.3)], closed=True, transform=t, fc="white",
                            ec="black", lw=0.8, zorder=31))
    ax.text(x, y + h + 0.01, letter, transform=t, ha="center", va="bottom", fontsize=11, fontweight="bold",
            zorder=31)
