"""Land-use code systems (rules/landuse/*.toml) and resolving a parcel's code and name.

A code system is data: its codes and names, the pattern a code has and how long each level's
code is (the parent of 070102 is 0701, then 07; of R21 it is R2, then R). Nothing here knows a
particular code: which classes count as construction, residential or green land is profile data
(`[landuse]` in rules/*.toml), matched by code prefix.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..errors import ProfileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SYSTEMS = ("tdyt-2023", "gb50137-2011")
CROSSWALK = "crosswalk-gb50137-tdyt2023"


@dataclass(frozen=True)
class CodeSystem:
    name: str
    title_zh: str
    title_en: str
    source: str
    pattern: re.Pattern
    level_lengths: tuple[int, ...]
    codes: dict[str, str]  # code → name
    by_name: dict[str, tuple[str, ...]]  # name → codes carrying it (several: ambiguous)

    def looks_like(self, code: str) -> bool:
        return bool(self.pattern.match(code))

    def first_level(self, code: str) -> str:
        return code[: self.level_lengths[0]]

    def parents(self, code: str) -> list[str]:
        """The code and its ancestors, longest first (070102, 0701, 07)."""
        return [code[:n] for n in sorted(self.level_lengths, reverse=True) if n <= len(code)]

    def name_of(self, code: str) -> str | None:
        return self.codes.get(code)


def _read(name: str) -> dict:
    path = resources.files("geocheck.rules").joinpath("landuse", f"{name}.toml")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read land-use code list ({exc})", str(path)) from None


@lru_cache(maxsize=None)
def code_system(name: str) -> CodeSystem:
    if name not in SYSTEMS:
        raise ProfileError(f"unknown land-use code system '{name}' (known: {', '.join(SYSTEMS)})", name)
    data = _read(name)
    codes = {str(k): str(v) for k, v in data["codes"].items()}
    by_name: dict[str, list[str]] = {}
    for code, label in codes.items():
        by_name.setdefault(normalise_name(label), []).append(code)
    return CodeSystem(data["name"], data["title_zh"], data["title_en"], data["source"],
                      re.compile(data["pattern"]), tuple(data["level_lengths"]), codes,
                      {k: tuple(v) for k, v in by_name.items()})


@lru_cache(maxsize=None)
def crosswalk() -> dict:
    """{"one_to_one": {gb: tdyt}, "decide": {gb: [tdyt …]}, "source": …}."""
    return _read(CROSSWALK)


def normalise_code(value) -> str | None:
    """'07 01 02' / ' r2 ' / 70102.0 → '070102' / 'R2' / None for blanks.

    Numbers stored as numbers lose their leading zero (0701 → 701.0): restored to an even
    length, as 2023 codes always have 2, 4 or 6 digits.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().upper().replace(" ", "")
    if not text:
        return None
    if text.isdigit() and len(text) % 2 == 1:
        text = "0" + text
    return text


def normalise_name(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")


@dataclass(frozen=True)
class Resolved:
    """What a parcel's code and name mean: `code` is None when neither resolves."""

    system: str | None
    code: str | None
    status: str  # ok | by_name | unknown_code | unknown_name | ambiguous_name | name_mismatch | missing
    detail: str = ""  # the name the code carries (mismatch) or the candidate codes (ambiguous)


def resolve(raw_code, raw_name, systems: tuple[str, ...]) -> Resolved:
    """Resolve one parcel.

    A code that matches a system's pattern and list wins; its name, if given, must be the
    code's name or an ancestor's (a 070102 parcel named 城镇住宅用地 is consistent). A code
    field that holds a name (用地性质 = 二类居住用地) and a parcel with only a name resolve by
    name when the name is unique in one system.
    """
    code = normalise_code(raw_code)
    name = normalise_name(raw_name) if raw_name is not None and str(raw_name).strip() and str(raw_name) != "nan" else None
    if code is not None:
        for sysname in systems:
            cs = code_system(sysname)
            if cs.looks_like(code):
                if code not in cs.codes:
                    return Resolved(sysname, None, "unknown_code", code)
                if name is not None and name not in {normalise_name(cs.codes[c]) for c in cs.parents(code) if c in cs.codes}:
                    return Resolved(sysname, code, "name_mismatch", cs.codes[code])
                return Resolved(sysname, code, "ok")
        # Not a code in any system: perhaps the code field holds a name.
        if name is None:
            name = normalise_name(raw_code)
            by_name = _by_name(name, systems)
            if by_name is not None:
                return by_name
            return Resolved(None, None, "unknown_code", code)
        return Resolved(None, None, "unknown_code", code)
    if name is None:
        return Resolved(None, None, "missing")
    found = _by_name(name, systems)
    return found if found is not None else Resolved(None, None, "unknown_name", name)


def _by_name(name: str, systems) -> Resolved | None:
    """The first system (in the given order) that knows the name decides: 商业用地 is 0901 in
    the 2023 guide and B1 in GB 50137, the same class either way; a name several classes of
    one system share (住宅用地: R11, R21, R31) is ambiguous."""
    for s in systems:
        hits = code_system(s).by_name.get(name, ())
        if len(hits) == 1:
            return Resolved(s, hits[0], "by_name")
        if len(hits) > 1:
            return Resolved(None, None, "ambiguous_name", ", ".join(hits))
    return None


def preferred_order(raw_codes, systems: tuple[str, ...]) -> tuple[str, ...]:
    """Systems ordered by how many of a layer's codes look like theirs, so names in a layer
    coded in GB 50137 resolve in GB 50137 first (ties keep the profile's order)."""
    counts = {s: 0 for s in systems}
    for raw in set(raw_codes):  # distinct values: a layer has thousands of parcels, a few dozen codes
        code = normalise_code(raw)
        if code is None:
            continue
        for s in systems:
            if code_system(s).looks_like(code):
                counts[s] += 1
                break
    return tuple(sorted(systems, key=lambda s: -counts[s]))  # counts distinct codes, not parcels


def in_group(code: str, group: dict) -> bool:
    """Whether a code belongs to a profile class group {include: [prefixes], exclude: [prefixes]}."""
    return (any(code.startswith(p) for p in group.get("include", ()))
            and not any(code.startswith(p) for p in group.get("exclude", ())))
