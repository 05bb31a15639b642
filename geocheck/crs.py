"""Choosing the metric CRS areas are measured in, and naming CRSs for reports.

Default: the CGCS2000 3° Gauss–Krüger zone (EPSG:4534–4554, 'CM 75E' … 'CM 135E') whose
central meridian is nearest the submission's centroid. Inside a 3° zone GK area distortion
stays below ~0.14%, and the report also carries geodesic areas to show it.
"""

from __future__ import annotations

import math

import pyproj
from pyproj import CRS

from .errors import CRSError, GeocheckError, first_line

CGCS2000_GEOGRAPHIC = CRS.from_epsg(4490)
FIRST_GK_CM_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E (zone 25)
GK_ZONES = range(25, 46)  # CM 75E … 135E covers China


def gk_zone(lon: float) -> int:
    """3° zone number whose central meridian (3·n) is nearest `lon`."""
    return math.floor((lon + 1.5) / 3.0)


def gk_cm_epsg(lon: float, path=None) -> int:
    """EPSG code of the CGCS2000 3° GK 'CM' CRS (no zone prefix) for a longitude."""
    zone = gk_zone(lon)
    if zone not in GK_ZONES:
        raise CRSError(
            f"longitude {lon:.4f}° lies outside the CGCS2000 3° zones for China (73.5°E–136.5°E); "
            "pass --crs EPSG:xxxx to measure in another metric CRS", path
        )
    return FIRST_GK_CM_EPSG + zone - GK_ZONES.start


def centre_lonlat(geom, crs: CRS) -> tuple[float, float]:
    """CGCS2000 lon/lat of a geometry's bounding-box centre."""
    minx, miny, maxx, maxy = geom.bounds
    t = pyproj.Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True)
    lon, lat = t.transform((minx + maxx) / 2.0, (miny + maxy) / 2.0)
    return float(lon), float(lat)


def parse_crs(text: str, *, what: str = "--crs") -> CRS:
    """'EPSG:4549', '4549', a WKT or PROJ string → CRS, or a clean error."""
    value = str(text).strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        crs = CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise GeocheckError(f"{what}: '{text}' is not a coordinate reference system PROJ knows ({exc})") from None
    if crs.is_projected:  # a WKT PROJ accepts may still define no usable projection (a scale factor of 0)
        try:
            pyproj.Transformer.from_crs(CGCS2000_GEOGRAPHIC, crs, always_xy=True)
        except pyproj.exceptions.ProjError as exc:
            raise GeocheckError(f"{what}: {crs_label(crs)} cannot be projected to ({first_line(exc)})") from None
    return crs


def require_metric(crs: CRS, *, what: str = "--crs") -> CRS:
    """Areas are only meaningful in a projected CRS with metre units."""
    if not crs.is_projected:
        raise GeocheckError(
            f"{what}: {crs_label(crs)} is geographic (degrees); areas need a projected metric CRS "
            "such as a CGCS2000 3° Gauss–Krüger zone (EPSG:4534–4554)"
        )
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise GeocheckError(f"{what}: {crs_label(crs)} has units of '{unit}', not metres")
    return crs


def crs_label(crs: CRS | None) -> str:
    """'EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)', else the CRS's name, else (a PROJ
    string names none) the definition it was given as."""
    if crs is None:
        return "none"
    epsg = crs.to_epsg(min_confidence=90)
    if epsg:
        return f"EPSG:{epsg} ({crs.name})"
    return crs.name if crs.name != "unknown" else crs.to_string()


def describe(crs: CRS, chosen_by: str | None = None) -> dict:
    """CRS as the JSON report states it: by EPSG code when it has one, else whole as WKT, so
    a custom Gauss–Krüger zone reaches the findings GeoPackage (crs_of reads it back)."""
    epsg = crs.to_epsg(min_confidence=90)
    out = {"epsg": epsg, "name": crs.name, "label": crs_label(crs)}
    if epsg is None:
        out["wkt"] = crs.to_wkt()
    if chosen_by:
        out["chosen_by"] = chosen_by
    return out


def crs_of(described: dict) -> CRS | None:
    """The CRS a describe() dict states (None for a report that has none)."""
    if described.get("epsg"):
        return CRS.from_epsg(described["epsg"])
    return CRS.from_wkt(described["wkt"]) if described.get("wkt") else None


# --- Layers without a CRS, and coordinates that cannot be right -----------------------------

FIRST_GK_ZONE_EPSG = 4513  # CGCS2000 / 3-degree Gauss-Kruger zone 25 (zone number in the easting)
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
GK_NORTHING = (0.0, 6_500_000.0)  # equator to the northern tip of China, in metres
MAX_PROJECTED = 1e8  # no metric CRS used for China has coordinates this large


def infer_crs(bounds, layer: str, path) -> tuple[CRS, dict]:
    """The CRS a layer without one must be in, judged from its extent, with a note saying so.

    Only two cases leave no doubt: Gauss–Krüger eastings carrying their zone number
    (first two digits of an easting above 10⁷), and lon/lat inside China. Everything else is
    a CRSError asking for --assume-crs, never a silent EPSG:4326.
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if survey_axes(bounds):
        raise _survey_swapped(layer, path)
    zone = prefix_zone(minx, maxx)
    if zone is not None and GK_NORTHING[0] <= miny and maxy <= GK_NORTHING[1]:
        crs = prefixed_gk(zone)
        return crs, _inferred_note(layer, crs, f"东坐标带号前缀 {zone}", f"eastings carry zone prefix {zone}")
    if _inside(minx, maxx, CHINA_LON) and _inside(miny, maxy, CHINA_LAT):
        return CGCS2000_GEOGRAPHIC, _inferred_note(
            layer, CGCS2000_GEOGRAPHIC, "坐标为中国范围内的经纬度", "coordinates are longitude/latitude inside China")
    if _inside(minx, maxx, CHINA_LAT) and _inside(miny, maxy, CHINA_LON):
        raise _swapped(layer, path)
    if 0 <= minx and maxx <= 1_000_000 and GK_NORTHING[0] <= miny and maxy <= GK_NORTHING[1]:
        raise CRSError(
            f"layer '{layer}' has no coordinate reference system (.prj missing?) and its Gauss–Krüger "
            "coordinates carry no zone number, so the zone cannot be known; pass --assume-crs "
            "EPSG:4534…4554 (CGCS2000 3° GK CM 75E…135E, e.g. EPSG:4549 for CM 120E)", path)
    raise CRSError(
        f"layer '{layer}' has no coordinate reference system (.prj missing?) and its coordinates "
        f"({minx:.6g}, {miny:.6g})–({maxx:.6g}, {maxy:.6g}) do not identify one; pass --assume-crs EPSG:xxxx", path)


def check_plausible(bounds, crs: CRS, layer: str, path) -> None:
    """Refuse coordinates no real plan can have in `crs`: out of range, swapped, or degrees
    in a projected CRS (which would measure a town as a few square metres)."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    where = f"({minx:.6g}, {miny:.6g})–({maxx:.6g}, {maxy:.6g})"
    if crs.is_geographic:
        if _inside(minx, maxx, CHINA_LAT) and _inside(miny, maxy, CHINA_LON):
            raise _swapped(layer, path)
        if not (_inside(minx, maxx, (-180, 180)) and _inside(miny, maxy, (-90, 90))):
            raise CRSError(f"layer '{layer}': coordinates {where} are not longitude/latitude although its CRS "
                           f"{crs_label(crs)} is geographic (wrong or missing .prj?)", path)
    else:
        if survey_axes(bounds):
            raise _survey_swapped(layer, path)
        if max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > MAX_PROJECTED:
            raise CRSError(f"layer '{layer}': coordinates {where} are outside any plausible range "
                           f"for {crs_label(crs)}", path)
        if _inside(minx, maxx, (-180, 180)) and _inside(miny, maxy, (-90, 90)):
            raise CRSError(f"layer '{layer}': coordinates {where} look like degrees but its CRS "
                           f"{crs_label(crs)} is projected in metres (wrong .prj?)", path)
        _check_area_of_use((minx, miny, maxx, maxy), crs, layer, where, path)


AREA_OF_USE_MARGIN_DEG = 5.0  # data drawn a zone off its CRS is common; thousands of km off is not


def _check_area_of_use(bounds, crs: CRS, layer: str, where: str, path) -> None:
    """Refuse projected coordinates that land far outside where their CRS is defined: a wrong
    .prj or a corrupt vertex (a northing of 3·10⁷ m wraps round to a latitude in the south)."""
    area = crs.area_of_use
    if area is None:
        return
    try:
        lon0, lat0, lon1, lat1 = pyproj.Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True) \
            .transform_bounds(bounds[0], bounds[1], bounds[2], bounds[3], densify_pts=21)
    except pyproj.exceptions.ProjError:
        lon0 = math.nan
    m = AREA_OF_USE_MARGIN_DEG
    if not (all(math.isfinite(v) for v in (lon0, lat0, lon1, lat1)) and area.west - m <= lon0 and lon1 <= area.east + m
            and area.south - m <= lat0 and lat1 <= area.north + m):
        raise CRSError(f"layer '{layer}': coordinates {where} lie far outside where {crs_label(crs)} is "
                       f"defined ({area.west:g}–{area.east:g}°E, {area.south:g}–{area.north:g}°N): a wrong .prj "
                       "or corrupt coordinates", path)


def prefix_zone(minx: float, maxx: float) -> int | None:
    """The 3° zone number eastings carry as their first two digits, if they carry one."""
    if minx >= 1e7 and maxx < 1e8:
        zone, last = int(minx // 1e6), int(maxx // 1e6)
        if zone == last and zone in GK_ZONES:
            return zone
    return None


def prefixed_gk(zone: int) -> CRS:
    """CGCS2000 3° GK with the zone number in the easting (EPSG:4513–4533)."""
    return CRS.from_epsg(FIRST_GK_ZONE_EPSG + zone - GK_ZONES.start)


def cm_gk(zone: int) -> CRS:
    """CGCS2000 3° GK without the zone number (EPSG:4534–4554, 'CM 3n E')."""
    return CRS.from_epsg(FIRST_GK_CM_EPSG + zone - GK_ZONES.start)


def survey_axes(bounds) -> bool:
    """X holds northings and Y eastings (Chinese survey order, X = north), as CAD drawn from
    survey coordinates often has: a Chinese northing (1 000–6 500 km) is never a GK easting
    (under 1 000 km, or 10⁷ and more with a zone prefix)."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    x_northing = 1e6 <= minx and maxx <= GK_NORTHING[1]
    y_easting = (0 < miny and maxy < 1e6) or prefix_zone(miny, maxy) is not None
    return x_northing and y_easting


def prj_conflict(bounds, crs: CRS) -> tuple[str, str, CRS] | None:
    """(zh, en, CRS the coordinates imply) when a Gauss–Krüger CRS contradicts the zone prefix
    its eastings carry (or lack), else None."""
    fe = _false_easting(crs)
    if fe is None:
        return None
    minx, _, maxx, _ = (float(v) for v in bounds)
    zone = prefix_zone(minx, maxx)
    if fe >= 1e7:  # the CRS puts the zone number in the easting
        crs_zone = int(fe // 1e6)
        if zone is None and 0 <= minx and maxx < 1e6:
            implied = cm_gk(crs_zone) if crs_zone in GK_ZONES else None
            if implied is None:
                return None
            return ("东坐标不带带号前缀", "eastings carry no zone prefix", implied)
        if zone is not None and zone != crs_zone:
            return (f"东坐标带号前缀为 {zone}", f"eastings carry zone prefix {zone}", prefixed_gk(zone))
    elif fe == 500_000 and zone is not None:
        return (f"东坐标带号前缀 {zone}", f"eastings carry zone prefix {zone}", prefixed_gk(zone))
    return None


def _false_easting(crs: CRS) -> float | None:
    op = crs.coordinate_operation if crs.is_projected else None
    if op is None or "Transverse Mercator" not in op.method_name:
        return None
    return next((float(p.value) for p in op.params if p.name == "False easting"), None)


def _survey_swapped(layer: str, path) -> CRSError:
    return CRSError(f"layer '{layer}': X holds northings and Y eastings (survey axis order, X = north, as "
                    "Chinese survey coordinates are written); export the drawing with X = easting, Y = northing "
                    "(or swap X/Y in CAD) and resubmit", path)


def _inside(lo: float, hi: float, span: tuple[float, float]) -> bool:
    return span[0] <= lo and hi <= span[1]


def _swapped(layer: str, path) -> CRSError:
    return CRSError(f"layer '{layer}': longitude and latitude are swapped (x holds latitude-like values, "
                    "y longitude-like ones, for a place in China); fix the axis order and resubmit", path)


def _inferred_note(layer: str, crs: CRS, zh: str, en: str) -> dict:
    return {"zh": f"图层“{layer}”缺少坐标系（无 .prj），根据坐标推定为 {crs_label(crs)}（{zh}）",
            "en": f"layer '{layer}' has no CRS (.prj missing); inferred {crs_label(crs)} because {en}"}
