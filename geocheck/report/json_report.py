"""The JSON report (schema: docs/report.schema.json)."""

from __future__ import annotations

import json

from ..findings import Report


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
