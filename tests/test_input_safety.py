"""Inputs are never touched, never fail open, never hang (issue 11, input side).

Every reader is run on real files written by GDAL (pyogrio, ogr2ogr), SQLite and rasterio; each
test hashes the input's whole folder before and after, so a -wal/-shm file, a checkpoint or a
rebuilt sidecar would show.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine

import messy_corpus as mc
import towns
from cli_tools import GEOCHECK, assert_one_line_error, invoke, run

# A red line under the first construction parcel: the standard town fails GC401 against it.
RED_LINE_BOX = (250, 250, 100, 100)
# The standard town checked without references: every check that runs passes, but the generic
# profile requires the red line, farmland … layers, so the verdict is incomplete (exit 3).
INCOMPLETE_NO_REFERENCES = 3


def folder_state(folder: Path) -> dict[str, str]:
    """Every file under `folder` (names and sha256): new, missing or changed files all show."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check_json(path, *refs, args=()):
    result = invoke("check", path, *[a for r in refs for a in ("--reference", r)], "--format", "json", *args)
    return result, (json.loads(result.output) if result.exit_code in (0, 1, 3) else None)


def status(report, code):
    return next(c["status"] for c in report["checks"] if c["code"] == code)


# --------------------------------------------------------------------------- read-only, every format


def sqlite_connection(path: Path) -> sqlite3.Connection:
    """SQLite as QGIS uses it on a GeoPackage (GPKG triggers call ST_* functions: stand-ins)."""
    conn = sqlite3.connect(path)
    for fn in ("ST_IsEmpty", "ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"):
        conn.create_function(fn, 1, lambda g: 0)
    return conn


def wal_town(folder: Path, *, pending: bool) -> Path:
    """A town GeoPackage as QGIS leaves it open: WAL mode, -wal and -shm next to it. With
    `pending`, the last saved edit is still only in the -wal (not checkpointed)."""
    folder.mkdir()
    gpkg = mc.gpkg_town(folder)
    conn = sqlite_connection(gpkg)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute('UPDATE "规划范围" SET "名称" = \'测试小镇（修订）\'')
    conn.commit()
    if not pending:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # saved into the file; the -wal stays
    snapshot = folder.parent / f"{folder.name}-open"
    shutil.copytree(folder, snapshot)  # the files as they are while the editor holds them
    conn.close()
    shutil.rmtree(folder)
    snapshot.rename(folder)
    assert (folder / "town.gpkg-wal").stat().st_size > 0
    return gpkg


def shapefile_folder(d):
    return mc.shp_town(d)


def zipped_shapefiles(d):
    return mc.zip_folder(mc.shp_town(d / "z"), d / "town.zip")


def file_geodatabase(d):
    (d / "src").mkdir()
    gpkg = mc.gpkg_town(d / "src")
    run(["ogr2ogr", "-f", "OpenFileGDB", d / "town.gdb", gpkg])
    shutil.rmtree(d / "src")
    return d / "town.gdb"


def geojson_folder(d):
    (d / "gj").mkdir()
    for name, gdf in mc.layers().items():
        gdf.to_crs("EPSG:4490").to_file(d / "gj" / f"{name}.geojson", driver="GeoJSON")
    return d / "gj"


def plain_gpkg(d):
    return mc.gpkg_town(d)


def wal_gpkg_saved(d):
    return wal_town(d / "wal", pending=False)


SUBMISSIONS = [plain_gpkg, wal_gpkg_saved, shapefile_folder, zipped_shapefiles, file_geodatabase, geojson_folder]


@pytest.mark.parametrize("build", SUBMISSIONS, ids=[b.__name__ for b in SUBMISSIONS])
def test_reading_a_submission_leaves_its_folder_byte_identical(build, tmp_path):
    (tmp_path / "in").mkdir()
    path = build(tmp_path / "in")
    before = folder_state(tmp_path / "in")
    result, report = check_json(path)
    assert result.exit_code == INCOMPLETE_NO_REFERENCES, result.output
    assert report["measurements"]["construction_area_m2"] == pytest.approx(towns.AREAS["construction_area_m2"], rel=1e-3)
    assert folder_state(tmp_path / "in") == before


def test_saved_wal_geopackage_is_read_with_its_saved_edit(tmp_path):
    gpkg = wal_town(tmp_path / "wal", pending=False)
    before = folder_state(gpkg.parent)
    result, report = check_json(gpkg)
    assert result.exit_code == INCOMPLETE_NO_REFERENCES, result.output
    assert folder_state(gpkg.parent) == before  # not checkpointed, -wal and -shm as they were
    assert set(before) == {"town.gpkg", "town.gpkg-wal", "town.gpkg-shm"}


def test_wal_geopackage_with_pending_changes_is_refused_not_read_stale_nor_checkpointed(tmp_path):
    gpkg = wal_town(tmp_path / "wal", pending=True)
    before = folder_state(gpkg.parent)
    result = invoke("check", gpkg)
    assert_one_line_error(result, str(gpkg), "town.gpkg-wal", "QGIS")
    assert folder_state(gpkg.parent) == before


def test_geopackage_with_hot_rollback_journal_is_refused(tmp_path):
    gpkg = mc.gpkg_town(tmp_path)
    journal = tmp_path / "town.gpkg-journal"
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\x00\x00\x00\x01" * 5 + b"\x00" * 500)
    before = folder_state(tmp_path)
    assert_one_line_error(invoke("check", gpkg), str(gpkg), "town.gpkg-journal")
    assert folder_state(tmp_path) == before


def test_zip_holding_a_geopackage_with_its_wal_is_refused(tmp_path):
    gpkg = wal_town(tmp_path / "wal", pending=True)
    z = mc.zip_folder(gpkg.parent, tmp_path / "town.zip")
    assert_one_line_error(invoke("check", z), "town.gpkg", "write-ahead log")


def red_line_geotiff(d: Path) -> Path:
    """A 10 m mask over the town in EPSG:4549: cells under RED_LINE_BOX are 1."""
    x, y, w, h = RED_LINE_BOX
    data = np.zeros((200, 200), dtype="uint8")  # 2 × 2 km from the town origin
    data[200 - (y + h) // 10:200 - y // 10, x // 10:(x + w) // 10] = 1
    path = d / "red.tif"
    transform = Affine(10, 0, towns.X0, 0, -10, towns.Y0 + 2000)
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=1, dtype="uint8", crs="EPSG:4549",
                       transform=transform, nodata=255) as ds:
        ds.write(data, 1)
    return path


def red_line_wal_gpkg(d: Path) -> Path:
    red = towns.frame([towns.rect(*RED_LINE_BOX)], "EPSG:4549", hxbh=["R1"])
    path = towns.write_gpkg(d / "red.gpkg", {"生态保护红线": red})
    conn = sqlite_connection(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return path


def red_line_shapefile(d: Path) -> Path:
    red = towns.frame([towns.rect(*RED_LINE_BOX)], "EPSG:4549", hxbh=["R1"])
    towns.write_shapefiles(d, {"red": red})
    return d / "red.shp"


REFERENCES = [red_line_geotiff, red_line_wal_gpkg, red_line_shapefile]


@pytest.mark.parametrize("build", REFERENCES, ids=[b.__name__ for b in REFERENCES])
def test_reading_a_reference_leaves_its_folder_byte_identical_and_finds_the_overlap(build, tmp_path):
    (tmp_path / "ref").mkdir()
    ref = build(tmp_path / "ref")
    before = folder_state(tmp_path / "ref")
    result, report = check_json(mc.gpkg_town(tmp_path), f"ecological_red_line={ref}")
    assert result.exit_code == 1, result.output
    assert status(report, "GC401") == "fail"
    overlap = sum(o["area_m2"] for o in report["measurements"]["overlaps"]
                  if o["role"] == "construction" and o["reference_kind"] == "ecological_red_line")
    assert overlap == pytest.approx(100 * 100, rel=1e-6)  # the box lies wholly in parcel 1
    assert folder_state(tmp_path / "ref") == before


# --------------------------------------------------------------------------- never fail open


@pytest.fixture
def shapefile_town_on_the_red_line(tmp_path):
    """The standard town as Shapefiles and a red line under parcel 1: GC401 fails (exit 1)."""
    (tmp_path / "refs").mkdir()
    red = towns.write_gpkg(tmp_path / "refs" / "red.gpkg",
                           {"红线": towns.frame([towns.rect(*RED_LINE_BOX)], "EPSG:4549", hxbh=["R1"])})
    town = mc.shp_town(tmp_path)
    result, report = check_json(town, f"ecological_red_line={red}")
    assert result.exit_code == 1 and status(report, "GC401") == "fail"
    return town, f"ecological_red_line={red}"


REC0 = 100 + 8  # content of record 0 of a .shp: type, bbox (32), parts, points, part starts, points
CORRUPT_RECORDS = {
    "nan_coordinate": ("shp", REC0 + 44 + 4, struct.pack("<d", float("nan")), "NaN"),
    "point_count_too_big": ("shp", REC0 + 40, struct.pack("<i", 10**6), "do not fit"),
    "negative_part_count": ("shp", REC0 + 36, struct.pack("<i", -3), "part or point count"),
    "wrong_shape_type": ("shp", REC0, struct.pack("<i", 3), "shape type 3"),
    "shx_offset_outside": ("shx", 100, struct.pack(">i", 10**6), ".shx index points outside"),
    "part_start_out_of_range": ("shp", REC0 + 44, struct.pack("<i", 99), "part start"),
}


@pytest.mark.parametrize("case", CORRUPT_RECORDS)
def test_undecodable_construction_record_is_an_input_error_not_a_gc401_pass(case, shapefile_town_on_the_red_line):
    town, ref = shapefile_town_on_the_red_line
    part, offset, data, fragment = CORRUPT_RECORDS[case]
    mc.poke(town / f"建设用地.{part}", offset, data)
    assert_one_line_error(invoke("check", town, "--reference", ref), "建设用地.shp", "record 0", fragment)


def sql(gpkg: Path, statement: str, keep_index=False) -> Path:
    """One statement on a GeoPackage through SQLite, as a broken writer would leave it. With
    `keep_index` the R-tree triggers are dropped first, so the index keeps the old extent."""
    conn = sqlite_connection(gpkg)
    if keep_index:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute(statement)
    conn.commit()
    conn.close()
    return gpkg


def test_corrupt_geopackage_geometry_blob_is_an_input_error(tmp_path):
    gpkg = sql(mc.gpkg_town(tmp_path), "UPDATE \"建设用地\" SET geom = X'4750000100000000DEADBEEF' WHERE fid = 1")
    assert_one_line_error(invoke("check", gpkg), str(gpkg), "建设用地", "feature 1", "cannot be decoded")


def misplaced_envelope(gpkg: Path) -> Path:
    """Feature 1 of 建设用地 keeps its polygon, but its blob's envelope (which GDAL does not read)
    says a 1 m box 100 km away: not a geometry by the GeoPackage spec, though GDAL reads a shape."""
    conn = sqlite_connection(gpkg)
    blob = bytearray(conn.execute('SELECT geom FROM "建设用地" WHERE fid = 1').fetchone()[0])
    assert blob[:2] == b"GP" and (blob[3] >> 1) & 7 == 1  # an xy envelope, as GDAL writes one
    blob[8:40] = struct.pack("<4d" if blob[3] & 1 else ">4d", towns.X0 + 1e5, towns.X0 + 1e5 + 1, towns.Y0, towns.Y0 + 1)
    conn.execute('UPDATE "建设用地" SET geom = ? WHERE fid = 1', (bytes(blob),))
    conn.commit()
    conn.close()
    return gpkg


@pytest.mark.parametrize("packed", ["file", "zipped"])
def test_geopackage_blob_whose_envelope_misses_its_geometry_is_refused(packed, tmp_path):
    """On disk the blobs are read with SQLite, in a zip through GDAL: refused either way."""
    gpkg = misplaced_envelope(mc.gpkg_town(tmp_path))
    target = gpkg if packed == "file" else tmp_path / "town.zip"
    if packed == "zipped":
        with zipfile.ZipFile(target, "w") as z:
            z.write(gpkg, gpkg.name)
    assert_one_line_error(invoke("check", target), str(target), "建设用地", "feature 1", "cannot be decoded")


@pytest.mark.parametrize("length", [0, 2, 4, 7])
def test_geopackage_blob_cut_shorter_than_its_header_is_refused(length, tmp_path):
    """A writer that died mid-blob leaves a few bytes: too short to hold the 8-byte header, let
    alone a geometry. One line naming the feature, never an internal error."""
    gpkg = mc.gpkg_town(tmp_path)
    conn = sqlite_connection(gpkg)
    blob = conn.execute('SELECT geom FROM "建设用地" WHERE fid = 1').fetchone()[0]
    conn.execute('UPDATE "建设用地" SET geom = ? WHERE fid = 1', (blob[:length],))
    conn.commit()
    conn.close()
    assert_one_line_error(invoke("check", gpkg), str(gpkg), "建设用地", "feature 1", "cannot be decoded")


@pytest.mark.parametrize("packed", ["file", "zipped"])
def test_curve_types_are_named_as_gdal_names_them(packed, tmp_path):
    """The curve note names the stored geometry types (from the GeoPackage blobs on disk): the
    names GDAL's OGR SQL gives for the same features."""
    gpkg = mc.gpkg_town(tmp_path, skip=("城市设计范围",))
    cx, cy, r = towns.X0 + 600, towns.Y0 + 600, 400
    arc = f"{cx - r} {cy}, {cx} {cy + r}, {cx + r} {cy}, {cx} {cy - r}, {cx - r} {cy}"
    mc.ogr_from_wkt(gpkg, "城市设计范围", [f"CURVEPOLYGON (CIRCULARSTRING ({arc}))",
                                        f"MULTISURFACE (CURVEPOLYGON (CIRCULARSTRING ({arc})))",
                                        f"CURVEPOLYGON Z (CIRCULARSTRING ({arc.replace(',', ' 5,')} 5))",
                                        f"POLYGON (({cx} {cy}, {cx + 10} {cy}, {cx} {cy + 10}, {cx} {cy}))"],
                    "EPSG:4549", "GEOMETRY")
    gdal_names = set(pyogrio.read_dataframe(gpkg, sql='SELECT OGR_GEOMETRY FROM "城市设计范围"', sql_dialect="OGRSQL",
                                            read_geometry=False).iloc[:, 0])
    assert gdal_names == {"CURVEPOLYGON", "MULTISURFACE", "POLYGON"}  # no Z in a type name
    target = gpkg if packed == "file" else tmp_path / "town.zip"
    if packed == "zipped":
        with zipfile.ZipFile(target, "w") as z:
            z.write(gpkg, gpkg.name)
    result, report = check_json(target)
    assert report is not None, result.output  # checked (the small urban-design area may fail a rule)
    note = next(n["en"] for n in report["notes"] if "were linearised" in n["en"])
    assert "curved geometries (CURVEPOLYGON, MULTISURFACE) were linearised" in note, note


def test_null_geometry_is_still_read_as_empty_not_refused(tmp_path):
    """A NULL geometry is a stored absence (GC101 says so), not corruption."""
    gpkg = sql(mc.gpkg_town(tmp_path), "INSERT INTO \"建设用地\" (geom, \"用地性质\") VALUES (NULL, '空')")
    result, report = check_json(gpkg)
    assert result.exit_code in (1, INCOMPLETE_NO_REFERENCES), result.output
    assert report["measurements"]["construction_area_m2"] == pytest.approx(1e6)


def test_polygon_inside_two_nested_collections_is_measured(tmp_path):
    a, b = towns.rect(200, 200, 500, 1000), towns.rect(700, 200, 500, 1000)
    nested = shapely.GeometryCollection([shapely.GeometryCollection([shapely.GeometryCollection([a])]),
                                         b, shapely.Point(towns.X0, towns.Y0)])
    gpkg = mc.gpkg_town(tmp_path, skip=("建设用地",), 建设用地=towns.frame([nested], "EPSG:4549"))
    result, report = check_json(gpkg)
    assert result.exit_code == INCOMPLETE_NO_REFERENCES, result.output
    assert report["measurements"]["construction_area_m2"] == pytest.approx(500 * 1000 * 2)


# --------------------------------------------------------------------------- never hang, never blow up


def run_cli(*args, timeout=60):
    proc = subprocess.run([*GEOCHECK, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return proc


def assert_clean_exit2(proc, *fragments):
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:"), proc.stderr
    assert "internal error" not in lines[0]
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def test_fifo_named_like_a_geopackage_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "town.gpkg"
    os.mkfifo(fifo)
    assert_clean_exit2(run_cli("check", fifo, timeout=30), str(fifo), "FIFO")


@pytest.mark.parametrize("option", ["--profile", "--config"])
def test_profile_or_config_that_is_a_fifo_or_device_is_refused(option, tmp_path):
    town = mc.gpkg_town(tmp_path)
    fifo = tmp_path / "p.toml"
    os.mkfifo(fifo)
    assert_clean_exit2(run_cli("check", town, option, fifo, timeout=30), str(fifo), "FIFO")
    assert_clean_exit2(run_cli("check", town, option, "/dev/zero", timeout=30), "/dev/zero", "device")


def test_oversized_profile_is_refused_before_reading_it_all(tmp_path):
    town = mc.gpkg_town(tmp_path)
    big = tmp_path / "big.toml"
    with open(big, "wb") as fh:  # sparse: 100 GB promised, nothing on disk
        fh.truncate(100 * 1024**3)
    assert_clean_exit2(run_cli("check", town, "--profile", big, timeout=30), str(big), "bytes")


def test_zip_with_a_duplicated_entry_is_refused(tmp_path):
    folder = mc.shp_town(tmp_path / "z")
    target = tmp_path / "dup.zip"
    with zipfile.ZipFile(target, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
        with warnings.catch_warnings():  # zipfile warns of the duplicate this test writes on purpose
            warnings.simplefilter("ignore", UserWarning)
            z.writestr("建设用地.dbf", (folder / "核心区.dbf").read_bytes())  # a second, different copy
    assert_one_line_error(invoke("check", target), str(target), "more than once")


def test_corrupt_zip_member_names_the_archive_and_entry(tmp_path):
    z = mc.zip_folder(mc.shp_town(tmp_path / "z"), tmp_path / "town.zip")
    raw = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("建设用地.dbf")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + info.compress_size - 2):
        raw[i] ^= 0x5A
    z.write_bytes(bytes(raw))
    assert_one_line_error(invoke("check", z), str(z), "建设用地.dbf")


@pytest.mark.parametrize("codec", ["base64", "zlib", "rot13", "hex"])
def test_cpg_naming_a_non_text_codec_is_ignored_and_said(codec, tmp_path):
    town = mc.shp_town(tmp_path)
    (town / "建设用地.cpg").write_text(codec)
    result, report = check_json(town)
    assert result.exit_code == INCOMPLETE_NO_REFERENCES, result.output
    assert report["inputs"]["roles"]["construction"]["encoding"] == "UTF-8"
    assert any(".cpg" in n["en"] and codec in n["en"] for n in report["notes"]), report["notes"]


def claim_records(town: Path, layer: str, records: int) -> None:
    """Make a layer's .dbf and .shx claim `records` records, sparse on disk (nothing written)."""
    dbf, shx = town / f"{layer}.dbf", town / f"{layer}.shx"
    header_len, record_len = struct.unpack("<HH", dbf.read_bytes()[8:12])
    mc.poke(dbf, 4, struct.pack("<I", records))
    with open(dbf, "r+b") as fh:
        fh.truncate(header_len + records * record_len)
    with open(shx, "r+b") as fh:
        fh.truncate(100 + 8 * records)
    mc.poke(shx, 24, struct.pack(">i", (100 + 8 * records) // 2))


def check_in_3_gb(*args):
    return subprocess.run(["bash", "-c", 'ulimit -v 3000000; exec "$@"', "_", *GEOCHECK, *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_sparse_dbf_is_not_read_whole(tmp_path):
    """A DBF claiming 20 million records (sparse on disk) with a matching sparse .shx: refused by
    the record cap, in bounded memory (the whole-file read took GBs)."""
    town = mc.shp_town(tmp_path)
    claim_records(town, "建设用地", 20_000_000)
    assert_clean_exit2(check_in_3_gb("check", town), "建设用地.shp", "records")


def test_wide_dbf_is_refused_by_its_attribute_bytes(tmp_path):
    """250 000 records of 2.5 KB each: under the record cap, over the 512 MiB attribute cap."""
    wide = towns.frame([towns.rect(200, 200, 1000, 1000)], "EPSG:4549",
                       **{f"F{i}": ["x" * 254] for i in range(10)})
    town = mc.shp_town(tmp_path, 建设用地=wide)
    claim_records(town, "建设用地", 250_000)
    assert_clean_exit2(check_in_3_gb("check", town), "建设用地.shp", "bytes of attributes")


# --------------------------------------------------------------------------- reference layers


def red_line_frame(crs="EPSG:4549"):
    return towns.frame([towns.rect(*RED_LINE_BOX)], crs, hxbh=["R1"])


def test_corrupt_red_line_shapefile_record_is_an_input_error_not_a_pass(tmp_path):
    towns.write_shapefiles(tmp_path / "r", {"red": red_line_frame()})
    mc.poke(tmp_path / "r" / "red.shp", REC0 + 44 + 4, struct.pack("<d", float("nan")))
    result = invoke("check", mc.gpkg_town(tmp_path), "--reference", f"ecological_red_line={tmp_path / 'r' / 'red.shp'}")
    assert_one_line_error(result, "red.shp", "record 0", "NaN")


def test_corrupt_red_line_geopackage_blob_is_an_input_error_not_a_pass(tmp_path):
    (tmp_path / "r").mkdir()
    red = sql(towns.write_gpkg(tmp_path / "r" / "red.gpkg", {"红线": red_line_frame()}),
              "UPDATE \"红线\" SET geom = X'4750000100000000DEADBEEF'", keep_index=True)
    result = invoke("check", mc.gpkg_town(tmp_path), "--reference", f"ecological_red_line={red}")
    assert_one_line_error(result, "red.gpkg", "红线", "feature 1", "cannot be decoded")


def test_red_line_whose_prj_says_lonlat_for_metres_is_refused(tmp_path):
    red = red_line_frame().set_crs("EPSG:4490", allow_override=True)
    towns.write_shapefiles(tmp_path / "r", {"red": red})
    result = invoke("check", mc.gpkg_town(tmp_path), "--reference", f"ecological_red_line={tmp_path / 'r' / 'red.shp'}")
    assert_one_line_error(result, "red.shp", "not longitude/latitude")


def test_red_line_with_a_valid_but_wrong_prj_is_not_run_not_a_pass(tmp_path):
    """GK CM 117E declared for coordinates drawn in CM 120E: the layer lands ~290 km west."""
    red = red_line_frame().set_crs("EPSG:4548", allow_override=True)
    towns.write_shapefiles(tmp_path / "r", {"red": red})
    result, report = check_json(mc.gpkg_town(tmp_path), f"ecological_red_line={tmp_path / 'r' / 'red.shp'}")
    assert result.exit_code == 3, result.output
    gc401 = next(c for c in report["checks"] if c["code"] == "GC401")
    assert gc401["status"] == "not_run" and "does not cover the town" in gc401["message_en"]
    assert "未覆盖本小镇" in gc401["message_zh"]
    assert report["verdict"] == "incomplete"


def test_empty_red_line_layer_is_not_run_not_a_pass(tmp_path):
    (tmp_path / "r").mkdir()
    red = towns.write_gpkg(tmp_path / "r" / "red.gpkg", {"红线": red_line_frame().iloc[:0]})
    result, report = check_json(mc.gpkg_town(tmp_path), f"ecological_red_line={red}")
    assert result.exit_code == 3, result.output
    assert "holds no features" in next(c for c in report["checks"] if c["code"] == "GC401")["message_en"]


def write_mask(path: Path, data: np.ndarray, nodata=255, cell=10.0) -> Path:
    transform = Affine(cell, 0, towns.X0 - 500, 0, -cell, towns.Y0 + 2500)
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs="EPSG:4549", transform=transform, nodata=nodata,
                       compress="deflate") as ds:
        ds.write(data, 1)
    return path


def test_all_nodata_mask_is_not_run_not_a_pass(tmp_path):
    tif = write_mask(tmp_path / "nodata.tif", np.full((300, 300), 255, dtype="uint8"))
    result, report = check_json(mc.gpkg_town(tmp_path), f"ecological_red_line={tif}")
    assert result.exit_code == 3, result.output
    gc401 = next(c for c in report["checks"] if c["code"] == "GC401")
    assert gc401["status"] == "not_run" and "nodata everywhere under the town" in gc401["message_en"]


def test_checkerboard_mask_is_refused_fast_in_bounded_memory(tmp_path):
    """One protected region per cell (a checkerboard of 1 m cells): refused by the region cap,
    where polygonising it all took > 600 s and 9 GB."""
    n = 3000
    board = ((np.add.outer(np.arange(n), np.arange(n)) % 2) + 1).astype("uint8")  # 1/2: all protected, 4.5 M regions
    tif = write_mask(tmp_path / "board.tif", board, nodata=0, cell=1.0)
    town = mc.gpkg_town(tmp_path)
    proc = subprocess.run(["bash", "-c", 'ulimit -v 4000000; exec "$@"', "_", *GEOCHECK, "check", str(town),
                           "--reference", f"ecological_red_line={tif}"], capture_output=True, text=True, timeout=120)
    assert_clean_exit2(proc, "board.tif", "separate regions")


def test_red_line_geopackage_with_pending_wal_is_refused_and_untouched(tmp_path):
    gpkg = wal_town(tmp_path / "refwal", pending=True)  # any GeoPackage will do as the source
    before = folder_state(gpkg.parent)
    result = invoke("check", mc.gpkg_town(tmp_path), "--reference", f"ecological_red_line={gpkg}:规划范围")
    assert_one_line_error(result, str(gpkg), "town.gpkg-wal")
    assert folder_state(gpkg.parent) == before


def test_red_line_split_by_county_runs_and_names_the_file_that_misses_the_town(tmp_path):
    """Two sources of one kind, one far away: the rules run on the one covering the town."""
    (tmp_path / "r").mkdir()
    near = towns.write_gpkg(tmp_path / "r" / "near.gpkg", {"红线": red_line_frame()})
    far = red_line_frame()
    far = far.set_geometry(far.geometry.translate(200_000, 0))
    far = towns.write_gpkg(tmp_path / "r" / "far.gpkg", {"红线": far})
    result, report = check_json(mc.gpkg_town(tmp_path), f"ecological_red_line={near}", f"ecological_red_line={far}")
    gc401 = next(c for c in report["checks"] if c["code"] == "GC401")
    assert gc401["status"] == "fail", gc401
    assert any("far.gpkg" in n["en"] and "does not cover the town" in n["en"] for n in report["notes"]), report["notes"]
