"""Reference kinds and how a reference source is named: ``KIND=SOURCE[:LAYER]``.

Sources, by how SOURCE looks:

* ``postgresql://user@host:5432/db#schema.table`` or ``PG:host=… dbname=…#schema.table``:
  a PostGIS table. The table follows ``#`` (connection strings themselves contain ``:`` and
  ``=``, never ``#``); ``#schema.table(geom)`` picks one of several geometry columns.
* ``mask.tif`` / ``mask.tiff`` (``:N`` picks band N, default 1): a raster mask, non-zero cells
  are protected land.
* anything else: an OGR vector dataset (GeoPackage, Shapefile, GeoJSON, .gdb folder …) with
  an optional ``:LAYER``. A path that exists as given is never split, so ``C:\\data\\x.gpkg``
  and layer names are both unambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ConfigError, InputError
from ..looks import Style


@dataclass(frozen=True)
class ReferenceKind:
    name: str
    title_zh: str
    title_en: str
    geometry: str  # "polygon" or "point"
    id_fields: tuple[str, ...]  # default id attribute: the first one the layer has
    name_fields: tuple[str, ...]
    level_fields: tuple[str, ...] = ()
    layer_keywords: tuple[str, ...] = ()  # picks the layer of a multi-layer dataset
    context_look: Style = Style("", "", "#555555")  # the layer drawn under the town on report maps
    finding_look: Style = Style("", "", "#555555")  # construction on it (the status adds outline and hatch)


KINDS: dict[str, ReferenceKind] = {k.name: k for k in (
    ReferenceKind("ecological_red_line", "生态保护红线", "ecological protection red line", "polygon",
                  ("hxbh", "bsm", "id"), ("hxmc", "mc", "name"), layer_keywords=("生态保护红线", "红线", "hx"),
                  context_look=Style("生态保护红线", "Ecological red line", "#1b7f3a", "#a8dcb0", 0.45, width=1.2),
                  finding_look=Style("占用生态保护红线", "On ecological red line", "#8b0000", "#e41a1c", 0.65, width=1.8)),
    ReferenceKind("basic_farmland", "永久基本农田", "permanent basic farmland", "polygon",
                  ("jbnttbbh", "tbbh", "bsm", "id"), ("dlmc", "mc", "name"), layer_keywords=("永久基本农田", "基本农田", "jbnt"),
                  context_look=Style("永久基本农田", "Permanent basic farmland", "#9c7a00", "#fff0a6", 0.6, hatch=".",
                            width=0.8),
                  finding_look=Style("占用永久基本农田", "On permanent basic farmland", "#7a5c00", "#ffd21f", 0.75, width=1.8)),
    ReferenceKind("urban_development_boundary", "城镇开发边界", "urban development boundary", "polygon",
                  ("xzqdm", "bsm", "id"), ("mc", "xzqmc", "name"), layer_keywords=("城镇开发边界", "开发边界", "kfbj"),
                  context_look=Style("城镇开发边界", "Urban development boundary", "#8e24aa", None,
                                        width=1.8, dash="10 3 2 3"),
                  finding_look=Style("城镇开发边界外建设", "Outside urban development boundary",
                                        "#a04000", "#ff8c1a", 0.6, width=1.6)),
    ReferenceKind("heritage_protection_range", "文物保护单位保护范围", "heritage site protection range", "polygon",
                  ("wwbh", "bsm", "id"), ("wwmc", "mc", "name"), ("bhjb",), layer_keywords=("保护范围", "bhfw"),
                  context_look=Style("文物保护范围", "Heritage protection range", "#6d4c41", "#d7ccc8", 0.55,
                                       width=1.0),
                  finding_look=Style("文物保护范围内建设", "In heritage protection range",
                                       "#4a0072", "#b15bd6", 0.65, width=1.8)),
    ReferenceKind("heritage_control_zone", "文物保护单位建设控制地带", "heritage site construction-control zone",
                  "polygon", ("wwbh", "bsm", "id"), ("wwmc", "mc", "name"), ("bhjb",),
                  layer_keywords=("建设控制地带", "控制地带", "jskzdd"),
                  context_look=Style("文物建设控制地带", "Heritage construction-control zone", "#8d6e63",
                                   "#efebe9", 0.45, width=1.0, dash="5 3"),
                  finding_look=Style("文物建设控制地带内建设", "In heritage construction-control zone",
                                   "#6a3d9a", "#d4b0ea", 0.6, width=1.6)),
    ReferenceKind("heritage_points", "文物保护单位（点）", "heritage sites known only as points", "point",
                  ("wwbh", "bsm", "id"), ("wwmc", "mc", "name"), ("bhjb",), layer_keywords=("文物保护单位", "文物", "ww"),
                  context_look=Style("文物保护单位（点）", "Heritage site (point)", "#4e342e", "#a1887f", 1.0,
                             marker="*", width=1.0),
                  finding_look=Style("文物保护单位（假定缓冲区）内建设", "Within an assumed heritage buffer",
                             "#4a0072", "#c88ee0", 0.6, marker="*", width=1.6)),
)}

RASTER_SUFFIXES = (".tif", ".tiff")
_FIELD_KEYS = ("id_field", "name_field", "level_field", "crs")  # crs: for sources that carry none (CAD)


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference source as named by the user, not yet opened."""

    kind: str
    source: str  # a path, or a PostGIS connection string without the #table part
    layer: str | None = None  # layer name, raster band, or [schema.]table[(geom)]
    id_field: str | None = None
    name_field: str | None = None
    level_field: str | None = None
    crs: str | None = None  # the source's CRS when it carries none (CAD) or carries a wrong one

    @property
    def is_postgis(self) -> bool:
        return is_postgis(self.source)

    @property
    def is_raster(self) -> bool:
        return not self.is_postgis and self.source.lower().endswith(RASTER_SUFFIXES)

    @property
    def display(self) -> str:
        """The source as reports show it (a PostGIS password is never shown)."""
        if self.is_postgis:
            return redact(self.source) + (f"#{self.layer}" if self.layer else "")
        return self.source + (f":{self.layer}" if self.layer else "")


def is_postgis(source: str) -> bool:
    s = source.strip()
    return s.startswith(("postgresql://", "postgres://")) or s[:3].upper() == "PG:"


def redact(dsn: str) -> str:
    """A connection string with any password replaced by ***."""
    import re

    dsn = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", dsn)
    dsn = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", dsn, flags=re.I)
    return dsn


def check_kind(kind: str, where: str) -> str:
    kind = kind.strip()
    if kind not in KINDS:
        raise InputError(f"unknown reference kind '{kind}' (kinds: {', '.join(KINDS)})", where)
    return kind


def parse_reference(text: str, *, base: Path | None = None) -> ReferenceSpec:
    """'KIND=SOURCE[:LAYER]' → ReferenceSpec (relative paths resolved against `base`)."""
    if "=" not in text:
        raise InputError("a reference is given as KIND=SOURCE[:LAYER] "
                         f"(kinds: {', '.join(KINDS)})", text)
    kind, source = text.split("=", 1)
    return split_source(check_kind(kind, text), source.strip(), base=base)


def split_source(kind: str, source: str, *, layer: str | None = None, base: Path | None = None,
                 **fields) -> ReferenceSpec:
    """Separate SOURCE from its :LAYER (files) or #TABLE (PostGIS)."""
    if not source:
        raise InputError(f"empty source for reference kind '{kind}'")
    if is_postgis(source):
        dsn, _, in_source = source.partition("#")
        table = in_source or layer
        if not table:
            raise InputError("a PostGIS reference needs its table: "
                             "postgresql://user@host/db#schema.table or 'PG:dbname=… #schema.table'",
                             redact(source))
        return ReferenceSpec(kind, dsn.strip(), table.strip(), **fields)
    path, found_layer = _split_path(source, base)
    if layer is not None and found_layer is not None:
        raise InputError(f"layer given twice ('{found_layer}' and '{layer}')", source)
    return ReferenceSpec(kind, path, layer if layer is not None else found_layer, **fields)


def _split_path(source: str, base: Path | None) -> tuple[str, str | None]:
    def resolve(p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() or base is None else base / q

    if resolve(source).exists():
        return str(resolve(source)), None
    head, sep, tail = source.rpartition(":")
    if sep and head and tail and resolve(head).exists():
        return str(resolve(head)), tail
    raise InputError("reference source does not exist", str(resolve(source)))


def specs_from_config(table: dict, config_path: Path | None) -> list[ReferenceSpec]:
    """The [references] table of geocheck.toml.

        [references]
        ecological_red_line = "refs/红线.gpkg:生态保护红线"
        basic_farmland = { source = "postgresql://gis@db/plan#public.jbnt", id_field = "tbbh" }
        heritage_points = [ "refs/文物.gpkg:文物保护单位", "refs/市级文物.shp" ]

    A kind maps to a source string, a table (source, layer, id_field, name_field,
    level_field) or a list of either. Relative paths are relative to the config file's folder.
    """
    base = config_path.parent if config_path is not None else None
    where = str(config_path) if config_path is not None else "[references]"
    specs = []
    for kind, value in table.items():
        try:
            check_kind(kind, where)
        except InputError as exc:
            raise ConfigError(f"references.{kind}: {exc.problem}", config_path) from None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                specs.append(split_source(kind, item, base=base))
            elif isinstance(item, dict) and isinstance(item.get("source"), str):
                unknown = set(item) - {"source", "layer", "table", *_FIELD_KEYS}
                if unknown:
                    raise ConfigError(f"references.{kind}: unknown keys {sorted(unknown)} "
                                      f"(known: source, layer, table, {', '.join(_FIELD_KEYS)})", config_path)
                fields = {k: str(item[k]) for k in _FIELD_KEYS if k in item}
                layer = item.get("layer", item.get("table"))
                specs.append(split_source(kind, item["source"], layer=None if layer is None else str(layer),
                                          base=base, **fields))
            else:
                raise ConfigError(f"references.{kind}: expected a source string or a table with 'source'",
                                  config_path)
    return specs


def merge_specs(config_specs: list[ReferenceSpec], cli_specs: list[ReferenceSpec]) -> list[ReferenceSpec]:
    """Kinds given on the command line replace the config's sources for those kinds."""
    given = {s.kind for s in cli_specs}
    return [s for s in config_specs if s.kind not in given] + list(cli_specs)


def collect_specs(cli_values, config, crs_values=()) -> list[ReferenceSpec]:
    """`--reference` values (relative to the cwd) over a Config's [references] table;
    `--reference-crs KIND=CRS` values give those kinds' sources a CRS."""
    from_config = specs_from_config(config.references, config.path) if config.references else []
    specs = merge_specs(from_config, [parse_reference(v) for v in cli_values or ()])
    given = {}
    for text in crs_values or ():
        kind, sep, crs = text.partition("=")
        if not sep or not crs.strip():
            raise InputError("--reference-crs is given as KIND=CRS, e.g. heritage_points=EPSG:4549", text)
        given[check_kind(kind, text)] = crs.strip()
    return [replace(s, crs=given[s.kind]) if s.kind in given else s for s in specs]

