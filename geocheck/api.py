"""The library entry point: open a submission, run a profile's rules, return a Report.

    >>> import geocheck
    >>> report = geocheck.check("sample_data/compliant_town.gpkg", profile="zhejiang-2015")
    >>> report.verdict.value
    'compliant'
"""

from __future__ import annotations

from pathlib import Path

from pyproj import CRS

from . import __version__
from . import crs as crs_mod
from .inputs.cad_layers import settings as cad_settings
from .checks import REGISTRY, Quantity, run_rule
from .findings import Report
from .measure import Measurements, measure
from .inputs.encoding import parse_option as parse_encoding
from .options import CheckOptions
from .errors import CRSError
from .profile import Profile, check_town_type, load_profile
from .provenance import file_digests
from .references import ReferenceContext, open_references
from .roles import AREA_FIGURES, ROLES
from .submission import Submission, open_submission

CONTEXT_MARGIN_M = 300.0  # reference features drawn around the town on report maps


def check(path: str | Path, options: CheckOptions | None = None, **kwargs) -> Report:
    """Check one submission against a profile.

    Options come as a geocheck.options.CheckOptions, as keyword arguments of the same names, or
    both (the keywords replace the object's values):

    path : a GeoPackage, a folder or .zip of Shapefiles, or another OGR dataset.
    profile : a bundled profile name (``geocheck profiles``), a path to a profile file,
        or a loaded Profile; default ``generic``.
    roles : explicit layer names per role (``{"boundary": "规划红线"}``); others are found by name.
    crs : metric CRS to measure in (EPSG:XXXX, WKT, PROJ string or pyproj.CRS); default the
        CGCS2000 3° GK zone of the town.
    assume_crs : CRS for layers that carry none (a missing .prj).
    references : reference layers for the GC4xx rules: an opened geocheck.references.ReferenceSet
        (reused across submissions, not closed here), or 'KIND=SOURCE[:LAYER]' strings /
        ReferenceSpecs / a {kind: source} dict (opened and closed here).
    encoding : text encoding of Shapefile attributes and DXF layer names ('GB18030', 'UTF-8' …);
        default: a .cpg or the DBF language byte if the text fits, else detected.
    town_type : the kind of town ('cultural-tourism', 'sports' … see rules/catalogues/town_types.toml);
        a profile may raise or waive a limit for it, quoting its source.
    allow_crs_distortion : measure in a `crs` whose areas differ from the geodesic ones by more than
        the profile's measurement_tolerance.crs_distortion_pct (refused otherwise), with a note.
    config : the geocheck.config.Config the caller's settings came from, named in the report.
    fields : parcel-layer field names per purpose (``{"code": "YDXZ"}``, see geocheck.parcels.PURPOSES);
        others are found by their aliases.
    snap_tolerance : metres within which CAD line ends are joined to close a boundary; default
        the profile's ``cad_snap_tolerance_m``, else rules/cad.json.

    Raises geocheck.errors.GeocheckError (InputError, ProfileError …) when it cannot check.
    """
    opts = CheckOptions.of(options, **kwargs)
    profile, roles, fields, references = opts.profile, dict(opts.roles), dict(opts.fields), opts.references
    crs, assume_crs, encoding, snap_tolerance = opts.crs, opts.assume_crs, opts.encoding, opts.snap_tolerance
    town_type, allow_crs_distortion, config = opts.town_type, opts.allow_crs_distortion, opts.config
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    town_type = check_town_type(town_type)
    target = _as_crs(crs, "--crs")
    assumed = _as_crs(assume_crs, "--assume-crs")
    if snap_tolerance is not None:
        cad = cad_settings(snap_tolerance)
    elif prof.cad_snap_tolerance_m is not None:
        cad = cad_settings(prof.cad_snap_tolerance_m, "profile")
    else:
        cad = cad_settings()
    refset, owned = open_references(references)
    try:
        sub = open_submission(path, role_layers=roles, target_crs=target, assume_crs=assumed,
                              encoding=parse_encoding(encoding) if encoding else None, cad_settings=cad)
        distortion_notes = check_distortion(sub, prof, allow_crs_distortion)
        refs = ReferenceContext(refset, sub)
        rules = [(REGISTRY[code], settings) for code, settings in prof.rules.items()]
        measured = measure(sub, prof, refs, rules, fields=fields, town_type=town_type)
        results = [run_rule(rule, settings, sub, prof, measured, refs, town_type) for rule, settings in rules]
        context = refs.context(CONTEXT_MARGIN_M)
    finally:
        if owned:
            refset.close()
    notes = list(sub.notes) + distortion_notes + refs.notes + measured.notes + exemption_notes(results)
    if any(l is not None and l.features["invalid_reason"].notna().any() for l in sub.roles.values()):
        notes.append({"zh": "部分要素几何无效，已用 make_valid 修复后计算面积",
                      "en": "some features were invalid and were repaired with make_valid before measuring"})
    notes += config.notes if config is not None else []
    return Report(
        tool_version=__version__,
        inputs={
            "path": str(path),
            "files": file_digests(path),
            "layers": [l.name for l in sub.layers],
            "roles": {role: (layer.describe() if layer else None) for role, layer in sub.roles.items()},
            "references": refs.inputs(),
            "config": config.describe() if config is not None else None,
            "town_type": town_type,
        },
        target_crs=crs_mod.describe(sub.target_crs, sub.crs_chosen_by),
        profile=prof.describe(),
        measurements=measurements(measured),
        checks=results,
        notes=notes,
        # role unions (not the parcels: their union is the planned area again; the findings draw
        # their problems), then the reference context by reference kind (maps only, never serialised)
        geometries={role: layer.union for role, layer in sub.roles.items()
                    if layer is not None and role != "parcels"} | context,
    )


def check_distortion(sub: Submission, prof: Profile, allow: bool) -> list[dict]:
    """Refuse a user-chosen CRS whose areas over this town are off the geodesic ones by more than
    the profile allows (EPSG:3857, a far GK zone): it would flip verdicts with no sign."""
    limit = float(prof.measurement_tolerance["crs_distortion_pct"])
    layer = max((l for l in sub.roles.values() if l is not None), key=lambda l: l.geodesic_area_m2)
    if layer.geodesic_area_m2 <= 0:
        return []
    pct = 100.0 * (layer.area_m2 / layer.geodesic_area_m2 - 1.0)
    if abs(pct) <= limit or sub.crs_chosen_by != "user":
        return []
    label = crs_mod.crs_label(sub.target_crs)
    lon, _ = crs_mod.centre_lonlat(layer.union, sub.target_crs)
    better = crs_mod.crs_label(CRS.from_epsg(crs_mod.gk_cm_epsg(lon)))
    if not allow:
        raise CRSError(f"--crs {label} distorts areas by {pct:+.2f}% over this town (limit "
                       f"{limit:g}% in profile '{prof.name}'); measure in {better}, or pass "
                       "--allow-crs-distortion to accept it")
    return [{"zh": f"计算坐标系 {label} 在本小镇范围内面积变形 {pct:+.2f}%（规则集限值 {limit:g}%），"
                   f"经用户明确同意仍按其量算；建议使用 {better}",
             "en": f"the target CRS {label} distorts areas by {pct:+.2f}% over this town (profile limit "
                   f"{limit:g}%); used because the user allowed it; {better} is recommended"}]


def exemption_notes(results) -> list[dict]:
    """A note per town-type exemption that changed a rule's thresholds."""
    out = []
    for r in results:
        e = (r.threshold or {}).get("exemption")
        if e:
            changed = ", ".join(f"{k}: {v['from']} → {'—' if v['to'] is None else v['to']}" for k, v in e["changed"].items())
            out.append({"zh": f"{r.code} 按小镇类型 {e['town_type']} 调整了控制指标（{changed}），依据：{e['source']}",
                        "en": f"{r.code}: thresholds changed for a {e['town_type']} town ({changed}); source: {e['source']}"})
    return out


# The headline figures that follow a role's two area figures (geocheck.roles: Role.measure), in
# report order; docs/report.schema.json's measurement properties are generated in this order.
FIGURES_AFTER: dict[str, tuple[str, ...]] = {
    "boundary": ("planned_parts",),
    "construction": ("construction_parts", "construction_groups"),
    "urban_design": ("urban_design_coverage_pct",),
}


def measurements(measured: Measurements) -> dict:
    """The report's headline numbers, read from the measure stage (null where a role is missing)."""

    def area(role, geodesic=False):
        a = measured.areas.get(role)
        if a is None:
            return None
        return a.geodesic_m2 if geodesic else a.area_m2

    boundary = measured.get(Quantity.parts("boundary"))
    construction = measured.get(Quantity.parts("construction"))
    uncovered = measured.get(Quantity.outside("core", cover="urban_design"))
    parcels = measured.get(Quantity.parcels())
    tol = measured.group_gap_m.get("construction", 0.0)  # as the contiguity rule counts; 0 without one
    after = {
        "planned_parts": boundary.count if boundary is not None else None,
        "construction_parts": construction.count if construction is not None else None,
        "construction_groups": construction.groups(tol) if construction is not None else None,
        "urban_design_coverage_pct": uncovered.covered_pct if uncovered is not None else None,
    }
    out: dict = {}
    for role, figure in AREA_FIGURES:
        out |= {f"{figure}_m2": area(role), f"{figure}_geodesic_m2": area(role, True)}
        out |= {key: after[key] for key in FIGURES_AFTER.get(role, ())}
    return out | {"overlaps": [o.to_dict() for o in measured.reference_overlaps()],
                  "parcels": parcels.summary() if parcels is not None else None}


def _as_crs(value, what) -> CRS | None:
    if value is None or isinstance(value, CRS):
        return value
    return crs_mod.parse_crs(value, what=what)


__all__ = ["check", "measurements", "FIGURES_AFTER", "ROLES"]
