"""Submission roles and how layer names map to them.

Institutes name layers in Chinese or English, often with the town's name around the role
(梦想小镇规划范围) and a CAD suffix after it (规划范围线, 建设用地边界线), or by the pinyin
initials CAD standards use (GHFW 规划范围, JSYD 建设用地, HXQ 核心区, CSSJ 城市设计). A layer
takes the role whose longest alias its normalised name contains, so 核心区城市设计范围 is the
urban-design area, not the core area. A name with a negative term (非建设用地, 禁建区, 限建区)
describes land that is *not* a role: it never matches, however much of an alias it contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import RoleError
from .looks import Style


@dataclass(frozen=True)
class Role:
    """A part of a submission: what it is called, how layers are recognised as it, how it is
    drawn, and which report and batch-summary figures it carries."""

    key: str
    title_zh: str
    title_en: str
    aliases: tuple[str, ...]
    look: Style | None = None  # on maps; None: not drawn as a role (parcels draw their findings)
    map_order: int = 0  # bottom (0) to top
    measure: str | None = None  # "planned_area": report figures planned_area_m2 and planned_area_geodesic_m2
    summary_columns: tuple[str, ...] = ()  # report measurements copied into batch summary.csv


ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        Role(
            "boundary",
            "规划范围",
            "planned area",
            ("规划范围", "规划边界", "四至范围", "规划红线范围", "规划红线", "用地红线", "规划用地范围",
             "规划用地边界", "规划区范围", "规划区边界", "小镇范围", "小镇边界", "planning_boundary",
             "planned_area", "plan_boundary", "boundary", "planning_area",
             "ghfw", "ghfwx", "ghbj", "ghbjx", "ghhx", "ydhx"),
            Style("规划范围", "Planned area", "#4d3b24", "#f3eedf", 1.0, width=2.0, dash=True), map_order=0,
            measure="planned_area", summary_columns=("planned_area_m2",),
        ),
        Role(
            "construction",
            "建设范围",
            "construction zone",
            ("建设范围", "建设用地", "核心建设用地", "近期建设区", "建设区", "建设用地红线",
             "construction", "construction_zone", "construction_land", "build_area",
             "jsyd", "jsydx", "jsfw", "jsfwx"),
            Style("建设范围", "Construction zone", "#b5541c", "#f4b183", 0.75, width=1.0), map_order=2,
            measure="construction_area", summary_columns=("construction_area_m2", "construction_parts"),
        ),
        Role(
            "core",
            "核心区",
            "core area",
            ("核心区", "核心功能区", "core_area", "core", "hxq", "hxqx", "hxgnq"),
            Style("核心区", "Core area", "#5b2c83", "#9b7cc4", 0.55, hatch="..", width=1.4), map_order=3,
            measure="core_area", summary_columns=("core_area_m2",),
        ),
        Role(
            "urban_design",
            "城市设计范围",
            "urban-design area",
            ("城市设计范围", "城市设计", "urban_design", "urban_design_area", "design_area",
             "cssj", "cssjfw", "cssjx"),
            Style("城市设计范围", "Urban-design area", "#1f5fa8", "#cfe0f3", 0.55, width=1.6, dash=True), map_order=1,
            measure="urban_design_area", summary_columns=("urban_design_coverage_pct",),
        ),
        # 控规 parcels keep their features and attributes (geocheck.parcels measures them).
        Role(
            "parcels",
            "控规地块",
            "land-use parcels",
            ("地块", "用地规划", "规划用地", "控规用地", "用地布局", "KJGHYD", "ZXCQGHYDYH", "parcels",
             "land_use", "landuse", "land_use_plan"),
        ),
    )
}

# Roles drawn on maps, bottom to top.
DRAWN_ROLES: tuple[Role, ...] = tuple(sorted((r for r in ROLES.values() if r.look), key=lambda r: r.map_order))
# Roles with an area figure in the report: (role key, figure name).
AREA_FIGURES: tuple[tuple[str, str], ...] = tuple((r.key, r.measure) for r in ROLES.values() if r.measure)


# Land that is explicitly not to be built on, or restricted: such a layer is never a role.
NEGATIVE_TERMS = ("非建设", "不可建设", "不宜建设", "禁建", "限建", "禁止建设", "限制建设",
                  "non_construction", "fjsyd")


def normalise(name: str) -> str:
    """Lower-case, unify separators: 'Planning-Boundary ' → 'planning_boundary'."""
    return re.sub(r"[\s\-\.]+", "_", name.strip().lower())


def role_of_layer_name(name: str) -> str | None:
    """The role a layer name suggests, or None."""
    norm = normalise(name)
    if any(_contains(norm, normalise(t)) for t in NEGATIVE_TERMS):
        return None
    best: tuple[int, str] | None = None
    for role in ROLES.values():
        for alias in role.aliases:
            a = normalise(alias)
            if _contains(norm, a) and (best is None or len(a) > best[0]):
                best = (len(a), role.key)
    return best[1] if best else None


def _contains(norm: str, alias: str) -> bool:
    """Chinese aliases match anywhere; ASCII ones as whole words, so 'score' is not 'core'."""
    if not alias.isascii():
        return alias in norm
    return re.search(rf"(^|[^a-z]){re.escape(alias)}($|[^a-z])", norm) is not None


def unassigned_hint(shapes_by_layer: dict[str, int | None], taken) -> tuple[str, str]:
    """(zh, en) listing the layers no role took, with how many areas each draws where known,
    most areas first: where to look when a role has no match."""
    rest = [(n, c) for n, c in shapes_by_layer.items() if n not in set(taken)]
    rest.sort(key=lambda nc: -(nc[1] or 0))
    if not rest:
        return "没有未分配的图层", "no layer is left unassigned"
    zh = "、".join(f"{n}（{c} 个闭合图形）" if c is not None else n for n, c in rest[:12])
    en = ", ".join(f"{n} ({c} closed shape{'s' if c != 1 else ''})" if c is not None else n for n, c in rest[:12])
    more = len(rest) - 12
    return (zh + (f" 等 {len(rest)} 个" if more > 0 else ""), en + (f" and {more} more" if more > 0 else ""))


def assign_roles(layer_names: list[str], explicit: dict[str, str | None],
                 source: str) -> dict[str, str | None]:
    """Map each role to one layer name.

    `explicit` holds layers named by the user (CLI or config) and wins; other roles are
    found by name. Two candidate layers for one role is an error listing both: guessing
    would silently measure the wrong boundary.
    """
    assigned: dict[str, str | None] = {}
    by_norm = {normalise(n): n for n in layer_names}
    for role, wanted in explicit.items():
        if wanted is None:
            continue
        if wanted in layer_names:
            assigned[role] = wanted
        elif normalise(wanted) in by_norm:
            assigned[role] = by_norm[normalise(wanted)]
        else:
            raise RoleError(
                f"layer '{wanted}' given for role {role} not found; layers: {', '.join(layer_names)}",
                source,
            )
    taken = set(assigned.values())
    candidates: dict[str, list[str]] = {}
    for name in layer_names:
        if name in taken:
            continue
        guess = role_of_layer_name(name)
        if guess and guess not in assigned:
            candidates.setdefault(guess, []).append(name)
    for role, names in candidates.items():
        if len(names) > 1:
            raise RoleError(
                f"several layers could be the {ROLES[role].title_en} ({ROLES[role].title_zh}): "
                f"{', '.join(names)}; choose one with --{role.replace('_', '-')} LAYER",
                source,
            )
        assigned[role] = names[0]
    return {role: assigned.get(role) for role in ROLES}
