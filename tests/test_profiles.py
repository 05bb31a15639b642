"""Profiles in rules/: every bundled one validates and cites its sources; bad ones are refused."""

from __future__ import annotations

import re

import pytest

from geocheck.checks import REGISTRY
from geocheck.errors import ProfileError
from geocheck.profile import bundled_profiles, load_profile

BUNDLED = ["generic", "zhejiang-2015", "gansu", "national-2021"]


def test_required_profiles_are_bundled():
    assert set(BUNDLED) <= set(bundled_profiles())


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profile_cites_a_source_for_every_rule(name):
    prof = load_profile(name)
    assert prof.name == name and prof.source.strip()
    assert prof.roles["boundary"] == "required"
    for code, settings in prof.rules.items():
        assert code in REGISTRY
        assert settings["source"].strip(), f"{name}:{code} has no source"


# The profiles whose sources give "about" (左右) figures; national-2021 states ranges only.
WITH_ABOUT_RULES = ["generic", "zhejiang-2015", "gansu"]


@pytest.mark.parametrize("name", WITH_ABOUT_RULES)
def test_about_rules_state_their_band(name):
    prof = load_profile(name)
    about_codes = [c for c in prof.rules if "about_km2" in prof.rules[c]]
    assert about_codes, f"{name} has no about_km2 rule"
    # The profile explains its reading of 左右 with the same percentages it applies, both bands.
    for code in about_codes:
        for key in ("pass_band_pct", "warn_band_pct"):
            band = prof.rules[code][key]
            assert re.search(rf"±\s*{band:g}\s*%", prof.about_band_note), (name, code, key)
        assert prof.rules[code]["warn_band_pct"] > prof.rules[code]["pass_band_pct"]


@pytest.mark.parametrize("name", sorted(set(BUNDLED) - set(WITH_ABOUT_RULES)))
def test_profiles_left_out_above_have_no_about_rules(name):
    rules = load_profile(name).rules
    assert [c for c in rules if "about_km2" in rules[c]] == []


def test_numbers_follow_domain_reference():
    z = load_profile("zhejiang-2015").rules
    assert z["GC202"]["about_km2"] == 3.0 and z["GC212"]["about_km2"] == 1.0
    g = load_profile("generic").rules
    assert (g["GC201"]["min_km2"], g["GC201"]["max_km2"]) == (3.0, 5.0)
    n = load_profile("national-2021").rules
    assert (n["GC201"]["min_km2"], n["GC201"]["max_km2"], n["GC211"]["min_km2"]) == (1.0, 5.0, 0.5)
    s = load_profile("gansu").rules
    assert s["GC202"]["about_km2"] == 3.0 and s["GC222"]["about_km2"] == 1.0


def _write(tmp_path, text):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    return p


BASE = """
name = "t"
title_zh = "测试"
title_en = "test"
source = "x"
[roles]
boundary = "required"
[references]
[measurement_tolerance]
area_m2 = 1.0
length_m = 0.01
crs_distortion_pct = 0.5
"""


@pytest.mark.parametrize("body,key", [
    ('[rules.GC201]\nmin_km2 = 3\nsevrity = "error"\nsource = "s"\n', "rules.GC201"),  # typo
    ('[rules.GC201]\nmin_km2 = "three"\nsource = "s"\n', "rules.GC201.min_km2"),  # wrong type
    ('[rules.GC201]\nmin_km2 = 3\n', "rules.GC201"),  # no source
    ('[rules.GC201]\nsource = "s"\n', "rules.GC201"),  # neither bound
    ('[rules.GC999]\nsource = "s"\n', "rules"),  # unknown code
    ('[rules.GC202]\nabout_km2 = 3\npass_band_pct = 150\nwarn_band_pct = 30\nsource = "s"\n',
     "rules.GC202.pass_band_pct"),
    ('[rules.GC201]\nmax_km2 = 5\nsource = "s"\n[rules.GC201.exemptions.circus]\nmax_km2 = false\nsource = "s"\n',
     "rules.GC201.exemptions"),  # unknown town type
    ('[rules.GC201]\nmax_km2 = 5\nsource = "s"\n[rules.GC201.exemptions.sports]\nmax_km2 = false\n',
     "rules.GC201.exemptions.sports"),  # an exemption must quote its source
])
def test_bad_profile_names_file_and_key(tmp_path, body, key):
    path = _write(tmp_path, BASE + body)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert message.startswith(str(path)) and f": {key}" in message


def test_profile_that_is_not_toml(tmp_path):
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(_write(tmp_path, "name = [unclosed\n"))


def test_unknown_profile_name_lists_bundled():
    with pytest.raises(ProfileError, match="zhejiang-2015"):
        load_profile("no-such-province")


def test_profile_must_state_its_reference_requirements_and_tolerances(tmp_path):
    body = BASE.replace("[references]\n", "").replace("area_m2 = 1.0\n", "")
    with pytest.raises(ProfileError, match="references"):
        load_profile(_write(tmp_path, body + '[rules.GC201]\nmax_km2 = 5\nsource = "s"\n'))
    with pytest.raises(ProfileError, match="area_m2"):
        load_profile(_write(tmp_path, BASE.replace("area_m2 = 1.0\n", "") + '[rules.GC201]\nmax_km2 = 5\nsource = "s"\n'))


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profiles_require_the_three_control_lines_and_heritage(name):
    prof = load_profile(name)
    assert set(prof.required_reference_kinds()) == {"ecological_red_line", "basic_farmland", "urban_development_boundary"}
    assert prof.reference_groups == [["heritage_protection_range", "heritage_points"]]
    assert prof.measurement_tolerance["area_m2"] == 1.0
