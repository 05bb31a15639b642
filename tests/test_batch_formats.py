"""`geocheck batch` accepts every format `geocheck check` reads: one registry (geocheck.inputs.formats).

Each format of the registry gets a submission written by GDAL (pyogrio drivers), zip or a
folder; the batch over a folder holding all of them must find each one and reach the verdict
`geocheck check` reaches on it alone.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from cli_tools import GEOCHECK, invoke
from lenient_profiles import references_optional
from geocheck.inputs.formats import FORMATS
from towns import compliant_layers, english, write_gpkg, write_shapefiles

CRS_OPTION = ("--assume-crs", "EPSG:4549", "-p", references_optional())  # DXF carries no CRS; no references


def _multi_layer(driver):
    def write(path: Path) -> Path:
        for i, (name, gdf) in enumerate(compliant_layers().items()):
            pyogrio.write_dataframe(gdf.to_crs(4326) if driver == "KML" else gdf, path, layer=name, driver=driver,
                                    append=i > 0)
        return path
    return write


def _single_layer(driver):
    def write(path: Path) -> Path:  # one layer per file: the planned area, named after its role
        target = path.with_name("规划范围" + path.suffix)
        pyogrio.write_dataframe(compliant_layers()["规划范围"], target, driver=driver)
        return target
    return write


def _shapefile_folder(path: Path) -> Path:
    return write_shapefiles(path.with_suffix(""), english(compliant_layers()))


def _zip(path: Path) -> Path:
    folder = write_shapefiles(path.parent / "zip_src", english(compliant_layers()))
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    shutil.rmtree(folder)
    return path


def _dxf(path: Path) -> Path:
    parts = []
    for name, gdf in compliant_layers().items():
        lines = gdf[["geometry"]].copy()
        lines["geometry"] = lines.geometry.boundary  # closed polylines on a CAD layer per role
        lines["Layer"] = name
        parts.append(lines)
    pyogrio.write_dataframe(gpd.GeoDataFrame(pd.concat(parts), crs="EPSG:4549"), path, driver="DXF")
    return path


def _real_dwg(path: Path) -> Path:
    """No tool here writes DWG: one of GDAL's real test drawings stands in. It is no town (check
    says which layers it holds), so it must be found and get the same error as `check` gives."""
    shutil.copy(Path(__file__).parent / "data" / "dwg" / "triple_circles_r2000.dwg", path)
    return path


NOT_A_TOWN = {".dwg"}

# suffix → how a submission of that format is written (a test below keeps it complete)
WRITERS = {
    ".gpkg": lambda p: write_gpkg(p, compliant_layers()),
    ".shp": _shapefile_folder,
    ".geojson": _single_layer("GeoJSON"),
    ".json": _single_layer("GeoJSON"),
    ".fgb": _single_layer("FlatGeobuf"),
    ".kml": _multi_layer("KML"),
    ".sqlite": _multi_layer("SQLite"),
    ".dxf": _dxf,
    ".dwg": _real_dwg,
    ".zip": _zip,
    ".gdb": _multi_layer("OpenFileGDB"),
}


def test_every_registered_format_has_a_writer_here():
    assert set(WRITERS) == {f.suffix for f in FORMATS}


@pytest.fixture(scope="module")
def round_of_every_format(tmp_path_factory):
    """A folder holding one submission per registered format, each in its own sub-folder."""
    root = tmp_path_factory.mktemp("formats") / "round"
    written = {}
    for fmt in FORMATS:
        folder = root / fmt.suffix.strip(".")
        folder.mkdir(parents=True)
        written[fmt.suffix] = WRITERS[fmt.suffix](folder / f"town{fmt.suffix}")
    (root / "notes.txt").write_text("not a submission", encoding="utf-8")
    return root, written


def test_batch_finds_and_checks_every_format_check_reads(round_of_every_format, tmp_path):
    root, written = round_of_every_format
    out = tmp_path / "out"
    result = subprocess.run([*GEOCHECK, "batch", str(root), "-o", str(out), "-j", "2", "--no-findings",
                             *CRS_OPTION], capture_output=True, text=True)
    assert "Traceback" not in result.stderr and result.stderr == "", result.stderr
    with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {Path(r["path"]).resolve(): r for r in csv.DictReader(fh)}
    assert len(rows) == len(FORMATS)
    for suffix, path in written.items():
        row = rows.get(Path(path).resolve())
        assert row is not None, f"batch did not find the {suffix} submission {path}"
        alone = invoke("check", path, "-f", "json", *CRS_OPTION)
        if suffix in NOT_A_TOWN:
            assert alone.exit_code == 2 and row["verdict"] == "error", suffix
            assert row["error"].split(": ", 1)[1] in alone.output, (row["error"], alone.output)
            continue
        report = json.loads(alone.output)
        assert alone.exit_code in (0, 1), (suffix, alone.output)
        assert row["verdict"] == report["verdict"], suffix  # the same answer in batch and alone
        assert row["verdict"] != "error", (suffix, row["error"])
