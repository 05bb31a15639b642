"""Rule profiles: which checks a jurisdiction applies, with what thresholds and sources.

Profiles are TOML files in rules/ (shipped as geocheck.rules). They are validated on load
against a schema built from the live rule registry, so a typo in a key or a threshold of the
wrong type is a clean error naming the file and the key.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema

from .checks import REGISTRY
from .errors import ConfigError, ProfileError
from .inputs.safety import read_capped
from .parcels.codes import SYSTEMS as LANDUSE_SYSTEMS
from .references.spec import KINDS
from .roles import ROLES

import tomllib

DEFAULT_PROFILE = "generic"
TOWN_TYPES_FILE = "catalogues/town_types.toml"

_RULE_COMMON = {
    "severity": {"type": "string", "enum": ["error", "warning"]},
    "source": {"type": "string", "minLength": 1},
    "source_zh": {"type": "string", "minLength": 1, "description": "the source in Chinese, when `source` is not"},
    "note": {"type": "string"},
    "note_zh": {"type": "string", "description": "the note in Chinese"},
}

# Which land-use classes count as construction, residential and green land, per code system,
# as code prefixes (include) minus code prefixes (exclude). Policy data, so it lives in profiles.
_CLASS_GROUP = {
    "type": "object",
    "properties": {s: {"type": "object", "required": ["include"], "additionalProperties": False,
                       "properties": {"include": {"type": "array", "items": {"type": "string"}},
                                      "exclude": {"type": "array", "items": {"type": "string"}}}}
                   for s in LANDUSE_SYSTEMS} | {"label_zh": {"type": "string"}, "label_en": {"type": "string"},
                                                "note": {"type": "string"}},
    "additionalProperties": False,
}
LANDUSE_SCHEMA = {
    "type": "object",
    "required": ["source", "construction", "residential", "green"],
    "additionalProperties": False,
    "properties": {
        "source": {"type": "string", "minLength": 1},
        "code_systems": {"type": "array", "items": {"enum": list(LANDUSE_SYSTEMS)}, "minItems": 1},
        "construction": _CLASS_GROUP, "residential": _CLASS_GROUP, "green": _CLASS_GROUP,
    },
}


@dataclass
class Profile:
    name: str
    title_zh: str
    title_en: str
    source: str
    about_band_note: str
    roles: dict[str, str]  # role → "required" | "optional"
    rules: dict[str, dict]  # code → settings (severity, source, thresholds)
    path: str
    cad_snap_tolerance_m: float | None = None  # CAD line ends this close are joined (rules/cad.json default)
    references: dict[str, str] = field(default_factory=dict)  # reference kind → "required" | "optional"
    reference_groups: list[list[str]] = field(default_factory=list)  # at least one kind of each is required
    measurement_tolerance: dict = field(default_factory=dict)  # area_m2, length_m, crs_distortion_pct
    sha256: str = ""
    about_band_note_zh: str = ""  # the Chinese report's reading of 左右

    def missing_reference(self, kind: str, given: set[str]) -> tuple[str, str] | None:
        """(zh, en) naming what the profile requires when `kind` is absent, or None if it may be."""
        k = KINDS[kind]
        if self.references.get(kind) == "required":
            return f"{k.title_zh}参考图层", f"the {k.title_en} ({k.title_zh}) reference layer"
        for group in self.reference_groups:
            if kind in group and not given.intersection(group):
                return ("以下参考图层之一：" + "、".join(KINDS[g].title_zh for g in group),
                        "one of these reference layers: " + ", ".join(KINDS[g].title_en for g in group))
        return None

    def required_reference_kinds(self) -> list[str]:
        return [k for k, v in self.references.items() if v == "required"]
    landuse: dict | None = None  # [landuse]: code systems and class groups for the GC6xx parcel rules

    def describe(self) -> dict:
        return {"name": self.name, "title_zh": self.title_zh, "title_en": self.title_en,
                "source": self.source, "about_band_note": self.about_band_note, "file": self.path,
                "sha256": self.sha256, "references_required": self.required_reference_kinds(),
                "references_one_of": self.reference_groups, "measurement_tolerance": self.measurement_tolerance,
                "about_band_note_zh": self.about_band_note_zh,
                "sources_zh": {code: r["source_zh"] for code, r in self.rules.items() if r.get("source_zh")}}


def profile_beside(value: str, folder: Path) -> str:
    """A profile as a file names it (geocheck.toml, a batch manifest): a relative .toml path is
    relative to that file's folder, not to the working directory; a bundled name or an absolute
    path stays as it is."""
    if value.endswith(".toml") and not Path(value).is_absolute():
        return str(folder / value)
    return value


def town_types() -> dict[str, dict]:
    """name → {title_zh, title_en}: the town types profiles may grant exemptions to."""
    return copy.deepcopy(_parsed_toml(_town_types_text()))


def _town_types_text() -> str:
    return resources.files("geocheck.rules").joinpath(TOWN_TYPES_FILE).read_text(encoding="utf-8")


# This module's caches (_parsed_toml, _validated, _validator) are process-wide but never change
# what they hold: each entry is parsed data keyed by the very text (and rule registry) it was
# made from, so it cannot go stale, and callers only ever get copies of it, so no check or thread
# (batch workers run checks in threads) shares anything mutable through them. Parsing the
# town-type catalogue once per rule and validating the profile for every town were a third of a
# batch's per-town time.
@lru_cache(maxsize=16)
def _parsed_toml(text: str) -> dict:
    return tomllib.loads(text)


def check_town_type(value: str | None) -> str | None:
    """A known town type name, or a clean error listing them."""
    if value is None:
        return None
    known = town_types()
    if value not in known:
        raise ConfigError(f"unknown town type '{value}' (known: {', '.join(known)})")
    return value


def _exemptions_schema(params: dict, types: list[str]) -> dict:
    """`exemptions.<town type>`: the parameters a town type overrides (false drops a bound), and why."""
    overrides = {k: {"anyOf": [v, {"const": False}]} for k, v in params.items() if not k.startswith("severity")}
    one = {"type": "object", "required": ["source"], "additionalProperties": False,
           "properties": {"source": {"type": "string", "minLength": 1}, "note": {"type": "string"}} | overrides}
    return {"type": "object", "propertyNames": {"enum": types}, "additionalProperties": one,
            "description": "per town type: parameters replaced for that type of town, with the source allowing it"}


def schema() -> dict:
    """JSON Schema for a profile, built from the registry so it cannot drift from the code."""
    types = list(town_types())
    rule_schemas = {}
    for code, rule in REGISTRY.items():
        s = {
            "type": "object",
            "properties": _RULE_COMMON | rule.params | {"exemptions": _exemptions_schema(rule.params, types)},
            "required": ["source", *rule.required_params],
            "additionalProperties": False,
        }
        if rule.any_of_params:
            s["anyOf"] = [{"required": list(group)} for group in rule.any_of_params]
        rule_schemas[code] = s
    kinds = list(KINDS)
    return {
        "type": "object",
        "required": ["name", "title_zh", "title_en", "source", "roles", "references", "measurement_tolerance",
                     "rules"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]*$"},
            "title_zh": {"type": "string"},
            "title_en": {"type": "string"},
            "source": {"type": "string", "minLength": 1},
            "about_band_note": {"type": "string"},
            "about_band_note_zh": {"type": "string"},
            "cad_snap_tolerance_m": {"type": "number", "minimum": 0},
            "roles": {
                "type": "object",
                "properties": {r: {"enum": ["required", "optional"]} for r in ROLES},
                "required": ["boundary"],
                "additionalProperties": False,
            },
            "references": {
                "type": "object",
                "properties": {k: {"enum": ["required", "optional"]} for k in kinds} | {
                    "one_of": {"type": "array", "items": {"type": "array", "minItems": 2, "uniqueItems": True,
                                                         "items": {"enum": kinds}}}},
                "additionalProperties": False,
            },
            "measurement_tolerance": {
                "type": "object",
                "required": ["area_m2", "length_m", "crs_distortion_pct"],
                "additionalProperties": False,
                "properties": {
                    "area_m2": {"type": "number", "minimum": 0,
                                "description": "an area this close to a bound counts as on it, m²"},
                    "length_m": {"type": "number", "minimum": 0,
                                 "description": "a distance this close to a bound counts as on it, m"},
                    "crs_distortion_pct": {"type": "number", "exclusiveMinimum": 0,
                                           "description": "largest accepted difference between the target CRS's "
                                                          "area and the geodesic area, percent"},
                },
            },
            "landuse": LANDUSE_SCHEMA,
            "rules": {
                "type": "object",
                "properties": rule_schemas,
                "additionalProperties": False,
                "minProperties": 1,
            },
        },
    }


def bundled_profiles() -> dict[str, Path]:
    """name → path of the profiles shipped in rules/ (catalogues live in subfolders)."""
    root = resources.files("geocheck.rules")
    return {Path(str(p)).stem: Path(str(p)) for p in root.iterdir() if str(p).endswith(".toml")}


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """A bundled profile by name, or a profile file by path; validated."""
    name_or_path = name_or_path or DEFAULT_PROFILE
    bundled = bundled_profiles()
    if str(name_or_path) in bundled:
        path = bundled[str(name_or_path)]
    else:
        path = Path(name_or_path)
        if not path.exists():
            raise ProfileError(
                f"no such profile (bundled profiles: {', '.join(sorted(bundled))}; or give a path to a .toml file)",
                name_or_path,
            )
    raw = read_capped(path, error=ProfileError)  # no FIFO, device or huge file
    data, problem = _validated(raw, _schema_key())
    if problem is not None or data is None:
        raise ProfileError(problem or "empty profile", path)
    data = copy.deepcopy(data)  # the cached parse stays untouched (a caller may edit its Profile's rules)
    return Profile(
        name=data["name"], title_zh=data["title_zh"], title_en=data["title_en"], source=data["source"],
        about_band_note=data.get("about_band_note", ""), about_band_note_zh=data.get("about_band_note_zh", ""),
        roles={r: data["roles"].get(r, "optional") for r in ROLES},
        rules=dict(sorted(data["rules"].items())), path=str(path),
        references={k: v for k, v in data["references"].items() if k != "one_of"},
        reference_groups=[list(g) for g in data["references"].get("one_of", [])],
        measurement_tolerance=dict(data["measurement_tolerance"]), sha256=hashlib.sha256(raw).hexdigest(),
        landuse=data.get("landuse"),
        cad_snap_tolerance_m=data.get("cad_snap_tolerance_m"),
    )


def _schema_key() -> tuple:
    """What the schema is made from: the registered rules (by identity: rules are only ever
    added, and the registry keeps them alive) and the town-type catalogue. A schema or a
    validation is reused only while both are exactly these."""
    return tuple((code, id(rule)) for code, rule in REGISTRY.items()), _town_types_text()


@lru_cache(maxsize=32)
def _validated(raw: bytes, schema_key: tuple) -> tuple[dict | None, str | None]:
    """(profile data, None) when `raw` is a valid profile, else (None, what is wrong)."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, f"cannot read profile ({exc})"
    except tomllib.TOMLDecodeError as exc:
        return None, f"not valid TOML ({exc})"
    errors = sorted(_validator(schema_key).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        return None, f"{'.'.join(str(p) for p in e.path) or '(top level)'}: {_explain(e)}"
    return data, None


@lru_cache(maxsize=4)
def _validator(schema_key: tuple) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def _explain(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        return f"{error.message} (known keys: {', '.join(known)})"
    if error.validator == "anyOf":
        return "needs at least one of: " + ", ".join(s["required"][0] for s in error.validator_value)
    return error.message
