"""The report's map as a PNG, drawn with PIL from the same layers as the SVG map (mapmodel.py):
for the Word opinion, which cannot hold SVG, without a plotting library.

Drawn at twice the size and reduced, so edges are smooth. Legend and captions are left to the
document around the picture (they are text there, and stay searchable and editable).
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFont

from ..findings import Report
from .mapmodel import anchor, conflicts, home_extent, layers, nice_length
from ..looks import Style
from .styles import STATUS_STYLES, rgba

SUPERSAMPLE = 2


def map_png(report: Report, width: int = 1500) -> bytes:
    """The whole town with its reference context and numbered findings, as PNG bytes."""
    items = conflicts(report)
    minx, miny, maxx, maxy = home_extent(report, items)
    W = width * SUPERSAMPLE
    H = round(W * (maxy - miny) / (maxx - minx))
    k = W / (maxx - minx)  # pixels per metre

    def xy(coords):
        c = np.asarray(coords)[:, :2]
        return list(zip(((c[:, 0] - minx) * k).tolist(), ((maxy - c[:, 1]) * k).tolist()))

    img = Image.new("RGBA", (W, H), (255, 255, 255, 255))
    s = SUPERSAMPLE
    for lay in layers(report, items):
        if lay.geometry is not None:
            _draw(img, lay.geometry, lay.style, xy, s)
    for c in sorted(items, key=lambda c: -shapely.area(c.indicator.geometry)):
        _draw(img, c.indicator.geometry, c.style, xy, s, outline=STATUS_STYLES[c.status])
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=11 * s)
    placed: list[tuple[float, float]] = []
    for c in items:
        x, y = xy([anchor(c.indicator.geometry)])[0]
        crowd = sum(1 for a, b in placed if abs(a - x) < 14 * s and abs(b - y) < 14 * s)
        placed.append((x, y))
        cx, cy, r = x + (10 + 19 * crowd) * s, y - 10 * s, 9 * s
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=STATUS_STYLES[c.status].color, outline="white", width=2 * s)
        draw.text((cx, cy), str(c.number), fill="white", font=font, anchor="mm")
    _scale_bar(draw, maxx - minx, k, H, s)
    _north(draw, W, s)
    out = io.BytesIO()
    img.convert("RGB").resize((width, round(H / s)), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()


def _draw(img: Image.Image, geom, st: Style, xy, s: int, outline: Style | None = None) -> None:
    ol = outline or st
    polys: list = []
    lines: list = []
    points: list = []
    for part in _flat(geom):
        {"Polygon": polys, "LineString": lines, "LinearRing": lines, "Point": points}.get(part.geom_type, []).append(part)
    if polys:
        x0, y0, x1, y1 = _pixel_box(polys, xy, img.size)
        if x1 > x0 and y1 > y0:
            mask = Image.new("L", (x1 - x0, y1 - y0), 0)
            md = ImageDraw.Draw(mask)
            shift = lambda pts: [(x - x0, y - y0) for x, y in pts]  # noqa: E731
            for p in polys:
                md.polygon(shift(xy(p.exterior.coords)), fill=255)
                for hole in p.interiors:
                    md.polygon(shift(xy(hole.coords)), fill=0)
            if st.fill:
                r, g, b, a = rgba(st.fill, st.fill_alpha)
                img.paste((r, g, b, 255), (x0, y0, x1, y1), mask.point(lambda v: v * a // 255))
            if ol.hatch:
                hatch = _hatch(img.size, ol.hatch, 9 * s, max(1, s)).crop((x0, y0, x1, y1))
                img.paste(rgba(ol.color), (x0, y0, x1, y1),
                          Image.fromarray(np.minimum(np.asarray(mask), np.asarray(hatch))))
        draw = ImageDraw.Draw(img)
        for p in polys:
            for ring in (p.exterior, *p.interiors):
                _line(draw, xy(ring.coords), ol, s)
    draw = ImageDraw.Draw(img)
    for line in lines:
        pts = xy(line.coords)
        draw.line(pts, fill="white", width=round((ol.width * 1.25 + 3) * s))
        _line(draw, pts, ol, s)
    for p in points:
        x, y = xy(p.coords)[0]
        r = 6 * s
        if st.marker == "*":
            star = [(x + r * math.sin(i * math.pi / 5) * (1 if i % 2 == 0 else 0.45),
                     y - r * math.cos(i * math.pi / 5) * (1 if i % 2 == 0 else 0.45)) for i in range(10)]
            draw.polygon(star, fill=st.fill or st.color, outline=ol.color)
        else:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=st.fill or st.color, outline=ol.color, width=s)


def _pixel_box(polys, xy, size) -> tuple[int, int, int, int]:
    b = np.array([p.bounds for p in polys])
    (ax, ay), (bx, by) = xy([(b[:, 0].min(), b[:, 3].max()), (b[:, 2].max(), b[:, 1].min())])
    return (max(0, int(ax) - 2), max(0, int(ay) - 2), min(size[0], int(bx) + 3), min(size[1], int(by) + 3))


def _flat(geom):
    for part in shapely.get_parts(geom):
        if part.geom_type == "GeometryCollection":
            yield from _flat(part)
        else:
            yield part


def _line(draw: ImageDraw.ImageDraw, pts, st: Style, s: int) -> None:
    """A polyline in the style's width and dash pattern (dash lengths in pixels, as in SVG)."""
    width = max(1, round(st.width * 1.25 * s))
    if not st.dasharray:
        draw.line(pts, fill=st.color, width=width, joint="curve")
        return
    pattern = [float(v) * s * 1.25 for v in st.dasharray.split()]
    i, left, on = 0, pattern[0], True
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        seg = math.hypot(x1 - x0, y1 - y0)
        t = 0.0
        while t < seg:
            step = min(left, seg - t)
            if on:
                a, b = t / seg, (t + step) / seg
                draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                          fill=st.color, width=width)
            t += step
            left -= step
            if left <= 1e-9:
                i = (i + 1) % len(pattern)
                left, on = pattern[i], not on


@functools.lru_cache(maxsize=16)
def _hatch(size, hatch: str, gap: int, width: int) -> Image.Image:
    """A full-size mask of hatch lines: '/' '\\' 'x' '+' '-' '|' or dots."""
    w, h = size
    img = Image.new("L", size, 0)
    d = ImageDraw.Draw(img)
    ch = hatch[0]
    if ch in ".o":
        for y in range(0, h, gap):
            for x in range(0, w, gap):
                d.ellipse((x - width, y - width, x + width, y + width), fill=255)
        return img
    if ch in "/x":
        for c in range(-h, w, gap):
            d.line([(c, h), (c + h, 0)], fill=255, width=width)
    if ch in "\\x":
        for c in range(-h, w, gap):
            d.line([(c, 0), (c + h, h)], fill=255, width=width)
    if ch in "-+":
        for y in range(0, h, gap):
            d.line([(0, y), (w, y)], fill=255, width=width)
    if ch in "|+":
        for x in range(0, w, gap):
            d.line([(x, 0), (x, h)], fill=255, width=width)
    return img


def _scale_bar(draw, width_m: float, k: float, H: int, s: int) -> None:
    length = nice_length(width_m)
    bar = length * k
    x0, y0 = 24 * s, H - 24 * s
    font = ImageFont.load_default(size=11 * s)
    draw.rectangle((x0 - 8 * s, y0 - 28 * s, x0 + bar + 26 * s, y0 + 6 * s), fill="white", outline="#999999")
    for i in range(4):
        draw.rectangle((x0 + i * bar / 4, y0 - 6 * s, x0 + (i + 1) * bar / 4, y0), fill="#222222" if i % 2 == 0 else "white",
                       outline="#222222", width=max(1, s // 2))
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    for f in (0, 0.5, 1):
        draw.text((x0 + bar * f, y0 - 10 * s), f"{length * f / div:g}" + (f" {unit}" if f == 1 else ""),
                  fill="black", font=font, anchor="ms")


def _north(draw, W: int, s: int) -> None:
    x, y = W - 30 * s, 14 * s
    draw.polygon([(x, y), (x - 8 * s, y + 28 * s), (x, y + 21 * s)], fill="#111111", outline="#111111")
    draw.polygon([(x, y), (x + 8 * s, y + 28 * s), (x, y + 21 * s)], fill="white", outline="#111111")
    draw.text((x, y + 32 * s), "N", fill="black", font=ImageFont.load_default(size=13 * s), anchor="mt")
