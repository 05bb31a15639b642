"""Submission roles and how layer names map to them.

Institutes name layers in Chinese or English, often with the town's name around the role
(梦想小镇规划范围). A layer takes the role whose longest alias its normalised name contains,
so 核心区城市设计范围 is the urban-design area, not the core area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import RoleError


@dataclass(frozen=True)
class Role:
    key: str
    title_zh: str
    title_en: str
    aliases: tuple[str, ...]


ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        Role(
            "boundary",
            "规划范围",
            "planned area",
            ("规划范围", "规划边界", "四至范围", "规划红线范围", "planning_boundary",
             "planned_area", "plan_boundary", "boundary", "planning_area"),
        ),
        Role(
            "construction",
            "建设范围",
            "construction zone",
            ("建设范围", "建设用地", "核心建设用地", "近期建设区", "建设区", "construction",
             "construction_zone", "construction_land", "build_area"),
        ),
        Role(
            "core",
            "核心区",
            "core area",
            ("核心区", "核心功能区", "core_area", "core"),
        ),
        Role(
            "urban_design",
            "城市设计范围",
            "urban-design area",
            ("城市设计范围", "城市设计", "urban_design", "urban_design_area", "design_area"),
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


def normalise(name: str) -> str:
    """Lower-case, unify separators: 'Planning-Boundary ' → 'planning_boundary'."""
    return re.sub(r"[\s\-\.]+", "_", name.strip().lower())


def role_of_layer_name(name: str) -> str | None:
    """The role a layer name suggests, or None."""
    norm = normalise(name)
    best: tuple[int, str] | None = None
    for role in ROLES.values():
        for alias in role.aliases:
            a = normalise(alias)
            # ASCII aliases must match whole words so 'score' is not 'core'.
            hit = (a in norm) if not a.isascii() else re.search(
                rf"(^|[^a-z]){re.escape(a)}($|[^a-z])", norm) is not None
            if hit and (best is None or len(a) > best[0]):
                best = (len(a), role.key)
    return best[1] if best else None


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
        role = role_of_layer_name(name)
        if role and role not in assigned:
            candidates.setdefault(role, []).append(name)
    for role, names in candidates.items():
        if len(names) > 1:
            raise RoleError(
                f"several layers could be the {ROLES[role].title_en} ({ROLES[role].title_zh}): "
                f"{', '.join(names)}; choose one with --{role.replace('_', '-')} LAYER",
                source,
            )
        assigned[role] = names[0]
    return {role: assigned.get(role) for role in ROLES}
