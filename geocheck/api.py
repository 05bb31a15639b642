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
from .checks import REGISTRY, run_rule
from .findings import Report
from .measure import contiguity, coverage_pct
from .encoding import parse_option as parse_encoding
from .profile import Profile, load_profile
from .references import ReferenceContext, open_references
from .roles import ROLES
from .submission import Submission, open_submission


def check(
    path: str | Path,
    *,
    profile: str | Path | Profile | None = None,
    roles: dict[str, str | None] | None = None,
    crs: str | CRS | None = None,
    assume_crs: str | CRS | None = None,
    references=None,
    encoding: str | None = None,
) -> Report:
    """Check one submission against a profile.

    Parameters
    ----------
    path : a GeoPackage, a folder or .zip of Shapefiles, or another OGR dataset.
    profile : a bundled profile name (``geocheck rules --list``), a path to a profile file,
        or a loaded Profile; default ``generic``.
    roles : explicit layer names per role (``{"boundary": "规划红线"}``); others are found by name.
    crs : metric CRS to measure in; default the CGCS2000 3° GK zone of the town.
    assume_crs : CRS for layers that carry none (a missing .prj).
    references : reference layers for the GC4xx rules: an opened geocheck.references.ReferenceSet
        (reused across submissions, not closed here), or 'KIND=SOURCE[:LAYER]' strings /
        ReferenceSpecs / a {kind: source} dict (opened and closed here).
    encoding : text encoding of Shapefile attributes and DXF layer names ('GB18030', 'UTF-8' …);
        default: a .cpg or the DBF language byte if the text fits, else detected.

    Raises geocheck.errors.GeocheckError (InputError, ProfileError …) when it cannot check.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    target = _as_crs(crs, "--crs")
    assumed = _as_crs(assume_crs, "--assume-crs")
    refset, owned = open_references(references)
    try:
        sub = open_submission(path, role_layers=roles, target_crs=target, assume_crs=assumed,
                              encoding=parse_encoding(encoding) if encoding else None)
        refs = ReferenceContext(refset, sub)
        results = [run_rule(REGISTRY[code], settings, sub, prof.roles, refs) for code, settings in prof.rules.items()]
        overlaps = refs.measure()
    finally:
        if owned:
            refset.close()
    notes = list(sub.notes) + refs.notes
    if any(l is not None and l.features["invalid_reason"].notna().any() for l in sub.roles.values()):
        notes.append({"zh": "部分要素几何无效，已用 make_valid 修复后计算面积",
                      "en": "some features were invalid and were repaired with make_valid before measuring"})
    return Report(
        tool_version=__version__,
        inputs={
            "path": str(path),
            "layers": [l.name for l in sub.layers],
            "roles": {role: (layer.describe() if layer else None) for role, layer in sub.roles.items()},
            "references": refs.inputs(),
        },
        target_crs=crs_mod.describe(sub.target_crs, sub.crs_chosen_by),
        profile=prof.describe(),
        measurements=measurements(sub, prof) | {"overlaps": overlaps},
        checks=results,
        notes=notes,
        geometries={role: layer.union for role, layer in sub.roles.items() if layer is not None},
    )


def measurements(sub: Submission, prof: Profile) -> dict:
    """The headline numbers, whatever rules the profile runs (null where a role is missing)."""

    def area(role, geodesic=False):
        layer = sub.roles[role]
        if layer is None:
            return None
        return layer.geodesic_area_m2 if geodesic else layer.area_m2

    # Count construction parts with the profile's own gap tolerance when it has one.
    tol = float(prof.rules.get("GC302", {}).get("gap_tolerance_m", 0.0))
    construction = sub.geometry("construction")
    boundary = sub.geometry("boundary")
    core, design = sub.geometry("core"), sub.geometry("urban_design")
    out = {
        "planned_area_m2": area("boundary"),
        "planned_area_geodesic_m2": area("boundary", True),
        "planned_parts": contiguity(boundary, 0).parts if boundary is not None else None,
        "construction_area_m2": area("construction"),
        "construction_area_geodesic_m2": area("construction", True),
        "construction_parts": contiguity(construction, 0).parts if construction is not None else None,
        "construction_groups": contiguity(construction, tol).groups if construction is not None else None,
        "core_area_m2": area("core"),
        "core_area_geodesic_m2": area("core", True),
        "urban_design_area_m2": area("urban_design"),
        "urban_design_area_geodesic_m2": area("urban_design", True),
        "urban_design_coverage_pct": (coverage_pct(core, design)[0]
                                      if core is not None and design is not None else None),
    }
    return out


def _as_crs(value, what) -> CRS | None:
    if value is None or isinstance(value, CRS):
        return value
    return crs_mod.parse_crs(value, what=what)


__all__ = ["check", "measurements", "ROLES"]
