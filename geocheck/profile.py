"""Rule profiles: which checks a jurisdiction applies, with what thresholds and sources.

Profiles are TOML files in rules/ (shipped as geocheck.rules). They are validated on load
against a schema built from the live rule registry, so a typo in a key or a threshold of the
wrong type is a clean error naming the file and the key.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema

from .checks import REGISTRY
from .errors import ProfileError
from .roles import ROLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_PROFILE = "generic"

_RULE_COMMON = {
    "severity": {"type": "string", "enum": ["error", "warning"]},
    "source": {"type": "string", "minLength": 1},
    "note": {"type": "string"},
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

    def describe(self) -> dict:
        return {"name": self.name, "title_zh": self.title_zh, "title_en": self.title_en,
                "source": self.source, "about_band_note": self.about_band_note, "file": self.path}


def schema() -> dict:
    """JSON Schema for a profile, built from the registry so it cannot drift from the code."""
    rule_schemas = {}
    for code, rule in REGISTRY.items():
        s = {
            "type": "object",
            "properties": _RULE_COMMON | rule.params,
            "required": ["source", *rule.required_params],
            "additionalProperties": False,
        }
        if rule.any_of_params:
            s["anyOf"] = [{"required": list(group)} for group in rule.any_of_params]
        rule_schemas[code] = s
    return {
        "type": "object",
        "required": ["name", "title_zh", "title_en", "source", "roles", "rules"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]*$"},
            "title_zh": {"type": "string"},
            "title_en": {"type": "string"},
            "source": {"type": "string", "minLength": 1},
            "about_band_note": {"type": "string"},
            "roles": {
                "type": "object",
                "properties": {r: {"enum": ["required", "optional"]} for r in ROLES},
                "required": ["boundary"],
                "additionalProperties": False,
            },
            "rules": {
                "type": "object",
                "properties": rule_schemas,
                "additionalProperties": False,
                "minProperties": 1,
            },
        },
    }


def bundled_profiles() -> dict[str, Path]:
    """name → path of the profiles shipped in rules/."""
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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read profile ({exc})", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML ({exc})", path) from None
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path) or "(top level)"
        raise ProfileError(f"{where}: {_explain(e)}", path)
    return Profile(
        name=data["name"], title_zh=data["title_zh"], title_en=data["title_en"], source=data["source"],
        about_band_note=data.get("about_band_note", ""),
        roles={r: data["roles"].get(r, "optional") for r in ROLES},
        rules=dict(sorted(data["rules"].items())), path=str(path),
    )


def _explain(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        return f"{error.message} (known keys: {', '.join(known)})"
    if error.validator == "anyOf":
        return "needs at least one of: " + ", ".join(s["required"][0] for s in error.validator_value)
    return error.message
