"""A report laid out for reading, in one language: what the HTML and Markdown formats show.

Everything here is plain data (strings, numbers, lists); escaping is the job of each format.
"""

from __future__ import annotations

from pathlib import PurePath

from ..findings import Report, Status
from ..units import km2, mu
from .i18n import (AREA_ROWS, STATUS, VERDICT, WORDS, band_note, check_lang, check_message, check_title,
                   crs_text, indicator_detail, indicator_measure, measured_text, normalise_numbers, num,
                   role_title, source_crs_text, threshold_text, check_source)
from .mapmodel import Conflict, conflicts
from .landuse import landuse_view


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
        "status_keys": [s.value for s in Status],
        "profile": {
            "name": prof.get("name", ""),
            "title": prof.get(f"title_{lang}", ""),
            "source": prof.get(f"source_{lang}") or prof.get("source", ""),
            "about_band_note": band_note(report, lang),
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
                "measured": measured_text(c, lang),
                "threshold": threshold_text(c, lang),
                "source": check_source(c, report, lang),
                "message": check_message(c, lang),
                # findings with no place on the map are listed with their check
                "details": [" · ".join(str(x) for x in (f.layer, f.fid, indicator_detail(f, report, lang))
                                       if x not in (None, ""))
                            for f in c.features if f.geometry is None or f.geometry.is_empty],
            }
            for c in report.checks
        ],
        "conflicts": [conflict_row(c, report, lang) for c in conflicts(report)],
        "notes": [normalise_numbers(n.get(lang) or n.get("en", "")) for n in report.notes],
        "landuse": landuse_view(report, lang),  # None without a parcel layer
    }


def conflict_row(c: Conflict, report: Report, lang: str) -> dict:
    ind = c.indicator
    return {
        "number": c.number,
        "code": c.check.code,
        "check": check_title(c.check, lang),
        "status": c.check.status.value,
        "status_class": c.status,
        "status_label": STATUS[lang][c.check.status],
        "kind": c.style.label(lang),
        "role": role_title(ind.role, lang) if ind.role else "",
        "layer": _short_source(ind.layer or "") if ind.reference_kind else ind.layer or "",
        "fid": "" if ind.fid is None else str(ind.fid),
        "info": indicator_detail(ind, report, lang),
        "measured": indicator_measure(ind, lang),
        "reference_id": "" if ind.reference_id is None else str(ind.reference_id),
    }


def _short_source(layer: str) -> str:
    """A reference source named by its file ('…/ecological_red_line.gpkg:红线' → 'ecological_red_line.gpkg:红线');
    PostGIS sources and layer names as they are."""
    if "://" in layer or "/" not in layer:
        return layer
    return PurePath(layer).name


def _layer_row(role: str, info: dict | None, lang: str) -> dict:
    row = {"role": role_title(role, lang), "missing": info is None}
    if info:
        row.update(layer=info.get("layer", ""), file=info.get("file", ""),
                   source_crs=source_crs_text(info.get("source_crs", ""), lang),
                   features=info.get("feature_count", ""), crs_assumed=bool(info.get("crs_assumed")))
    return row


def _area_row(role: str, m2: float | None, geodesic_m2: float | None, lang: str) -> dict:
    if m2 is None:
        return {"role": role_title(role, lang), "missing": True}
    return {
        "role": role_title(role, lang),
        "missing": False,
        "km2": f"{km2(m2):.3f}",
        "mu": num(mu(m2)),
        "m2": num(m2),
        "geodesic_m2": num(geodesic_m2) if geodesic_m2 is not None else "—",
    }
