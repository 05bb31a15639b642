"""geocheck.toml (or [tool.geocheck] in pyproject.toml): an institute's defaults.

How the configuration is found (CLI, batch and the QGIS plugin alike; docs/user-guide.md):

1. `--config FILE`, if given;
2. else the file named by the environment variable GEOCHECK_CONFIG;
3. else the nearest geocheck.toml, or pyproject.toml with [tool.geocheck], in the working
   directory or one of its parents — but never one inside the submission being checked (a
   submission must not bring its own rules); one found there is ignored and the report says so;
4. else none: the bundled `generic` profile and no reference layers.

Every report names the file used (or that none was).

    profile = "zhejiang-2015"
    crs = "EPSG:4549"          # optional; default: the town's GK zone
    [roles]
    boundary = "XX小镇规划红线"
    construction = "建设用地"
    [fields]                   # 控规 parcel attributes, when not found by their usual names
    code = "YDXZ"
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import jsonschema

from .errors import ConfigError, GeocheckError
from .inputs.encoding import parse_option as parse_encoding
from .inputs.safety import read_text_capped
from .profile import profile_beside
from .provenance import sha256_file
from .parcels.fields import AREA_UNITS, PURPOSES
from .roles import ROLES

import tomllib

CONFIG_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "profile": {"type": "string"},
        "town_type": {"type": "string"},
        "crs": {"type": "string"},
        "assume_crs": {"type": "string"},
        "snap_tolerance_m": {"type": "number", "minimum": 0},  # CAD: join line ends this close
        "encoding": {"type": "string"},  # Shapefile/DXF text and zip names, over detection
        "roles": {
            "type": "object",
            "properties": {r: {"type": "string"} for r in ROLES},
            "additionalProperties": False,
        },
        "fields": {  # parcel-layer field names per purpose (geocheck.parcels.fields)
            "type": "object",
            "properties": {p: {"type": "string"} for p in PURPOSES} | {"declared_area_unit": {"enum": list(AREA_UNITS)}},
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
    snap_tolerance_m: float | None = None
    encoding: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    references: dict = field(default_factory=dict)
    town_type: str | None = None
    fields: dict = field(default_factory=dict)  # parcel-layer field names per purpose
    path: Path | None = None  # where it was read from; relative paths resolve against its folder
    found_by: str = "none"  # "--config", "GEOCHECK_CONFIG", "working directory", "none"
    notes: list[dict] = field(default_factory=list)  # e.g. a config inside the submission, ignored

    def describe(self) -> dict:
        return {"path": str(self.path) if self.path else None, "found_by": self.found_by,
                "sha256": sha256_file(self.path) if self.path else None}


CONFIG_ENV = "GEOCHECK_CONFIG"


def discover_config(explicit: Path | None = None, submissions=(), start: Path | None = None) -> Config:
    """The configuration for a run, found the one documented way (see the module docstring)."""
    if explicit:
        return replace(load_config(explicit), found_by="--config")
    if os.environ.get(CONFIG_ENV):
        return replace(load_config(Path(os.environ[CONFIG_ENV])), found_by=CONFIG_ENV)
    inside = [Path(s).resolve() for s in submissions if Path(s).is_dir()]
    here = (start or Path.cwd()).resolve()
    ignored: list[Path] = []
    for folder in (here, *here.parents):
        found = _config_in(folder)
        if found is None or found.path is None:  # a found config always has its path
            continue
        if any(folder == d or d in folder.parents for d in inside):
            ignored.append(found.path)
            continue
        return replace(found, found_by="working directory", notes=_ignored_notes(ignored))
    return Config(notes=_ignored_notes(ignored))


def _ignored_notes(paths: list[Path]) -> list[dict]:
    return [{"zh": f"送审成果内的配置文件 {p} 未被采用（配置不得随送审成果提供）",
             "en": f"the configuration file {p} inside the submission was ignored (a submission "
                   "cannot bring its own configuration)"} for p in paths]


def _config_in(folder: Path) -> Config | None:
    candidate = folder / "geocheck.toml"
    if candidate.is_file():
        return load_config(candidate)
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        if "geocheck" in data.get("tool", {}):
            return _build(data["tool"]["geocheck"], pyproject, "[tool.geocheck]")
    return None


def load_config(path: Path) -> Config:
    path = Path(path)
    if not path.exists():
        raise ConfigError("config file does not exist", path)
    return _build(_read_toml(path), path, "")


def _read_toml(path: Path) -> dict:
    text = read_text_capped(path, error=ConfigError, what="config")  # no FIFO, device or huge file
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read config ({exc})", path) from None


def _build(data: dict, path: Path, prefix: str) -> Config:
    errors = sorted(jsonschema.Draft202012Validator(CONFIG_SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "(top level)"
        raise ConfigError(f"{prefix}{where}: {errors[0].message}", path)
    profile = profile_beside(data["profile"], path.parent) if data.get("profile") else None
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            parse_encoding(encoding, what=f"{prefix}encoding")
        except GeocheckError as exc:
            raise ConfigError(str(exc), path) from None
    return Config(profile=profile, crs=data.get("crs"), assume_crs=data.get("assume_crs"),
                  snap_tolerance_m=data.get("snap_tolerance_m"), encoding=encoding,
                  roles=dict(data.get("roles", {})), references=dict(data.get("references", {})),
                  town_type=data.get("town_type"), fields=dict(data.get("fields", {})), path=path)
