"""The land-use composition table (控规 parcels) every report format shows.

Built from `measurements.parcels` (geocheck.parcels.ParcelMeasurement.summary), so the
terminal, Markdown and HTML reports print the same numbers as the JSON report.
"""

from __future__ import annotations

from ..findings import Report
from ..units import group_digits, km2, mu

WORDS = {
    "zh": {"title": "用地构成（控规地块）", "class": "用地类别", "parcels": "地块数", "km2": "面积 km²", "mu": "面积 亩",
           "m2": "面积 m²", "share_cons": "占建设用地", "share_total": "占地块总面积", "construction": "建设用地",
           "residential": "住宅用地占建设用地", "green": "绿地与开敞空间占建设用地",
           "cover": "绿化覆盖率（估算，仅供参考，不作判定）", "fields": "字段对应", "purpose": "用途",
           "field": "字段", "by": "来源", "config": "配置指定", "alias": "按常用字段名识别", "cad_text": "CAD 图块内文字", "cad_layer": "CAD 图层名", "none": "未找到",
           "total": "合计", "systems": "代码体系"},
    "en": {"title": "Land-use composition (控规 parcels)", "class": "Class", "parcels": "Parcels", "km2": "Area km²",
           "mu": "Area 亩", "m2": "Area m²", "share_cons": "Share of construction land",
           "share_total": "Share of all parcels", "construction": "Construction land",
           "residential": "Residential share of construction land", "green": "Green and open space, share of construction land",
           "cover": "Vegetation cover (绿化覆盖率), estimate only, never judged", "fields": "Field mapping",
           "purpose": "Purpose", "field": "Field", "by": "Found by", "config": "config", "alias": "alias",
           "cad_text": "CAD text inside each hatch", "cad_layer": "CAD layer name",
           "none": "not found", "total": "Total", "systems": "Code systems"},
}


def _pct(v) -> str:
    return "—" if v is None else f"{v:.2f}%"


def landuse_view(report: Report, lang: str) -> dict | None:
    """Plain data for the composition table, or None when no parcel layer was measured."""
    p = (report.measurements or {}).get("parcels")
    if not p:
        return None
    from ..parcels.fields import PURPOSES  # the purposes' titles, in the report's language

    w = WORDS[lang]
    rows = [{
        "code": r["code"] or "", "name": r["name"], "parcels": r["parcels"],
        "km2": f"{km2(r['area_m2']):.4f}", "mu": group_digits(mu(r["area_m2"])), "m2": group_digits(r["area_m2"]),
        "share_cons": _pct(r["share_of_construction_pct"]), "share_total": _pct(r["share_of_total_pct"]),
        "construction": r["construction"],
    } for r in p["composition"]]
    total = p["total_area_m2"]
    fields = [{"purpose": getattr(PURPOSES[k], f"title_{lang}") if lang == "en" else PURPOSES[k].title_zh,
               "field": v["field"] or w["none"], "by": w.get(v["by"], "") if v["by"] else ""}
              for k, v in p["fields"].items() if k in PURPOSES]
    return {
        "w": w, "rows": rows, "layer": p["layer"], "systems": ", ".join(p["code_systems"]) or "—",
        "total": {"parcels": p["parcel_count"], "km2": f"{km2(total):.4f}", "mu": group_digits(mu(total)),
                  "m2": group_digits(total)},
        "summary": [
            (w["construction"], f"{km2(p['construction_area_m2']):.4f} km² ({group_digits(mu(p['construction_area_m2']))} 亩)"),
            (w["residential"], _pct(p["residential_share_pct"])),
            (w["green"], _pct(p["green_share_of_construction_pct"])),
            (w["cover"], "—" if p["green_cover_estimate_pct"] is None else f"≈ {p['green_cover_estimate_pct']:.1f}%"),
        ],
        "fields": fields,
        # bar widths for the HTML chart: share of all parcels, per class
        "bars": [{"label": f"{r['code']} {r['name']}".strip(), "pct": r["share_of_total_pct"] or 0.0,
                  "construction": r["construction"]} for r in p["composition"]],
    }


def landuse_markdown(view: dict, escape) -> list[str]:
    w = view["w"]
    out = [f"## {escape(w['title'])}", "", f"{escape(view['layer'])} · {escape(w['systems'])}: {escape(view['systems'])}", ""]
    head = [w["class"], w["parcels"], w["km2"], w["mu"], w["m2"], w["share_cons"], w["share_total"]]
    out.append("| " + " | ".join(escape(h) for h in head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    for r in view["rows"]:
        cells = [f"{r['code']} {r['name']}".strip(), r["parcels"], r["km2"], r["mu"], r["m2"], r["share_cons"], r["share_total"]]
        out.append("| " + " | ".join(escape(c) for c in cells) + " |")
    t = view["total"]
    out.append("| " + " | ".join(escape(c) for c in (w["total"], t["parcels"], t["km2"], t["mu"], t["m2"], "", "100.00%")) + " |")
    out.append("")
    out += [f"- {escape(k)}: {escape(v)}" for k, v in view["summary"]] + [""]
    out += [f"**{escape(w['fields'])}**: " + "; ".join(
        escape(f"{f['purpose']} = {f['field']}" + (f" ({f['by']})" if f["by"] else "")) for f in view["fields"]), ""]
    return out


def print_landuse(report: Report, console) -> None:
    """The composition table on the terminal, both languages at once."""
    from rich.table import Table

    zh, en = landuse_view(report, "zh"), landuse_view(report, "en")
    if zh is None or en is None:
        return
    table = Table(title=f"{zh['w']['title']} {en['w']['title']} — {zh['layer']} ({zh['systems']})", title_justify="left")
    for key in ("class", "parcels", "km2", "mu", "share_cons", "share_total"):
        table.add_column(f"{zh['w'][key]} {en['w'][key]}" if key != "km2" else "km²")
    for r in zh["rows"]:
        table.add_row(f"{r['code']} {r['name']}".strip(), str(r["parcels"]), r["km2"], r["mu"], r["share_cons"], r["share_total"])
    t = zh["total"]
    table.add_row(f"{zh['w']['total']} {en['w']['total']}", str(t["parcels"]), t["km2"], t["mu"], "", "100.00%")
    console.print(table)
    for (k_zh, v), (k_en, _) in zip(zh["summary"], en["summary"]):
        console.print(f"  {k_zh} {k_en}: {v}")
    console.print("  字段 fields: " + "; ".join(f"{f['purpose']}={f['field']}" + (f" ({f['by']})" if f["by"] else "")
                                              for f in zh["fields"] if f["field"] != zh["w"]["none"]))
