"""index.html of a batch: one row per submission, linking its report (self-contained, escaped)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, select_autoescape

from ..findings import Verdict
from ..batch.summary import NOT_CHECKED, NOT_CHECKED_REASON
from .i18n import bilingual_verdict
from .formats import BY_NAME

TEMPLATE = """<!doctype html>
<html lang="zh">
<head><meta charset="utf-8"><title>geocheck 批量检查 batch summary</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.compliant { color: #1a7f37; font-weight: bold; }
.non_compliant { color: #c62828; font-weight: bold; }
.incomplete { color: #6a1b9a; font-weight: bold; }
.error, .not_checked { color: #8a6d00; font-weight: bold; }
</style></head>
<body>
<h1>geocheck 批量检查 / batch summary</h1>
<p>geocheck {{ data.tool.version }} ·
共 {{ c.total }} 个 total{% for key, label in count_labels.items() %} · {{ label }} {{ c[key] }}{% endfor %}
{% if data.interrupted %}· <strong>已中断 interrupted</strong>{% endif %}
{% if data.stopped %}· <strong>已停止 stopped: {{ data.stopped }}</strong>{% endif %}</p>
<table>
<tr><th>提交 submission</th><th>结论 verdict</th><th>规划面积 planned km²</th><th>建设面积 construction km²</th>
<th>不通过 failed checks</th><th>未执行 not run</th><th>说明 error / report</th></tr>
{% for s in data.submissions %}
<tr>
<td>{{ s.name }}<br><small>{{ s.path }}</small></td>
<td class="{{ s.verdict }}">{{ labels[s.verdict] }}</td>
<td class="num">{{ km2(s.measurements.get('planned_area_m2')) }}</td>
<td class="num">{{ km2(s.measurements.get('construction_area_m2')) }}</td>
<td>{{ s.failures | dictsort | map('join', ' ×') | join(', ') }}</td>
<td>{{ (s.not_run or {}) | dictsort | map('first') | join(', ') }}</td>
<td>{% if s.error %}{{ s.error }}{% endif %}
{% if links[s.name] %}<a href="{{ links[s.name] }}">{{ links[s.name] }}</a>{% endif %}</td>
</tr>
{% endfor %}
{% for j in data.not_checked %}
<tr><td>{{ j.name }}<br><small>{{ j.path }}</small></td><td class="not_checked">{{ labels['not_checked'] }}</td>
<td></td><td></td><td></td><td></td><td>批量检查在此提交之前停止 — {{ not_checked_reason }}</td></tr>
{% endfor %}
</table>
</body></html>
"""

LABELS = {v.value: bilingual_verdict(v) for v in Verdict} | {NOT_CHECKED: "未检查 — not checked"}
# The counts line, in the verdicts' order: '未完成 incomplete 1'
COUNT_LABELS = {v.value: f"{v.title_zh} {v.value.replace('_', '-')}" for v in Verdict} | {NOT_CHECKED: "未检查 not checked"}


def _km2(m2):
    return "" if m2 is None else f"{m2 / 1e6:.3f}"


def render_index(data: dict, out_dir: Path) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    links = {}
    for s in data["submissions"]:
        folder = Path(out_dir) / s["name"]
        html = BY_NAME["html"].batch_file  # linked when the batch wrote it (-f html)
        links[s["name"]] = f"{s['name']}/{html}" if (folder / html).exists() else s.get("report")
    return env.from_string(TEMPLATE).render(data=data, c=data["counts"], labels=LABELS, links=links, km2=_km2,
                                            count_labels=COUNT_LABELS, not_checked_reason=NOT_CHECKED_REASON)
