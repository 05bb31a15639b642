"""Rule cases as data: tests/rule_cases/GCxxx.toml holds named towns per rule code, run here.

A case file has optional file-level defaults (`town`, `profile`, `[layers]`) and a `[cases.NAME]`
table per case:

- `town = "compliant"` starts from tests/towns.py `compliant_layers` (3.06 km² planned, 1.0 km²
  construction, 0.36 km² core inside a 0.49 km² urban design); `layers` then replace whole layers
  by name (an empty list drops one). A feature is `{rect = [x, y, w, h], ATTR = value …}` in metres
  from the town origin (tests/towns.py `rect`), `{point = [x, y], …}` or `{polygon = [[x, y], …]}`.
- `references` holds reference layers the same way, by kind; they are written to one GeoPackage.
- `profile` names a bundled profile (run with every reference kind optional, see
  lenient_profiles.py); or `rules` is the text of [rules.*] tables for a small inline profile with
  `roles` and `required_references` tables. `params` changes the code's settings in either.
- `status` is the expected status of the file's code; `expect` maps keys of its `measured` dict to
  values computed by arithmetic in the TOML (to `abs`, default 0.01, or `rel`); `xfail = "reason"`
  marks a known bug (strict: it must fail until the bug is fixed).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import shapely

import geocheck
from geocheck.checks import REGISTRY
from geocheck.findings import Status
from geocheck.profile import load_profile
from lenient_profiles import references_optional
from towns import X0, Y0, compliant_layers, frame, rect, write_gpkg

CASES = Path(__file__).parent / "rule_cases"
CRS = "EPSG:4549"
GEOMETRY_KEYS = ("rect", "point", "polygon")
VIOLATING = {Status.FAIL.value, Status.WARN.value}


def load(code: str) -> dict:
    return tomllib.loads((CASES / f"{code}.toml").read_text(encoding="utf-8"))


def all_cases():
    for path in sorted(CASES.glob("GC*.toml")):
        data = load(path.stem)
        for name, case in data["cases"].items():
            merged = {k: v for k, v in data.items() if k != "cases"} | case
            merged["layers"] = data.get("layers", {}) | case.get("layers", {})
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
            yield pytest.param(path.stem, merged, id=f"{path.stem}-{name}", marks=marks)


def features(rows: list[dict]):
    """Case features → a GeoDataFrame with the union of their attributes."""
    def geom(r):
        if "rect" in r:
            return rect(*r["rect"])
        if "point" in r:
            return shapely.Point(X0 + r["point"][0], Y0 + r["point"][1])
        return shapely.Polygon([(X0 + x, Y0 + y) for x, y in r["polygon"]])

    keys = list(dict.fromkeys(k for r in rows for k in r if k not in GEOMETRY_KEYS))
    geoms = [geom(r) for r in rows]
    return frame(geoms, CRS, **{k: [r.get(k) for r in rows] for k in keys})


def build(case: dict, folder: Path) -> tuple[Path, list[str], str]:
    """Write the case's town and references as GeoPackages; return (town, reference specs, profile)."""
    layers = compliant_layers(CRS) if case.get("town") == "compliant" else {}
    layers |= {name: features(rows) for name, rows in case["layers"].items() if rows}
    layers = {k: v for k, v in layers.items() if case["layers"].get(k, True) != []}
    town = write_gpkg(folder / "town.gpkg", layers)
    refs = case.get("references", {})
    if refs:
        write_gpkg(folder / "refs.gpkg", {kind: features(rows) for kind, rows in refs.items()})
    specs = [f"{kind}={folder / 'refs.gpkg'}:{kind}" for kind in refs]
    if "rules" not in case:
        return town, specs, references_optional(case.get("profile", "zhejiang-2015"))
    roles = case.get("roles", {"boundary": "required", "construction": "required"})
    profile = folder / "case.toml"
    profile.write_text(
        'name = "rule-case"\ntitle_zh = "测试"\ntitle_en = "test"\nsource = "test"\n[roles]\n'
        + "".join(f'{k} = "{v}"\n' for k, v in roles.items())
        + "[references]\n" + "".join(f'{k} = "required"\n' for k in case.get("required_references", []))
        + "[measurement_tolerance]\narea_m2 = 1.0\nlength_m = 0.01\ncrs_distortion_pct = 0.5\n"
        + case["rules"], encoding="utf-8")
    return town, specs, str(profile)


@pytest.mark.parametrize("code, case", list(all_cases()))
def test_rule_case(code, case, tmp_path):
    town, specs, profile = build(case, tmp_path)
    if "params" in case:  # the profile's settings of this code, changed for this case
        profile = load_profile(profile)
        profile.rules[code] = profile.rules[code] | case["params"]
    report = geocheck.check(town, profile=profile, references=specs or None, town_type=case.get("town_type"))
    result = report.check(code)  # KeyError: the case's profile does not run its code
    assert result.status.value == case["status"], (result.message_en, result.measured)
    for key, value in case.get("expect", {}).items():
        assert result.measured[key] == pytest.approx(value, abs=case.get("abs", 0.01), rel=case.get("rel")), key


def test_every_registered_code_has_a_passing_and_a_violating_case():
    missing = {}
    for code in REGISTRY:
        path = CASES / f"{code}.toml"
        found = {c["status"] for c in load(code)["cases"].values()} if path.exists() else set()
        if Status.PASS.value not in found or not found & VIOLATING:
            missing[code] = sorted(found)
    assert not missing, f"codes without a pass and a fail/warn case: {missing}"
    assert {p.stem for p in CASES.glob("GC*.toml")} <= set(REGISTRY), "a case file for an unknown code"


def test_every_reference_rule_has_a_not_run_case():
    """A rule that reads a reference kind shows what happens when a required one is not given."""
    lacking = [code for code, rule in REGISTRY.items() if rule.references
               and Status.NOT_RUN.value not in {c["status"] for c in load(code)["cases"].values()}]
    assert not lacking
