"""The rule registry: one Rule per stable code, its docs beside its code.

Codes are grouped by family (the hundreds digit, as in val3dity):
1xx geometry, 2xx size, 3xx shape and topology, 4xx reference layers, 5xx plan depth,
6xx land-use parcels.
Profiles in rules/ choose which codes run, with which thresholds, severities and sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ..findings import CheckResult, Severity, Status
from ..references.spec import KINDS
from ..roles import ROLES

if TYPE_CHECKING:  # geocheck.measure imports this module
    from ..measure import Measurements

FAMILIES = {
    "1": ("几何与输入", "Geometry and input"),
    "2": ("规模", "Size"),
    "3": ("形态与拓扑", "Shape and topology"),
    "4": ("三区三线与文物保护", "Reference lines and heritage"),
    "5": ("规划深度", "Plan depth"),
    "6": ("控规地块", "Land-use parcels"),
}


@dataclass(frozen=True)
class Quantity:
    """A quantity a rule needs measured, declared with register(..., measures=...).

    geocheck.measure computes each declared quantity once per check, before any rule runs; a
    rule reads it with ctx.measured(quantity). A quantity's inputs (`roles`, `kinds`) must be
    among its rule's roles and references, so run_rule's gates (missing role → fail or skip,
    missing reference → not_run or skip) stop the rule before it asks for one never measured.
    """

    what: str  # "parts", "outside", "overlaps", "point_buffers" or "parcels" (see the constructors)
    role: str | None = None
    cover: str | None = None  # outside: the covering role
    kind: str | None = None  # overlaps, outside: the reference kind
    zone: str | None = None  # point_buffers: "protection_range" or "control_zone"

    @classmethod
    def parts(cls, role: str) -> "Quantity":
        """`role`'s parts and the minimum spanning tree over their distances (contiguity)."""
        return cls("parts", role=role)

    @classmethod
    def outside(cls, role: str, *, cover: str | None = None, kind: str | None = None) -> "Quantity":
        """The part of `role` outside the role `cover`, or outside every feature of reference
        `kind`: whole and per feature."""
        return cls("outside", role=role, cover=cover, kind=kind)

    @classmethod
    def overlaps(cls, kind: str, role: str) -> "Quantity":
        """The part of `role` inside each feature of reference `kind`."""
        return cls("overlaps", role=role, kind=kind)

    @classmethod
    def point_buffers(cls, zone: str) -> "Quantity":
        """Heritage points buffered by the rule's radius_m_by_level, against the construction zone."""
        return cls("point_buffers", role="construction", kind="heritage_points", zone=zone)

    @classmethod
    def parcels(cls) -> "Quantity":
        """The parcel layer under the profile's [landuse] table (geocheck.parcels.measure_parcels)."""
        return cls("parcels", role="parcels")

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(r for r in (self.role, self.cover) if r is not None)

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.kind,) if self.kind is not None else ()


@dataclass(frozen=True)
class Rule:
    code: str
    title_zh: str
    title_en: str
    roles: tuple[str, ...]  # roles the rule needs; a missing one fails or skips it
    params: dict  # JSON-Schema properties of its profile parameters
    required_params: tuple[str, ...]
    doc: str  # Markdown: what it checks, why, how it measures, an example
    run: Callable[["RuleContext"], CheckResult]
    any_of_params: tuple[tuple[str, ...], ...] = field(default=())
    references: tuple[str, ...] = field(default=())  # reference kinds it reads; missing → not_run or skip
    measures: tuple[Quantity, ...] = field(default=())  # what geocheck.measure computes for it

    @property
    def family(self) -> tuple[str, str]:
        return FAMILIES[self.code[2]]


REGISTRY: dict[str, Rule] = {}


def register(code, title_zh, title_en, *, roles=(), references=(), measures=(), params=None, required=(),
             any_of=(), doc=""):
    """Decorator: add a check function to the registry under `code`."""

    def wrap(fn):
        if code in REGISTRY:
            raise RuntimeError(f"rule {code} registered twice")
        for q in measures:
            if not set(q.roles) <= set(roles) or not set(q.kinds) <= set(references):
                raise RuntimeError(f"rule {code} measures {q} from inputs it does not declare")
        REGISTRY[code] = Rule(code, title_zh, title_en, tuple(roles), params or {},
                              tuple(required), doc.strip(), fn, tuple(any_of), tuple(references), tuple(measures))
        return fn

    return wrap


@dataclass
class RuleContext:
    """What one check sees: the rule, its profile settings, the submission and its measurements."""

    rule: Rule
    config: dict
    submission: object  # geocheck.submission.Submission (kept loose to avoid a cycle)
    measurements: "Measurements"
    tolerance: dict = field(default_factory=dict)  # the profile's measurement_tolerance
    exemption: dict | None = None  # the town type's exemption applied to `config`, if any

    def measured(self, quantity: Quantity):
        """The measurement of a quantity this rule declared in register(..., measures=...)."""
        if quantity not in self.rule.measures:
            raise RuntimeError(f"rule {self.rule.code} reads {quantity} without declaring it")
        return self.measurements.values[quantity]

    def area(self, role: str):
        """The dissolved area of one of the rule's roles (geocheck.measure.RoleArea)."""
        return self.measurements.areas[role]

    @property
    def severity(self) -> Severity:
        return Severity(self.config.get("severity", "error"))

    def param(self, name, default=None):
        return self.config.get(name, default)

    @property
    def area_tolerance_m2(self) -> float:
        return float(self.tolerance.get("area_m2", 0.0))

    @property
    def length_tolerance_m(self) -> float:
        return float(self.tolerance.get("length_m", 0.0))

    def result(self, violated: bool, *, measured=None, threshold=None, message_zh="",
               message_en="", features=(), severity: Severity | None = None) -> CheckResult:
        """A CheckResult whose status follows from `violated` and the rule's severity."""
        severity = severity or self.severity
        status = severity.violated_status if violated else Status.PASS
        return CheckResult(
            code=self.rule.code,
            title_zh=self.rule.title_zh,
            title_en=self.rule.title_en,
            status=status,
            severity=severity,
            measured=measured,
            threshold=threshold,
            source=self.config.get("source", ""),
            message_zh=message_zh,
            message_en=message_en,
            features=list(features),
        )

    def not_run(self, status: Status, message_zh: str, message_en: str) -> CheckResult:
        return CheckResult(
            code=self.rule.code, title_zh=self.rule.title_zh, title_en=self.rule.title_en,
            status=status, severity=self.severity, source=self.config.get("source", ""),
            message_zh=message_zh, message_en=message_en,
        )


def run_rule(rule: Rule, config: dict, submission, profile, measurements, references=None,
             town_type: str | None = None) -> CheckResult:
    """Run one rule after checking that what it needs is there (docs/verdicts.md).

    A role the profile requires but the submission lacks fails the rule (the requirement is not
    demonstrated); an optional one skips it. A reference kind the profile requires but the run
    was not given makes the rule `not_run` (so the verdict can only be incomplete); an optional
    one skips it. Either way the other rules still run. A town type with an exemption in the
    rule's settings replaces the exempted parameters before the rule runs.
    """
    config, exemption = apply_exemption(config, town_type)
    ctx = RuleContext(rule, config, submission, measurements, dict(profile.measurement_tolerance), exemption)
    for role in rule.roles:
        if submission.roles.get(role) is not None:
            continue
        r = ROLES[role]
        if profile.roles.get(role, "optional") == "required":
            hint = submission.role_hints.get(role)  # the unassigned layers that could be it
            return ctx.not_run(
                Status.FAIL,
                f"缺少{r.title_zh}图层，无法证明满足要求" + (f"（{hint['zh']}）" if hint else ""),
                f"the {r.title_en} ({r.title_zh}) layer is missing, so the requirement is not demonstrated"
                + (f" ({hint['en']})" if hint else ""),
            )
        return ctx.not_run(
            Status.SKIP,
            f"未提交{r.title_zh}图层（本规则集中为可选），跳过",
            f"skipped: no {r.title_en} ({r.title_zh}) layer, which this profile treats as optional",
        )
    given = set(references.kinds()) if references is not None else set()
    for kind in rule.references:
        if kind in given:
            continue
        k = KINDS[kind]
        missing = profile.missing_reference(kind, given)
        if missing is None:
            return ctx.not_run(
                Status.SKIP,
                f"未提供{k.title_zh}参考图层（本规则集中为可选），跳过",
                f"skipped: no {k.title_en} ({k.title_zh}) reference layer was given, which this profile "
                f"treats as optional")
        return ctx.not_run(
            Status.NOT_RUN,
            f"未执行：规则集要求提供{missing[0]}（--reference {kind}=…），未提供，无法判断是否符合",
            f"not run: the profile requires {missing[1]} (--reference {kind}=SOURCE) and none was given, "
            "so compliance cannot be shown")
    coverage = references.coverage_problem(rule.references) if references is not None else None
    if coverage is not None:
        return ctx.not_run(Status.NOT_RUN, *coverage)
    result = rule.run(ctx)
    if exemption is not None:
        result.threshold = (result.threshold or {}) | {"exemption": exemption}
    return result


def apply_exemption(config: dict, town_type: str | None) -> tuple[dict, dict | None]:
    """The rule's settings with its exemption for `town_type` applied (false removes a bound)."""
    exemption = (config.get("exemptions") or {}).get(town_type) if town_type else None
    if exemption is None:
        return config, None
    changed = {k: v for k, v in exemption.items() if k not in ("source", "note")}
    out = dict(config) | {k: (None if v is False else v) for k, v in changed.items()}
    return out, {"town_type": town_type, "changed": {k: {"from": config.get(k), "to": None if v is False else v}
                                                    for k, v in changed.items()},
                 "source": exemption["source"], "note": exemption.get("note", "")}
