"""Fixtures named after what they trigger. All submissions are real files written by GDAL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import towns
from postgis_server import postgis_available, start_postgis
from towns import frame, rect, write_gpkg, write_shapefiles

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def compliant_gpkg(tmp_path) -> Path:
    return write_gpkg(tmp_path / "compliant.gpkg", towns.compliant_layers())


@pytest.fixture
def gc302_split_construction_gpkg(tmp_path) -> Path:
    """Construction in two parcels 250 m apart (gap > 50 m tolerance): towns.split_construction."""
    return write_gpkg(tmp_path / "split.gpkg", towns.variant("split"))


@pytest.fixture
def gc311_construction_outside_gpkg(tmp_path) -> Path:
    """One parcel 100 × 400 m outside the planned area: towns.outside_construction."""
    return write_gpkg(tmp_path / "outside.gpkg", towns.variant("outside"))


@pytest.fixture
def gc501_core_partly_uncovered_gpkg(tmp_path) -> Path:
    """Urban design covers the west 420 m of a 600 m wide core: 70 % covered."""
    layers = towns.compliant_layers()
    layers["城市设计范围"] = frame([rect(250, 250, 470, 700)], "EPSG:4549")
    return write_gpkg(tmp_path / "uncovered.gpkg", layers)


@pytest.fixture
def gc101_bowtie_boundary_gpkg(tmp_path) -> Path:
    """A self-intersecting (bow-tie) planned area: two triangles of 1.5 km², crossing at one point."""
    layers = towns.compliant_layers()
    layers["规划范围"] = frame([towns.bowtie()], "EPSG:4549")
    return write_gpkg(tmp_path / "bowtie.gpkg", layers)


@pytest.fixture
def missing_core_gpkg(tmp_path) -> Path:
    layers = towns.compliant_layers()
    del layers["核心区"]
    return write_gpkg(tmp_path / "nocore.gpkg", layers)


@pytest.fixture
def compliant_shapefile_folder(tmp_path) -> Path:
    """The compliant town as English-named Shapefiles in EPSG:4490 lon/lat."""
    layers = towns.english(towns.compliant_layers())
    return write_shapefiles(tmp_path / "town_shp", {k: v.to_crs("EPSG:4490") for k, v in layers.items()})


@pytest.fixture
def no_prj_shapefile_folder(compliant_shapefile_folder) -> Path:
    for prj in compliant_shapefile_folder.glob("*.prj"):
        prj.unlink()
    return compliant_shapefile_folder


@pytest.fixture(scope="session")
def postgis(tmp_path_factory):
    """A real PostgreSQL + PostGIS server for this test session (fails, never skips, when absent)."""
    reason = postgis_available()
    if reason:
        pytest.fail(f"PostGIS server needed: {reason}")
    with start_postgis(tmp_path_factory.mktemp("pg")) as server:
        yield server


@pytest.fixture(scope="session")
def report_schema():
    import json

    import jsonschema

    schema = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def tree_digest(path: Path) -> dict[str, str]:
    """sha256 of every file under path (or of path itself): inputs must never change."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture
def script_injection_gpkg(tmp_path) -> Path:
    """Markup in the file name and the construction layer's name (split in two parcels so a
    gap finding names the layer): a report must show it as text, never run it."""
    layers = towns.compliant_layers()
    del layers["建设用地"]
    layers["建设用地<script>alert(1)</script>"] = towns.split_construction(用地性质=["<b>商业</b>", "居住"])
    folder = tmp_path / "submission"
    folder.mkdir()
    return write_gpkg(folder / "<img src=x onerror=document.title=1>.gpkg", layers)


# Markers for a fast inner loop (docs/development.md); CI runs everything. A test is marked by
# what it starts: a PostGIS server (the `postgis` fixture), QGIS, headless Chromium, or many
# processes (batch rounds, fuzzing, hypothesis over real files).
_SLOW_MODULES = {"test_batch", "test_batch_threads", "test_batch_hostile", "test_batch_formats", "test_fuzz_inputs", "test_properties",
                 "test_reference_shapes", "test_messy_inputs", "test_input_safety_contiguity"}
_SLOW_TESTS = {"test_checkerboard_mask_is_refused_fast_in_bounded_memory",
               # every third-party DWG converted through ezdwg (one DWG stays in the inner loop:
               # test_real_dwg_layer_as_boundary_reaches_the_crs_check)
               "test_real_dwg_ends_cleanly",
               # checks the same batch several times over
               "test_profile_file_and_config_file_contents_are_part_of_the_fingerprint",
               "test_editing_a_reference_shapefiles_dbf_is_seen_even_with_its_mtime_kept"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__ if item.module else ""
        if "postgis" in getattr(item, "fixturenames", ()) or module == "test_postgis_server":
            item.add_marker(pytest.mark.postgis)
        if module == "test_qgis_plugin_qgis" or "qgis" in item.name and module == "test_findings_gpkg":
            item.add_marker(pytest.mark.qgis)
        if module == "test_report_browser":
            item.add_marker(pytest.mark.browser)
        if module in _SLOW_MODULES or item.originalname in _SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
