"""Which attribute field of a parcel layer serves which purpose.

Institutes name fields differently (YDYHFLDM in the 2023 国土空间规划 database specs, YDDM or
GHYDLBDM in city 控规 specs, 用地代码 in CAD exports). A field is found by its aliases,
case-insensitively; the config's `[fields]` table names it explicitly and wins. The report says
which field served each purpose, so a reviewer can see a wrong guess.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class Purpose:
    key: str
    title_zh: str
    title_en: str
    aliases: tuple[str, ...]


PURPOSES: dict[str, Purpose] = {
    p.key: p
    for p in (
        Purpose("code", "用地代码", "land-use code",
                ("YDYHFLDM", "YDDM", "GHYDLBDM", "CGYDDM", "GHDLDM", "YDFLDM", "YDXZDM",
                 "用地用海分类代码", "用地分类代码", "用地代码", "规划用地代码", "地类代码", "用地性质",
                 "landuse_code", "land_use_code", "lu_code")),
        Purpose("name", "用地名称", "land-use name",
                ("YDYHFLMC", "YDMC", "GHYDLBMC", "CGYDMC", "GHDLMC", "YDFLMC",
                 "用地用海分类名称", "用地分类名称", "用地名称", "规划用地名称", "地类名称",
                 "landuse_name", "land_use_name", "lu_name")),
        Purpose("id", "地块编号", "parcel id", ("DKBH", "BSM", "地块编号", "地块编码", "parcel_id", "parcel_no")),
        Purpose("declared_area", "申报面积", "declared area",
                ("YDMJ", "DKMJ", "TBMJ", "用地面积", "地块面积", "图斑面积", "area_m2", "declared_area")),
        Purpose("far", "容积率", "floor-area ratio (FAR)", ("RJL", "容积率", "far")),
        Purpose("far_max", "容积率上限", "FAR upper limit", ("RJLSX", "容积率上限", "far_max")),
        Purpose("far_min", "容积率下限", "FAR lower limit", ("RJLXX", "容积率下限", "far_min")),
        Purpose("density", "建筑密度", "building coverage (%)", ("JZMD", "建筑密度", "density")),
        Purpose("density_max", "建筑密度上限", "building coverage upper limit (%)", ("JZMDSX", "建筑密度上限")),
        Purpose("green_ratio", "绿地率", "green ratio (%)", ("LDL", "绿地率", "green_ratio")),
        Purpose("green_ratio_min", "绿地率下限", "green ratio lower limit (%)", ("LDLXX", "LDLLX", "绿地率下限")),
        Purpose("green_ratio_max", "绿地率上限", "green ratio upper limit (%)", ("LDLSX", "绿地率上限")),
        Purpose("height", "建筑限高", "height limit (m)", ("JZXG", "建筑限高", "限高", "height_limit")),
    )
}

# Upper/lower pairs checked for order (upper ≥ lower), and which value each bound pairs with.
BOUND_PAIRS = (("far_max", "far_min"), ("green_ratio_max", "green_ratio_min"))
INDICATORS = ("far", "far_max", "far_min", "density", "density_max", "green_ratio", "green_ratio_min",
              "green_ratio_max", "height")

AREA_UNITS = {"m2": 1.0, "ha": 10_000.0, "mu": 10_000.0 / 15.0}


@dataclass
class FieldMap:
    fields: dict[str, str | None]  # purpose → column
    by: dict[str, str]  # purpose → "config" | "alias"
    declared_area_unit: str = "m2"

    def get(self, purpose: str) -> str | None:
        return self.fields.get(purpose)

    def describe(self) -> dict:
        return {p: {"field": self.fields.get(p), "by": self.by.get(p)} for p in PURPOSES} | {
            "declared_area_unit": self.declared_area_unit}


def _norm(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().upper()


def map_fields(columns, overrides: dict | None = None, *, source: str = "") -> FieldMap:
    """Assign columns to purposes: config overrides first, then aliases in order of preference.

    A column named in `[fields]` that the layer lacks is a config error (a silent fallback to
    an alias would check the wrong numbers).
    """
    overrides = dict(overrides or {})
    unit = overrides.pop("declared_area_unit", "m2")
    if unit not in AREA_UNITS:
        raise ConfigError(f"[fields] declared_area_unit must be one of {', '.join(AREA_UNITS)}, not '{unit}'", source)
    by_norm = {_norm(c): c for c in columns if c not in ("geometry", "invalid_reason", "geometry_note")}
    fields: dict[str, str | None] = {}
    by: dict[str, str] = {}
    taken: set[str] = set()
    for purpose, column in overrides.items():
        if purpose not in PURPOSES:
            raise ConfigError(f"[fields] has unknown purpose '{purpose}' (known: {', '.join(PURPOSES)})", source)
        if _norm(column) not in by_norm:
            raise ConfigError(f"[fields] {purpose} = '{column}': the parcel layer has no such field "
                              f"(fields: {', '.join(by_norm.values())})", source)
        fields[purpose], by[purpose] = by_norm[_norm(column)], "config"
        taken.add(by_norm[_norm(column)])
    for purpose, p in PURPOSES.items():
        if purpose in fields:
            continue
        for alias in p.aliases:
            col = by_norm.get(_norm(alias))
            if col is not None and col not in taken:
                fields[purpose], by[purpose] = col, "alias"
                taken.add(col)
                break
        else:
            fields[purpose] = None
    return FieldMap(fields, by, unit)
