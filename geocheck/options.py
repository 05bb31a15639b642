"""What a check is run with: one parameter object, and every option declared once.

CheckOptions holds everything that changes a check's result. ``geocheck.check()`` takes one
(or the same values as keyword arguments), ``geocheck check`` and ``geocheck batch`` build one
from their flags over the configuration, and a batch sends it to its worker processes (it is
frozen and picklable). ReportOptions holds what a batch writes per submission.

OPTIONS is the one table of the check options: each with its command-line flag and help
(geocheck.cli.options applies the whole table to both commands) and, where a batch manifest
may set it per submission, the manifest column (its name).

    >>> [o.name for o in OPTIONS if o.manifest][:3]
    ['profile', 'boundary', 'construction']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .errors import ConfigError
from .parcels.fields import AREA_UNITS, PURPOSES
from .roles import ROLES

if TYPE_CHECKING:  # annotations only
    from .config import Config


@dataclass(frozen=True)
class CheckOptions:
    """Everything that changes a check's result (see geocheck.check for each field)."""

    profile: Any = None  # a bundled name, a path, or a loaded geocheck.profile.Profile
    roles: tuple[tuple[str, str | None], ...] = ()  # role → layer name, given explicitly
    fields: tuple[tuple[str, str], ...] = ()  # parcel-layer purpose → field name
    crs: Any = None  # target CRS: EPSG:XXXX, WKT, PROJ string or pyproj.CRS
    assume_crs: Any = None  # CRS of layers that carry none
    references: Any = ()  # ReferenceSpecs / 'KIND=SOURCE' strings / {kind: source} / an open ReferenceSet
    encoding: str | None = None
    town_type: str | None = None
    allow_crs_distortion: bool = False
    snap_tolerance: float | None = None  # metres; CAD line ends this close are joined
    config: Config | None = None  # the configuration the options came from, named in the report

    def __post_init__(self):
        # Mappings and lists become tuples: hashable, and equal whatever order they came in.
        for name in ("roles", "fields"):
            value = getattr(self, name)
            object.__setattr__(self, name, tuple(sorted(dict(value or {}).items())))
        if isinstance(self.references, list):
            object.__setattr__(self, "references", tuple(self.references))

    @classmethod
    def of(cls, options: CheckOptions | None = None, **values) -> CheckOptions:
        """`options` (default: none set) with keyword values (geocheck.check's) in place."""
        return replace(options or cls(), **values)

    def overridden(self, values: Iterable[tuple[str, Any]]) -> CheckOptions:
        """These options with per-submission values (OPTIONS name → parsed value, from a batch
        manifest row) in their place: a role or field given replaces only that role or field."""
        out: dict[str, Any] = {"roles": dict(self.roles), "fields": dict(self.fields)}
        for name, value in values:
            BY_NAME[name].apply(out, value)
        return replace(self, **out)


@dataclass(frozen=True)
class ReportOptions:
    """What a batch writes for each submission besides report.json."""

    formats: tuple[str, ...] = ("html",)  # geocheck.report.formats names
    findings: bool = True  # findings.gpkg, styled for QGIS
    lang: str = "zh"


# ---------------------------------------------------------------- the option table

@dataclass(frozen=True)
class Option:
    """One check option: how it is given (flag, manifest column) and which field it sets."""

    name: str  # the command's parameter name and, with `manifest`, the manifest column
    flags: tuple[str, ...]
    help: str
    target: str  # the CheckOptions field it sets
    kind: str = "text"  # text, number (≥ 0), flag, pairs (KEY=VALUE, repeatable), repeat
    metavar: str | None = None
    role: str | None = None  # for target "roles": the role it names the layer of
    config: str | None = None  # the geocheck.config.Config attribute it overrides
    manifest: bool = False  # a batch manifest column of this name sets it per submission

    def parse(self, value, where: str = ""):
        """A value as given (CLI: a string or a tuple of them; manifest: one cell of text,
        several KEY=VALUE pairs separated by ';') → what apply() takes, or a ConfigError."""
        what = where or self.flags[-1]
        if self.kind == "pairs":
            items = [v for item in ((value,) if isinstance(value, str) else value) for v in item.split(";")]
            return tuple(_pair(v, what) for v in items if v.strip())
        if self.kind == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"{what}: '{value}' is not a number") from None
            if not number >= 0:
                raise ConfigError(f"{what}: must be ≥ 0, not {value}")
            return number
        return value.strip() if isinstance(value, str) else value

    def apply(self, out: dict, value) -> None:
        """Set this option's value in `out` (CheckOptions fields, roles and fields as dicts)."""
        if self.target == "roles":
            out["roles"][self.role] = value
        elif self.target == "fields":
            out["fields"].update(value)
        else:
            out[self.target] = value


def _pair(text: str, what: str) -> tuple[str, str]:
    """'code=YDXZ' → ('code', 'YDXZ'), the purpose checked against geocheck.parcels.PURPOSES."""
    key, sep, value = (s.strip() for s in text.partition("="))
    known = [*PURPOSES, "declared_area_unit"]
    if not sep or not value or key not in known:
        raise ConfigError(f"{what}: '{text.strip()}' is not PURPOSE=FIELD (purposes: {', '.join(known)})")
    if key == "declared_area_unit" and value not in AREA_UNITS:
        raise ConfigError(f"{what}: declared_area_unit must be one of {', '.join(AREA_UNITS)}, not '{value}'")
    return key, value


def _role_option(role) -> Option:
    return Option(role.key, (f"--{role.key.replace('_', '-')}",),
                  f"Layer holding the {role.title_en} ({role.title_zh}); default: found by its name.",
                  "roles", metavar="LAYER", role=role.key, config="roles", manifest=True)


OPTIONS: tuple[Option, ...] = (
    Option("profile", ("-p", "--profile"), "Rules profile: a bundled name (see `geocheck profiles`) or a .toml path.",
           "profile", metavar="NAME|FILE", config="profile", manifest=True),
    *(_role_option(role) for role in ROLES.values()),
    Option("field", ("--field",), "Parcel-layer field serving a purpose, repeatable, e.g. code=YDXZ (purposes in "
           "docs/parcels.md; declared_area_unit=m2|ha|mu); default: found by its usual names.",
           "fields", kind="pairs", metavar="PURPOSE=FIELD", config="fields", manifest=True),
    Option("town_type", ("--town-type",), "Kind of town (see `geocheck capabilities`: cultural-tourism, sports …); "
           "a profile may raise or waive a limit for it, quoting its source.",
           "town_type", metavar="TYPE", config="town_type", manifest=True),
    Option("crs", ("--crs",), "Metric CRS to measure in: EPSG:XXXX, WKT or a PROJ string (default: the town's "
           "CGCS2000 3° GK zone).", "crs", metavar="CRS", config="crs", manifest=True),
    Option("allow_crs_distortion", ("--allow-crs-distortion",), "Measure in a --crs whose areas differ from the "
           "geodesic ones by more than the profile allows (refused otherwise); the report says so.",
           "allow_crs_distortion", kind="flag"),
    Option("assume_crs", ("--assume-crs",), "CRS for layers that carry none (missing .prj).",
           "assume_crs", metavar="CRS", config="assume_crs", manifest=True),
    Option("encoding", ("--encoding",), "Text encoding of Shapefile attributes, DXF text and zip member names, "
           "e.g. GB18030 (default: .cpg, DBF language byte, DXF header if the bytes fit it, else detected).",
           "encoding", metavar="CODEC", config="encoding", manifest=True),
    Option("snap_tolerance", ("--snap-tolerance",), "CAD drawings: join line ends and close polylines whose ends "
           "are this close (default: the profile's cad_snap_tolerance_m, else 1 m from rules/cad.json); every "
           "join is a note.", "snap_tolerance", kind="number", metavar="METRES", config="snap_tolerance_m",
           manifest=True),
    Option("reference", ("--reference",), "Reference layer for the 4xx rules, repeatable: KIND (see `geocheck "
           "capabilities`) = a vector file[:LAYER], a GeoTIFF mask, or postgresql://…#schema.table "
           "(docs/references.md); replaces the config's sources of that kind.",
           "references", kind="repeat", metavar="KIND=SOURCE[:LAYER]"),
    Option("reference_crs", ("--reference-crs",), "CRS of a reference source that carries none (a CAD drawing) "
           "or a wrong one, repeatable.", "references", kind="repeat", metavar="KIND=CRS"),
)
BY_NAME = {o.name: o for o in OPTIONS}
MANIFEST_COLUMNS = tuple(o.name for o in OPTIONS if o.manifest)


def options_from(values: Mapping[str, Any], config: Config) -> CheckOptions:
    """CheckOptions from option values as given on the command line (OPTIONS name → value; None,
    () or False when not given) over the configuration's: the command line wins."""
    from .references.spec import collect_specs

    out: dict[str, Any] = {"roles": dict(config.roles), "fields": dict(config.fields), "config": config}
    for opt in OPTIONS:
        if opt.config and opt.target not in ("roles", "fields"):
            out[opt.target] = getattr(config, opt.config)
    for opt in OPTIONS:
        value = values.get(opt.name)
        if opt.target != "references" and not (value is None or value is False or value == ()):
            opt.apply(out, opt.parse(value))
    out["references"] = tuple(collect_specs(values.get("reference"), config, values.get("reference_crs")))
    return CheckOptions(**out)


def manifest_values(cells: Mapping[str, str], where: str) -> tuple[tuple[str, Any], ...]:
    """A manifest row's option cells (column → text; empty: not given) → (name, value) pairs for
    CheckOptions.overridden, or a ConfigError naming the column."""
    return tuple((name, BY_NAME[name].parse(text, f"{where}, column {name}"))
                 for name, text in cells.items() if name in BY_NAME and text.strip())


def validate(options: CheckOptions) -> None:
    """Refuse, before a batch starts, a value every submission would fail on (a typo in
    --encoding, --crs or --town-type), in one line."""
    from .crs import parse_crs
    from .inputs.encoding import parse_option
    from .profile import check_town_type

    check_town_type(options.town_type)
    if options.encoding:
        parse_option(options.encoding)
    for name in ("crs", "assume_crs"):
        if isinstance(getattr(options, name), str):
            parse_crs(getattr(options, name), what=BY_NAME[name].flags[-1])
