"""geocheck.toml (or [tool.geocheck] in pyproject.toml): an institute's defaults.

Found in the working directory or the nearest parent that has one, so a team configures once
(profile, role layer names, target CRS) and then runs `geocheck check plan.gpkg`.

    profile = "zhejiang-2015"
    crs = "EPSG:4549"          # optional; default: the town's GK zone
    [roles]
    boundary = "XX小镇规划红线"
    construction = "建设用地"
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from .errors import ConfigError
from .roles import ROLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "profile": {"type": "string"},
        "crs": {"type": "string"},
        "assume_crs": {"type": "string"},
        "roles": {
            "type": "object",
            "properties": {r: {"type": "string"} for r in ROLES},
            "additionalProperties": False,
        },
        "references": {"type": "object"},  # reference layers: kind → source (see the reference-layer docs)
    },
}


@dataclass
class Config:
    profile: str | None = None
    crs: str | None = None
    assume_crs: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    references: dict = field(default_factory=dict)
    path: Path | None = None  # where it was read from; relative paths resolve against its folder


def find_config(start: Path | None = None) -> Config:
    """The nearest geocheck.toml or pyproject.toml with [tool.geocheck], else defaults."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "geocheck.toml"
        if candidate.is_file():
            return load_config(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            data = _read_toml(pyproject)
            if "geocheck" in data.get("tool", {}):
                return _build(data["tool"]["geocheck"], pyproject, "[tool.geocheck]")
    return Config()


def load_config(path: Path) -> Config:
    path = Path(path)
    if not path.is_file():
        raise ConfigError("config file does not exist", path)
    return _build(_read_toml(path), path, "")


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config ({exc})", path) from None


def _build(data: dict, path: Path, prefix: str) -> Config:
    errors = sorted(jsonschema.Draft202012Validator(CONFIG_SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "(top level)"
        raise ConfigError(f"{prefix}{where}: {errors[0].message}", path)
    profile = data.get("profile")
    # A profile given as a relative file path is relative to the config file, not the cwd.
    if profile and profile.endswith(".toml") and not Path(profile).is_absolute():
        profile = str(path.parent / profile)
    return Config(profile=profile, crs=data.get("crs"), assume_crs=data.get("assume_crs"),
                  roles=dict(data.get("roles", {})), references=dict(data.get("references", {})), path=path)
