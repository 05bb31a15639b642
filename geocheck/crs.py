"""Choosing the metric CRS areas are measured in, and naming CRSs for reports.

Default: the CGCS2000 3° Gauss–Krüger zone (EPSG:4534–4554, 'CM 75E' … 'CM 135E') whose
central meridian is nearest the submission's centroid. Inside a 3° zone GK area distortion
stays below ~0.14%, and the report also carries geodesic areas to show it.
"""

from __future__ import annotations

import math

import pyproj
from pyproj import CRS

from .errors import CRSError, GeocheckError

CGCS2000_GEOGRAPHIC = CRS.from_epsg(4490)
FIRST_GK_CM_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E (zone 25)
GK_ZONES = range(25, 46)  # CM 75E … 135E covers China


def gk_zone(lon: float) -> int:
    """3° zone number whose central meridian (3·n) is nearest `lon`."""
    return math.floor((lon + 1.5) / 3.0)


def gk_cm_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3° GK 'CM' CRS (no zone prefix) for a longitude."""
    zone = gk_zone(lon)
    if zone not in GK_ZONES:
        raise CRSError(
            f"longitude {lon:.4f}° lies outside the CGCS2000 3° zones for China (73.5°E–136.5°E); "
            "pass --crs EPSG:xxxx to measure in another metric CRS"
        )
    return FIRST_GK_CM_EPSG + zone - GK_ZONES.start


def parse_crs(text: str, *, what: str = "--crs") -> CRS:
    """'EPSG:4549', '4549', a WKT or PROJ string → CRS, or a clean error."""
    value = str(text).strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        return CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise GeocheckError(f"{what}: '{text}' is not a coordinate reference system PROJ knows ({exc})") from None


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
    """'EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)' or the CRS name."""
    if crs is None:
        return "none"
    epsg = crs.to_epsg(min_confidence=90)
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def describe(crs: CRS, chosen_by: str | None = None) -> dict:
    """CRS as the JSON report states it."""
    out = {"epsg": crs.to_epsg(min_confidence=90), "name": crs.name, "label": crs_label(crs)}
    if chosen_by:
        out["chosen_by"] = chosen_by
    return out
