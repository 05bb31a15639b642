"""report.json: indented for reading, each finding's geometry on one line (the fast encoder's)."""

from __future__ import annotations

import json

import shapely.geometry

import geocheck
from geocheck.report import to_json
from lenient_profiles import references_optional


def test_geometry_on_one_line_and_content_unchanged(gc311_construction_outside_gpkg, report_schema):
    report = geocheck.check(gc311_construction_outside_gpkg, profile=references_optional("zhejiang-2015"))
    text = to_json(report)
    data = json.loads(text)
    report_schema.validate(data)
    assert data == json.loads(json.dumps(report.to_dict()))  # the same document, only laid out otherwise
    assert text.startswith('{\n  "type": ') and text.endswith("}\n")
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith('"geometry": {')]
    assert len(lines) == 1  # the one part outside the planned area
    outside = shapely.geometry.shape(json.loads("{" + lines[0].rstrip(",") + "}")["geometry"])
    assert abs(outside.area - 100 * 400) < 0.01  # towns.outside_construction: 100 m × 400 m outside
