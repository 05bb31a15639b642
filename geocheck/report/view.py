"""A report laid out for reading, in one language: what the HTML and Markdown formats show.

Everything here is plain data (strings, numbers, lists); escaping is the job of each format.
"""

from __future__ import annotations

from pathlib import PurePath

import shapely

from ..findings import Indicator, Report
from ..units import format_area, group_digits, km2, mu
from .i18n import (AREA_ROWS, STATUS, VERDICT, WORDS, check_lang, check_message, check_title,
                   crs_text, measured_text, role_title, threshold_text)
from .landuse import landuse_view
from .maps import Conflict, conflicts
from .styles import style_for


def report_view(report: Report, lang: str) -> dict:
    check_lang(lang)
    words = WORDS[lang]
    prof = report.profile or {}
    m = report.measurements or {}
    return {
        "lang": lang,
        "w": words,
        "tool_version": report.tool_version,
        "submission": str(report.inputs.get("path", "")),
        "submission_name": PurePath(str(report.inputs.get("path", ""))).name,
        "error": report.error,
        "verdict": {"key": report.verdict.value, "label": VERDICT[lang][report.verdict]},
        "summary": report.summary,
        "status_labels": {s.value: label for s, label in STATUS[lang].items()},
        "status_keys": [s.value for s in STATUS[lang]],
        "profile": {
            "name": prof.get("name", ""),
            "title": prof.get(f"title_{lang}", ""),
            "source": prof.get("source", ""),
            "about_band_note": prof.get("about_band_note", ""),
        },
        "crs": crs_text(report, lang),
        "layers": [_layer_row(role, info, lang) for role, info in report.inputs.get("roles", {}).items()],
        "areas": [_area_row(role, m.get(f"{key}_m2"), m.get(f"{key}_geodesic_m2"), lang)
                  for role, key in AREA_ROWS],
        "checks": [
            {
                "code": c.code,
                "title": check_title(c, lang),
                "status": c.status.value,
                "status_label": STATUS[lang][c.status],
                "measured": measured_text(c),
                "threshold": threshold_text(c, lang),
                "source": c.source,
                "message": check_message(c, lang),
                # findings with no place on the map are listed with their check
                "details": [" · ".join(str(x) for x in (f.layer, f.fid, f.info) if x not in (None, ""))
                            for f in c.features if f.geometry is None or f.geometry.is_empty],
            }
            for c in report.checks
        ],
        "conflicts": [conflict_row(c, lang) for c in conflicts(report)],
        "notes": [n.get(lang) or n.get("en", "") for n in report.notes],
        "landuse": landuse_view(report, lang),  # None without a parcel layer
    }


def conflict_row(c: Conflict, lang: str) -> dict:
    ind = c.indicator
    return {
        "number": c.number,
        "code": c.check.code,
        "check": check_title(c.check, lang),
        "status": c.check.status.value,
        "status_label": STATUS[lang][c.check.status],
        "kind": style_for(c.key).label(lang),
        "role": role_title(ind.role, lang) if ind.role else "",
        "layer": ind.layer or "",
        "fid": "" if ind.fid is None else str(ind.fid),
        "info": ind.info or "",
        "measured": indicator_measure(ind),
        "reference_id": "" if ind.reference_id is None else str(ind.reference_id),
    }


def indicator_measure(ind: Indicator) -> str:
    """An indicator's measure in the unit its geometry implies: an area, a length, a count."""
    if ind.measured is None:
        return ""
    dim = int(shapely.get_dimensions(ind.geometry)) if ind.geometry is not None else -1
    if dim == 2:
        return format_area(ind.measured)
    if dim == 1:
        return f"{ind.measured:,.1f} m".replace(",", " ")
    return f"{ind.measured:g}"


def _layer_row(role: str, info: dict | None, lang: str) -> dict:
    row = {"role": role_title(role, lang), "missing": info is None}
    if info:
        row.update(layer=info.get("layer", ""), file=info.get("file", ""), source_crs=info.get("source_crs", ""),
                   features=info.get("feature_count", ""), crs_assumed=bool(info.get("crs_assumed")))
    return row


def _area_row(role: str, m2: float | None, geodesic_m2: float | None, lang: str) -> dict:
    if m2 is None:
        return {"role": role_title(role, lang), "missing": True}
    return {
        "role": role_title(role, lang),
        "missing": False,
        "km2": f"{km2(m2):.3f}",
        "mu": group_digits(mu(m2)),
        "m2": group_digits(m2),
        "geodesic_m2": group_digits(geodesic_m2) if geodesic_m2 is not None else "—",
    }
