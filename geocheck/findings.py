"""What a check produces (CheckResult) and what a run produces (Report).

Checks never print; they return CheckResults. Writers in geocheck.report turn a Report
into text, JSON and other formats.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

REPORT_SCHEMA_VERSION = "1.1"  # 1.1: measurements.parcels, status not_run


class Status(str, enum.Enum):
    """What became of one check (docs/verdicts.md)."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"  # an optional input is absent: the check does not apply
    NOT_RUN = "not_run"  # an input the profile requires is absent or unusable: the check could not be made

    @property
    def title_zh(self) -> str:
        return STATUS_TITLES[self][0]

    @property
    def title_en(self) -> str:
        return STATUS_TITLES[self][1]


STATUS_TITLES = {
    Status.PASS: ("通过", "Pass"),
    Status.FAIL: ("不通过", "Fail"),
    Status.WARN: ("警告", "Warning"),
    Status.SKIP: ("跳过", "Skipped"),
    Status.NOT_RUN: ("未执行", "Not run"),
}


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def violated_status(self) -> Status:
        """A violated rule fails when it is an error, warns when it is a warning."""
        return Status.FAIL if self is Severity.ERROR else Status.WARN


class Verdict(str, enum.Enum):
    """The overall outcome, in the order that decides it: the first that applies wins."""

    ERROR = "error"
    NON_COMPLIANT = "non_compliant"
    INCOMPLETE = "incomplete"
    COMPLIANT = "compliant"

    @property
    def exit_code(self) -> int:
        return VERDICTS[self].exit_code

    @property
    def title_zh(self) -> str:
        return VERDICTS[self].title_zh

    @property
    def title_en(self) -> str:
        return VERDICTS[self].title_en


@dataclass(frozen=True)
class VerdictInfo:
    exit_code: int
    title_zh: str
    title_en: str
    rule_zh: str  # when this verdict is given (docs/verdicts.md is generated from these)
    rule_en: str


VERDICTS: dict[Verdict, VerdictInfo] = {
    Verdict.ERROR: VerdictInfo(
        2, "无法检查", "Could not check",
        "送审成果无法读取或量算（文件损坏、坐标系不明、目标坐标系变形过大等），未作任何判断",
        "the submission could not be read or measured (broken file, unknown CRS, a distorting target "
        "CRS …); nothing was judged"),
    Verdict.NON_COMPLIANT: VerdictInfo(
        1, "不符合要求", "Non-compliant",
        "至少一项检查不通过（严重程度为“错误”的规则被违反，或规则集要求的图层缺失）",
        "at least one check failed (a rule of severity error was violated, or a layer the profile "
        "requires is missing)"),
    Verdict.INCOMPLETE: VerdictInfo(
        3, "未完成", "Incomplete",
        "已执行的检查均未不通过，但规则集要求的检查至少有一项未执行（如未提供必需的参考图层，"
        "或参考图层未覆盖小镇）：不能据此认定符合要求",
        "nothing that ran failed, but at least one check the profile requires did not run (a required "
        "reference layer was not given or does not cover the town): compliance is not shown"),
    Verdict.COMPLIANT: VerdictInfo(
        0, "符合要求", "Compliant",
        "规则集要求的检查全部执行，且没有不通过项（可有警告）",
        "every check the profile requires ran and none failed (warnings may remain)"),
}


@dataclass
class Indicator:
    """A feature a finding points at: an input feature, or a geometry the check made
    (the gap, the part outside, the uncovered core) for the reviewer to open in GIS."""

    kind: str  # e.g. "invalid_geometry", "gap", "outside_boundary", "uncovered_core"
    role: str | None = None
    layer: str | None = None  # the input layer, or the reference source the finding concerns
    fid: Any = None  # the input feature's id
    info: str | None = None
    measured: float | None = None
    geometry: BaseGeometry | None = None  # in the report's target CRS
    reference_kind: str | None = None  # e.g. "ecological_red_line", when a reference layer is involved
    reference_id: Any = None  # the reference feature's id (red-line hxbh, farmland patch …)

    def to_dict(self) -> dict:
        geom = None
        if self.geometry is not None and not self.geometry.is_empty:
            geom = _geojson(shapely.set_precision(self.geometry, 0.001))
        return {
            "kind": self.kind,
            "role": self.role,
            "layer": self.layer,
            "fid": self.fid,
            "info": self.info,
            "measured": _round(self.measured),
            "geometry": geom,
            "reference_kind": self.reference_kind,
            "reference_id": self.reference_id,
        }


@dataclass
class CheckResult:
    code: str
    title_zh: str
    title_en: str
    status: Status
    severity: Severity
    measured: dict | None = None  # e.g. {"value": 3.05, "unit": "km2", "m2": ..., "mu": ...}
    threshold: dict | None = None  # e.g. {"min": 3, "max": 5, "unit": "km2", "text": "3–5 km²"}
    source: str = ""
    message_zh: str = ""
    message_en: str = ""
    features: list[Indicator] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "status": self.status.value,
            "severity": self.severity.value,
            "measured": _round_tree(self.measured),
            "threshold": _round_tree(self.threshold),
            "source": self.source,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "features": [f.to_dict() for f in self.features],
        }


@dataclass
class Report:
    tool_version: str
    inputs: dict
    target_crs: dict
    profile: dict
    measurements: dict
    checks: list[CheckResult]
    notes: list[dict] = field(default_factory=list)  # assumptions made ({"zh":…, "en":…})
    error: str | None = None  # set when the submission could not be checked at all
    # For maps, never serialised: the role layers' dissolved geometries (by role) and the reference
    # features near the town (by reference kind), in the target CRS.
    geometries: dict[str, BaseGeometry] = field(default_factory=dict, repr=False, compare=False)

    @property
    def summary(self) -> dict:
        counts = {s.value: 0 for s in Status}
        for c in self.checks:
            counts[c.status.value] += 1
        counts["total"] = len(self.checks)
        return counts

    @property
    def verdict(self) -> Verdict:
        """docs/verdicts.md: error, else any fail, else any not_run, else compliant."""
        if self.error is not None:
            return Verdict.ERROR
        if any(c.status is Status.FAIL for c in self.checks):
            return Verdict.NON_COMPLIANT
        if any(c.status is Status.NOT_RUN for c in self.checks):
            return Verdict.INCOMPLETE
        return Verdict.COMPLIANT

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def check(self, code: str) -> CheckResult:
        """The result of one rule code (KeyError if the profile did not run it)."""
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(code)

    def to_dict(self) -> dict:
        return {
            "type": "geocheck_report",
            "schema_version": REPORT_SCHEMA_VERSION,
            "tool": {"name": "geocheck", "version": self.tool_version},
            "inputs": self.inputs,
            "target_crs": self.target_crs,
            "profile": self.profile,
            "measurements": _round_tree(self.measurements),
            "checks": [c.to_dict() for c in self.checks],
            "notes": self.notes,
            "summary": self.summary,
            "verdict": self.verdict.value,
            "error": self.error,
        }

    @classmethod
    def failed(cls, tool_version: str, path: str, message: str) -> "Report":
        """A report for a submission that could not be checked (used by batch runs)."""
        return cls(
            tool_version=tool_version,
            inputs={"path": str(path), "roles": {}},
            target_crs={},
            profile={},
            measurements={},
            checks=[],
            error=message,
        )


def plain_id(value):
    """Feature ids as JSON-friendly ints where possible."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _geojson(geom: BaseGeometry) -> dict:
    """shapely's mapping(geom), with each ring of a (multi)polygon taken as one array: mapping
    walks the coordinates point by point in Python. The same GeoJSON, only lists for tuples."""
    if isinstance(geom, Polygon):
        return {"type": "Polygon", "coordinates": [] if geom.exterior.is_empty else _rings(geom)}
    if isinstance(geom, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [_rings(p) for p in geom.geoms]}
    return mapping(geom)


def _rings(polygon: Polygon) -> list:
    return [np.asarray(ring.coords).tolist() for ring in (polygon.exterior, *polygon.interiors)]


def _round(value):
    if isinstance(value, float):
        return round(value, 6) if abs(value) < 1000 else round(value, 3)
    return value


def _round_tree(obj):
    if isinstance(obj, dict):
        return {k: _round_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round_tree(v) for v in obj]
    return _round(obj)
