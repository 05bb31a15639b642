"""The rule registry: one Rule per stable code, its docs beside its code.

Codes are grouped by family (the hundreds digit, as in val3dity):
1xx geometry, 2xx size, 3xx shape and topology, 4xx reference layers, 5xx plan depth.
Profiles in rules/ choose which codes run, with which thresholds, severities and sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..findings import CheckResult, Severity, Status
from ..roles import ROLES

FAMILIES = {
    "1": ("几何与输入", "Geometry and input"),
    "2": ("规模", "Size"),
    "3": ("形态与拓扑", "Shape and topology"),
    "4": ("三区三线与文物保护", "Reference lines and heritage"),
    "5": ("规划深度", "Plan depth"),
}


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

    @property
    def family(self) -> tuple[str, str]:
        return FAMILIES[self.code[2]]


REGISTRY: dict[str, Rule] = {}


def register(code, title_zh, title_en, *, roles=(), params=None, required=(), any_of=(), doc=""):
    """Decorator: add a check function to the registry under `code`."""

    def wrap(fn):
        if code in REGISTRY:
            raise RuntimeError(f"rule {code} registered twice")
        REGISTRY[code] = Rule(code, title_zh, title_en, tuple(roles), params or {},
                              tuple(required), doc.strip(), fn, tuple(any_of))
        return fn

    return wrap


@dataclass
class RuleContext:
    """What one check sees: the rule, its profile settings and the submission."""

    rule: Rule
    config: dict
    submission: object  # geocheck.submission.Submission (kept loose to avoid a cycle)
    references: object = None  # geocheck.references.ReferenceContext, for the 4xx rules

    @property
    def severity(self) -> Severity:
        return Severity(self.config.get("severity", "error"))

    def param(self, name, default=None):
        return self.config.get(name, default)

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


def run_rule(rule: Rule, config: dict, submission, role_requirements: dict[str, str],
             references=None) -> CheckResult:
    """Run one rule, failing or skipping it when a role it needs is absent.

    A role the profile requires but the submission lacks fails the rule (the requirement is
    not demonstrated); an optional one skips it. Either way the other rules still run.
    """
    ctx = RuleContext(rule, config, submission, references)
    for role in rule.roles:
        if submission.roles.get(role) is not None:
            continue
        r = ROLES[role]
        if role_requirements.get(role, "optional") == "required":
            return ctx.not_run(
                Status.FAIL,
                f"缺少{r.title_zh}图层，无法证明满足要求",
                f"the {r.title_en} ({r.title_zh}) layer is missing, so the requirement is not demonstrated",
            )
        return ctx.not_run(
            Status.SKIP,
            f"未提交{r.title_zh}图层（本规则集中为可选），跳过",
            f"skipped: no {r.title_en} ({r.title_zh}) layer, which this profile treats as optional",
        )
    return rule.run(ctx)

