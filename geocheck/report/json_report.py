"""The JSON report (schema: docs/report.schema.json)."""

from __future__ import annotations

import json
import re
import uuid

from ..findings import Report


def to_json(report: Report) -> str:
    """report.json: indented, with each GeoJSON geometry on one line.

    Python's indenting encoder is pure Python; walking every coordinate of the findings'
    geometries with it was most of the time of writing a report. Geometries are encoded by the
    C encoder instead and put in place of a placeholder (a string no report can hold)."""
    token = f"geometry-{uuid.uuid4().hex}-"
    geometries: list[str] = []

    def lift(node):
        if isinstance(node, dict):
            return {k: _placeholder(v) if k == "geometry" and isinstance(v, dict) else lift(v) for k, v in node.items()}
        if isinstance(node, list):
            return [lift(v) for v in node]
        return node

    def _placeholder(geometry: dict) -> str:
        geometries.append(json.dumps(geometry, ensure_ascii=False))
        return f"{token}{len(geometries) - 1}"

    text = json.dumps(lift(report.to_dict()), ensure_ascii=False, indent=2)
    text = re.sub(f'"{token}(\\d+)"', lambda m: geometries[int(m[1])], text)
    return text + "\n"
