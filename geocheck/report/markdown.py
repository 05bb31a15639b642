"""The Markdown report: the HTML report's tables as GitHub-flavoured Markdown (no maps).

Text from the submission is escaped so it can neither break a table (|) nor become inline
HTML or Markdown markup when the file is rendered.
"""

from __future__ import annotations

import re

from ..findings import Report
from .landuse import landuse_markdown
from .view import report_view

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # inline markup and table cells
_LEADING = re.compile(r"^(\s*)([#+\-=!]|\d+[.)])")  # block markup at the start of a line


def md_escape(text, *, block: bool = False) -> str:
    """Escape inline Markdown, HTML's &<> and newlines (one table-cell-safe line); with
    `block`, also markup that only counts at the start of a line (lists, headings)."""
    s = str(text if text is not None else "")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", re.sub(r"[\r\n]+", " ", s))
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), s) if block else s


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(md_escape(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(report: Report, *, lang: str = "zh") -> str:
    v = report_view(report, lang)
    w = v["w"]
    out = [f"# {md_escape(w['title'])}", "",
           f"**{md_escape(w['verdict'])}: {md_escape(v['verdict']['label'])}**", ""]
    meta = [[w["submission"], v["submission"]]]
    if not v["error"]:
        meta += [[w["profile"], f"{v['profile']['name']} — {v['profile']['title']}"],
                 [w["profile_source"], v["profile"]["source"]],
                 [w["crs"], v["crs"]]]
    meta.append([w["tool"], f"geocheck {v['tool_version']}"])
    out += _table(["", ""], meta)
    if v["error"]:
        return "\n".join(out + [f"## {md_escape(w['error'])}", "", md_escape(v["error"], block=True), ""])
    s, labels = v["summary"], v["status_labels"]
    out += [f"## {md_escape(w['summary'])}", "",
            " · ".join(f"{md_escape(labels[k])} {s[k]}" for k in v["status_keys"])
            + f" · {md_escape(w['total'])} {s['total']}", ""]
    out += [f"## {md_escape(w['checks'])}", ""]
    out += _table([w["code"], w["check"], w["status"], w["measured"], w["threshold"], w["finding"], w["source"]],
                  [[c["code"], c["title"], c["status_label"], c["measured"], c["threshold"], c["message"], c["source"]]
                   for c in v["checks"]])
    out += [f"## {md_escape(w['areas'])}", ""]
    out += _table([w["role"], "km²", w["mu"], "m²", f"{w['geodesic']} m²"],
                  [[a["role"], w["missing"], "", "", ""] if a["missing"]
                   else [a["role"], a["km2"], a["mu"], a["m2"], a["geodesic_m2"]] for a in v["areas"]])
    if v["landuse"]:
        out += landuse_markdown(v["landuse"], md_escape)
    out += [f"## {md_escape(w['layers'])}", ""]
    out += _table([w["role"], w["layer"], w["file"], w["source_crs"], w["features"]],
                  [[l["role"], w["missing"], "", "", ""] if l["missing"]
                   else [l["role"], l["layer"], l["file"], l["source_crs"], l["features"]] for l in v["layers"]])
    if v["conflicts"]:
        out += [f"## {md_escape(w['located'])}", ""]
        out += _table(["#", w["code"], w["kind"], w["layer"], w["fid"], w["measured_value"], w["info"]],
                      [[c["number"], c["code"], c["kind"], " · ".join(x for x in (c["role"], c["layer"]) if x),
                        c["fid"], c["measured"], c["info"]] for c in v["conflicts"]])
    if v["notes"]:
        out += [f"## {md_escape(w['notes'])}", ""] + [f"- {md_escape(n, block=True)}" for n in v["notes"]] + [""]
    return "\n".join(out)
