"""The batch summary: summary.csv (for Excel), summary.json and index.html in the output folder.

Columns and counts follow the Verdict and Status enums, so a new verdict or status gets its
count without an edit here. CSV cells that a spreadsheet would run as a formula are prefixed
with ' (names come from the submissions, see geocheck.printable).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from .. import __version__
from ..findings import Verdict
from ..printable import csv_cell
from ..report import write_atomic
from ..roles import ROLES

NOT_CHECKED = "not_checked"
NOT_CHECKED_REASON = "batch stopped before this submission was checked"
MEASURE_COLUMNS = tuple(col for role in ROLES.values() for col in role.summary_columns)
# Outcome field → column counting that status's checks
COUNT_COLUMNS = {"failures": "failed_checks", "warnings": "warned_checks", "not_run": "not_run_checks"}


def summary_rows(summary) -> tuple[list[str], list[dict]]:
    codes = sorted({c for o in summary.outcomes for c in o.failures})
    header = ["name", "path", "profile", "verdict", "error", *MEASURE_COLUMNS, *COUNT_COLUMNS.values(),
              "not_run_codes", *[f"fail_{c}" for c in codes], "report"]
    rows = []
    for o in summary.outcomes:
        row = {"name": o.name, "path": o.path, "profile": o.profile or "", "verdict": o.verdict,
               "error": o.error or "", "not_run_codes": " ".join(sorted(o.not_run)), "report": o.report or ""}
        row.update({col: sum(getattr(o, attr).values()) for attr, col in COUNT_COLUMNS.items()})
        for m in MEASURE_COLUMNS:
            v = o.measurements.get(m)
            row[m] = "" if v is None else round(v, 3) if isinstance(v, float) else v
        for c in codes:
            row[f"fail_{c}"] = o.failures.get(c, 0)
        rows.append(row)
    for j in summary.not_checked:
        rows.append({"name": j.name, "path": j.path, "profile": j.profile or "", "verdict": NOT_CHECKED,
                     "error": NOT_CHECKED_REASON})
    return header, rows


def summary_data(summary) -> dict:
    counts = Counter(o.verdict for o in summary.outcomes)
    return {
        "type": "geocheck_batch_summary",
        "tool": {"name": "geocheck", "version": __version__},
        "run_id": summary.run_id,
        "counts": {"total": len(summary.outcomes) + len(summary.not_checked),
                   **{v.value: counts.get(v.value, 0) for v in Verdict}, NOT_CHECKED: len(summary.not_checked)},
        "interrupted": summary.interrupted,
        "stopped": summary.stopped,
        "submissions": [asdict(o) for o in summary.outcomes],
        NOT_CHECKED: [asdict(j) for j in summary.not_checked],
        "exit_code": summary.exit_code,
    }


def write_summary(out_dir: Path, summary) -> None:
    header, rows = summary_rows(summary)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, restval="")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    write_atomic(out_dir / "summary.csv", "\ufeff" + buf.getvalue())  # BOM: Excel opens UTF-8 Chinese correctly
    data = summary_data(summary)
    write_atomic(out_dir / "summary.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    from ..report.batch_index import render_index

    write_atomic(out_dir / "index.html", render_index(data, out_dir))
