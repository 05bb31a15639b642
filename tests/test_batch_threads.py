"""A Dask worker running four checks at once in threads writes what a serial run writes.

Nine varied submissions (GeoPackages in two CRSs, one with M values, Shapefile folders in UTF-8
and GBK, a zip, a DXF drawing, a broken file) against file references of every backend that reads files: a
CAD drawing (red line), a raster mask (farmland), a GeoPackage (development boundary) and a
GBK Shapefile without .cpg (heritage points). The threads share the worker's RunContext, so
they read the same opened reference sources at the same time, each with its own GDAL options.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import rasterio
from affine import Affine
from distributed import LocalCluster
from shapely.geometry import Point

import cad_corpus
from geocheck import batch
from geocheck.options import CheckOptions, ReportOptions
from geocheck.references import split_source
from lenient_profiles import references_optional
from messy_corpus import zm_boundary
from towns import X0, Y0, english, frame, rect, variant, write_gpkg, write_shapefiles

LENIENT = references_optional("zhejiang-2015")


def write_references(root: Path) -> tuple:
    """One reference per file backend, each overlapping the construction zone (200–1200 × 200–1200)."""
    root.mkdir()
    red = cad_corpus.write_dxf([cad_corpus.Op("lwpolyline", "生态保护红线", (cad_corpus.rect(600, 300, 300, 300),))],
                               root / "红线.dxf")
    cell, n = 10.0, 200  # farmland mask: 10 m cells over the town, protected in 1000–1400 × 1000–1400
    mask = np.zeros((n, n), "uint8")
    mask[n - 140:n - 100, 100:140] = 1  # rows count down from the top (y = Y0 + 2000)
    tif = root / "jbnt.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint8", crs="EPSG:4549",
                       transform=Affine(cell, 0, X0, 0, -cell, Y0 + n * cell)) as dst:
        dst.write(mask, 1)
    udb = write_gpkg(root / "kfbj.gpkg", {"城镇开发边界": frame([rect(0, 0, 1000, 1800)], "EPSG:4549")})
    heritage = root / "wwbhdw.shp"
    pyogrio.write_dataframe(frame([Point(X0 + 700, Y0 + 1240), Point(X0 + 170, Y0 + 700)], "EPSG:4549",
                                  wwmc=["北寺", "无级别亭"], bhjb=["省级文物保护单位", "未定级"]), heritage, encoding="GBK")
    heritage.with_suffix(".cpg").unlink()
    return (split_source("ecological_red_line", str(red), crs="EPSG:4549"),
            split_source("basic_farmland", str(tif)), split_source("urban_development_boundary", str(udb)),
            split_source("heritage_points", str(heritage)))


def write_round(root: Path) -> None:
    root.mkdir()
    write_gpkg(root / "a_ok.gpkg", variant("ok"))
    write_gpkg(root / "b_split.gpkg", variant("split"))
    write_shapefiles(root / "c_outside", english(variant("outside")))
    folder = write_shapefiles(root.parent / "d_ok", english(variant("ok")))
    with zipfile.ZipFile(root / "d_ok.zip", "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    cad_corpus.write_dxf(cad_corpus.town(), root / "e_town.dxf")
    write_shapefiles(root / "f_gbk", variant("ok"), encoding="GBK")
    (root / "g_broken.gpkg").write_text("not a geopackage", encoding="utf-8")
    write_gpkg(root / "h_lonlat.gpkg", {k: v.to_crs("EPSG:4490") for k, v in variant("split").items()})
    (root.parent / "zm").mkdir()
    shutil.copy(zm_boundary(root.parent / "zm"), root / "i_zm.gpkg")  # read with a notice: M values dropped


def test_threaded_dask_worker_writes_what_a_serial_run_writes(tmp_path):
    write_round(tmp_path / "round")
    options = CheckOptions(profile=LENIENT, assume_crs="EPSG:4549", references=write_references(tmp_path / "refs"))
    report_options = ReportOptions(formats=(), findings=True)  # report.json, and findings.gpkg through GDAL
    jobs = batch.discover(tmp_path / "round")
    assert len(jobs) == 9
    serial = batch.run_batch(jobs, tmp_path / "serial", options, report_options, workers=1)
    with LocalCluster(n_workers=1, threads_per_worker=4, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        threaded = batch.run_batch(jobs, tmp_path / "dask", options, report_options, scheduler=cluster.scheduler_address)

    # The round means something: every reference backend was read, and the verdicts differ.
    reports = {j.name: json.loads((tmp_path / "serial" / j.name / "report.json").read_text(encoding="utf-8"))
               for j in jobs}
    assert {o.verdict for o in serial.outcomes} == {"non_compliant", "error"}
    assert [o.name for o in serial.outcomes if o.verdict == "error"] == ["g_broken"]
    checked = [rep for name, rep in reports.items() if name != "g_broken"]
    assert {r["format"] for rep in checked for r in rep["inputs"]["references"]} == {
        "CAD", "GTiff mask", "GPKG", "ESRI Shapefile"}
    overlapped = {o["reference_kind"] for rep in checked for o in rep["measurements"]["overlaps"] if o["area_m2"] > 0}
    assert overlapped == {"ecological_red_line", "basic_farmland", "urban_development_boundary", "heritage_points"}
    m_notes = {name for name, rep in reports.items() for n in rep.get("notes", []) if "M (measure) values" in n["en"]}
    assert m_notes == {"i_zm"}  # GDAL's notice lands in the report of the town whose read raised it

    assert [o.name for o in threaded.outcomes] == [o.name for o in serial.outcomes]
    for name in ("summary.csv", *(f"{j.name}/report.json" for j in jobs)):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes(), name
    assert masked_summary(tmp_path / "dask") == masked_summary(tmp_path / "serial")
    # nothing was written next to an input by any thread (GDAL's .aux.xml, a gzip index)
    assert not [p for d in ("round", "refs") for p in (tmp_path / d).rglob("*") if p.suffix in (".xml", ".properties")]


def masked_summary(out: Path) -> dict:
    """summary.json without what differs between any two runs of the same round."""
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(data.pop("run_id")) == 32  # a new uuid per run: it names the run, not its results
    for s in data["submissions"]:
        assert s.pop("seconds") > 0  # wall-clock time of the check: differs on every run
    return data

