"""What a report's map shows, drawn by both map writers (SVG for HTML, PNG for Word).

Bottom to top: the reference context near the town (by reference kind), the submission's
role layers, then every located finding numbered from 1, styled by its kind's fill and its
check's status (fail / warn / note, see styles.py). Geometries are in the report's metric
target CRS; the extent is fitted to the map's width/height ratio so 1 m is 1 m both ways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from ..findings import CheckResult, Indicator, Report
from ..looks import Style
from .styles import CONTEXT_STYLES, ROLE_STYLES, STATUS_STYLES, status_class, style_for, style_key

RATIO = 1.5  # map width / height
STATUS_CLASSES = tuple(STATUS_STYLES)  # fail, warn, note


@dataclass(frozen=True)
class Conflict:
    """A numbered located finding: an indicator geometry of one check."""

    number: int
    check: CheckResult
    indicator: Indicator

    @property
    def key(self) -> str:
        return style_key(self.indicator)

    @property
    def status(self) -> str:
        return status_class(self.check.status)

    @property
    def style(self) -> Style:
        return style_for(self.key)


@dataclass(frozen=True)
class Layer:
    """One toggleable layer of the map."""

    id: str  # "ctx-basic_farmland", "role-core", "finding-fail"
    label_zh: str
    label_en: str
    style: Style
    geometry: BaseGeometry | None  # None for finding layers (their conflicts carry geometries)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def conflicts(report: Report) -> list[Conflict]:
    """Every indicator with a geometry, failures first, numbered from 1."""
    order = {s: i for i, s in enumerate(STATUS_CLASSES)}
    found = [(c, ind) for c in report.checks for ind in c.features
             if ind.geometry is not None and not ind.geometry.is_empty]
    found.sort(key=lambda pair: order[status_class(pair[0].status)])  # stable: rule order within a status
    return [Conflict(i + 1, c, ind) for i, (c, ind) in enumerate(found)]


def layers(report: Report, items: list[Conflict]) -> list[Layer]:
    """Context, roles and one layer per finding status present, bottom to top."""
    out = []
    for kind, st in CONTEXT_STYLES.items():
        geom = report.geometries.get(kind)
        if geom is not None and not geom.is_empty:
            out.append(Layer(f"ctx-{kind}", st.label_zh, st.label_en, st, geom))
    for role in ROLE_STYLES:  # bottom to top
        geom = report.geometries.get(role)
        if geom is not None and not geom.is_empty:
            st = ROLE_STYLES[role]
            out.append(Layer(f"role-{role}", st.label_zh, st.label_en, st, geom))
    present = {c.status for c in items}
    for status in STATUS_CLASSES:
        if status in present:
            st = STATUS_STYLES[status]
            out.append(Layer(f"finding-{status}", st.label_zh, st.label_en, st, None))
    return out


def finding_kinds(items: list[Conflict]) -> list[tuple[str, Style, int]]:
    """(style key, style, dimension) of each kind of finding drawn, in first-seen order."""
    seen: dict[str, tuple[str, Style, int]] = {}
    for c in items:
        seen.setdefault(c.key, (c.key, c.style, int(shapely.get_dimensions(c.indicator.geometry))))
    return list(seen.values())


def home_extent(report: Report, items: list[Conflict], ratio: float = RATIO) -> tuple[float, float, float, float]:
    """The town (role layers and findings) with a margin, at the map's width/height ratio."""
    geoms = [g for k, g in report.geometries.items() if k in ROLE_STYLES] + [c.indicator.geometry for c in items]
    return fit(extent(geoms, pad_frac=0.06, min_span=500.0), ratio)


def focus_extent(geom: BaseGeometry, ratio: float = RATIO) -> tuple[float, float, float, float]:
    """One finding, zoomed with room around it."""
    minx, miny, maxx, maxy = geom.bounds
    span = max(maxx - minx, maxy - miny)
    return fit(extent([geom], pad_abs=max(0.5 * span, 60.0), min_span=300.0), ratio)


def extent(geoms, *, pad_frac=0.0, pad_abs=0.0, min_span=0.0) -> tuple[float, float, float, float]:
    bounds = [g.bounds for g in geoms if g is not None and not g.is_empty]
    if not bounds:
        return (0.0, 0.0, 1000.0, 1000.0)
    minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
    maxx, maxy = max(b[2] for b in bounds), max(b[3] for b in bounds)
    pad = max(pad_abs, pad_frac * max(maxx - minx, maxy - miny))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    hw = max((maxx - minx) / 2 + pad, min_span / 2)
    hh = max((maxy - miny) / 2 + pad, min_span / 2)
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def fit(ext, ratio: float) -> tuple[float, float, float, float]:
    """Grow an extent about its centre to a width/height ratio."""
    minx, miny, maxx, maxy = ext
    cx, cy, w, h = (minx + maxx) / 2, (miny + maxy) / 2, maxx - minx, maxy - miny
    if w / h < ratio:
        w = h * ratio
    else:
        h = w / ratio
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def nice_length(span_m: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above a fifth of the map width."""
    target = max(span_m / 5.0, 1e-9)
    exp = math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * 10**exp <= target:
            return float(m * 10**exp)
    return float(10**exp)


def anchor(geom: BaseGeometry) -> tuple[float, float]:
    """Where a finding's number goes: on the feature (mid-line for a gap)."""
    if geom.geom_type == "LineString":
        p = geom.interpolate(0.5, normalized=True)
    elif int(shapely.get_dimensions(geom)) == 2:
        p = geom.representative_point()
    else:
        p = geom.centroid
    return p.x, p.y
