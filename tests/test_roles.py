"""Layer names → roles, the way institutes actually name layers."""

from __future__ import annotations

import pytest

import geocheck
from geocheck.errors import RoleError
from geocheck.roles import assign_roles, role_of_layer_name
from towns import compliant_layers, frame, rect, write_gpkg


@pytest.mark.parametrize("name,role", [
    ("规划范围", "boundary"), ("梦想小镇规划边界", "boundary"), ("四至范围", "boundary"),
    ("Planning_Boundary", "boundary"), ("boundary", "boundary"),
    ("建设用地", "construction"), ("核心建设用地", "construction"), ("近期建设区", "construction"),
    ("construction", "construction"), ("核心区", "core"), ("核心功能区", "core"), ("core_area", "core"),
    ("城市设计范围", "urban_design"), ("核心区城市设计范围", "urban_design"), ("Urban-Design", "urban_design"),
    ("道路红线", None), ("score", None), ("roads", None),
])
def test_role_of_layer_name(name, role):
    assert role_of_layer_name(name) == role


def test_two_candidates_for_one_role_is_an_error_listing_both():
    with pytest.raises(RoleError) as info:
        assign_roles(["规划范围", "规划边界_修改", "建设用地"], {}, "x.gpkg")
    assert "规划范围" in str(info.value) and "规划边界_修改" in str(info.value) and "--boundary" in str(info.value)


def test_explicit_layer_wins_and_resolves_ambiguity():
    roles = assign_roles(["规划范围", "规划边界_修改", "建设用地"], {"boundary": "规划边界_修改"}, "x.gpkg")
    assert roles["boundary"] == "规划边界_修改" and roles["construction"] == "建设用地"


def test_explicit_layer_that_does_not_exist():
    with pytest.raises(RoleError, match="'红线' given for role boundary not found"):
        assign_roles(["规划范围"], {"boundary": "红线"}, "x.gpkg")


def test_report_names_layer_and_file_per_role(tmp_path):
    layers = compliant_layers()
    layers["XX小镇规划红线"] = layers.pop("规划范围")
    path = write_gpkg(tmp_path / "t.gpkg", layers | {"道路": frame([rect(0, 0, 10, 10)], "EPSG:4549")})
    report = geocheck.check(path, roles={"boundary": "XX小镇规划红线"})
    assert report.inputs["roles"]["boundary"] == {
        "file": str(path), "layer": "XX小镇规划红线", "feature_count": 1, "crs_assumed": False,
        "source_crs": "EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)"}
    assert "道路" in report.inputs["layers"]
