"""Mutation fuzzing of submissions: GeoPackage, Shapefile folder and zip (issue 11).

A town whose construction zone lies on a red line (GC401 fails, exit 1) is mutated byte by byte
and record by record. For every mutant geocheck must:
- exit 0, 1, 2 or 3 (never crash, never hang);
- on exit 2 print exactly one `geocheck: error:` line naming the input, no traceback, no
  "internal error"; otherwise print nothing on stderr;
- leave the input byte-identical with nothing new next to it;
- never fail open: when it reports GC401 passing, an independent reader (written here, on the
  raw bytes: struct for the Shapefile, sqlite3 + shapely WKB for the GeoPackage) must find every
  construction record decodable and none on the red line.

Under CI (CI set) a fixed set of seeds runs in well under a minute; locally
GEOCHECK_FUZZ_MUTANTS=500 runs more (seeds 0…N-1 per format).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

import messy_corpus as mc
import towns
from geocheck.cli import cli

RED_BOX = shapely.box(towns.X0 + 250, towns.Y0 + 250, towns.X0 + 350, towns.Y0 + 350)
CONSTRUCTION = "建设用地"
MUTANTS = int(os.environ.get("GEOCHECK_FUZZ_MUTANTS", "40" if os.environ.get("CI") else "100"))


# --------------------------------------------------------------------------- the originals


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "refs").mkdir()
    red = towns.write_gpkg(root / "refs" / "red.gpkg",
                           {"红线": towns.frame([RED_BOX], "EPSG:4549", hxbh=["R1"])})
    (root / "gpkg").mkdir()
    gpkg = mc.gpkg_town(root / "gpkg")
    shp = mc.shp_town(root / "shp")
    zipped = mc.zip_folder(mc.shp_town(root / "zsrc"), root / "zip" / "town.zip")
    ref = f"ecological_red_line={red}"
    for path in (gpkg, shp, zipped):
        code, out, _ = run_check(path, ref)
        assert code == 1 and gc401(out) == "fail", (path, code, out)
    return {"gpkg": gpkg, "shp": shp, "zip": zipped, "ref": ref}


def run_check(path, ref):
    result = CliRunner().invoke(cli, ["check", str(path), "--reference", ref, "--format", "json"])
    return result.exit_code, result.stdout, result.stderr


def gc401(stdout: str) -> str | None:
    report = json.loads(stdout)
    return next(c["status"] for c in report["checks"] if c["code"] == "GC401")


def folder_state(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- mutations


def flip_bytes(rng: random.Random, data: bytes, start: int = 0) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        raw[rng.randrange(start, len(raw))] ^= 1 << rng.randrange(8)
    return bytes(raw)


def poke_int(rng: random.Random, data: bytes, start: int) -> bytes:
    """A plausible-looking but wrong count, type or offset somewhere in the records."""
    at = rng.randrange(start, len(data) - 4)
    value = rng.choice([0, 1, -1, 3, 5, 99, 2**31 - 1, rng.randrange(-2**31, 2**31)])
    fmt = rng.choice(["<i", ">i"])
    return data[:at] + struct.pack(fmt, value) + data[at + 4:]


def nan_coordinate(rng: random.Random, data: bytes, start: int) -> bytes:
    at = rng.randrange(start, len(data) - 8)
    return data[:at] + struct.pack("<d", rng.choice([float("nan"), float("inf"), 1e308])) + data[at + 8:]


def truncate(rng: random.Random, data: bytes, start: int = 0) -> bytes:
    return data[:rng.randrange(max(1, start), len(data))]


SHAPEFILE_MUTATIONS = [flip_bytes, poke_int, nan_coordinate, truncate]


def mutate_shapefile_member(rng: random.Random, name: str, data: bytes) -> bytes:
    """Mutate one part of the construction Shapefile (records past the 100-byte header mostly)."""
    op = rng.choice(SHAPEFILE_MUTATIONS)
    start = 100 if name.endswith((".shp", ".shx")) and rng.random() < 0.8 else 0
    return op(rng, data, start)


def mutate_shapefile_folder(rng: random.Random, folder: Path) -> str:
    ext = rng.choice([".shp", ".shp", ".shp", ".shx", ".dbf"])
    part = folder / f"{CONSTRUCTION}{ext}"
    part.write_bytes(mutate_shapefile_member(rng, part.name, part.read_bytes()))
    return part.name


def mutate_zip(rng: random.Random, target: Path) -> str:
    if rng.random() < 0.4:  # bytes of the archive itself: headers, directory, deflate streams
        target.write_bytes(flip_bytes(rng, target.read_bytes()))
        return "archive bytes"
    with zipfile.ZipFile(target) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    name = f"{CONSTRUCTION}{rng.choice(['.shp', '.shp', '.shx', '.dbf'])}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            z.writestr(info.filename, mutate_shapefile_member(rng, name, data) if info.filename == name else data)
    target.write_bytes(buf.getvalue())
    return name


def sqlite_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    for fn in ("ST_IsEmpty", "ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"):
        conn.create_function(fn, 1, lambda g: 0)
    return conn


def mutate_gpkg(rng: random.Random, gpkg: Path) -> str:
    if rng.random() < 0.3:  # the file's bytes: pages, b-trees, header
        op = rng.choice([flip_bytes, truncate])
        gpkg.write_bytes(op(rng, gpkg.read_bytes(), 100))
        return "file bytes"
    conn = sqlite_connection(gpkg)  # one construction geometry blob, as a broken writer would leave it
    fid, blob = conn.execute(f'SELECT fid, geom FROM "{CONSTRUCTION}" ORDER BY random() LIMIT 1').fetchone()
    op = rng.choice([flip_bytes, poke_int, nan_coordinate, truncate])
    start = 8 if rng.random() < 0.8 else 0  # past the GPKG blob header (magic, version, flags, srs id)
    conn.execute(f'UPDATE "{CONSTRUCTION}" SET geom = ? WHERE fid = ?', (op(rng, blob, start), fid))
    conn.commit()
    conn.close()
    return f"blob of feature {fid}"


# --------------------------------------------------------------------------- independent readers


def shapefile_records(shp: bytes, shx: bytes):
    """Polygons of a Shapefile by its spec (None for a record that does not decode); raises on a
    broken file. Independent of geocheck.inputs.shapefile: written for the test from the ESRI spec."""
    out = []
    for k in range((len(shx) - 100) // 8):
        offset, length = (2 * v for v in struct.unpack(">ii", shx[100 + 8 * k:108 + 8 * k]))
        content = shp[offset + 8:offset + 8 + length]
        if len(content) != length or length < 4:
            out.append(None)
            continue
        (kind,) = struct.unpack("<i", content[:4])
        if kind == 0:
            continue
        try:
            nparts, npoints = struct.unpack("<ii", content[36:44])
            starts = list(struct.unpack(f"<{nparts}i", content[44:44 + 4 * nparts])) + [npoints]
            xy = np.frombuffer(content, "<f8", 2 * npoints, 44 + 4 * nparts).reshape(-1, 2)
            rings = [xy[a:b] for a, b in zip(starts, starts[1:])]
            if kind != 5 or not np.isfinite(xy).all() or any(len(r) < 4 for r in rings):
                out.append(None)
                continue
            out.append(shapely.Polygon(rings[0], rings[1:]))
        except (struct.error, ValueError, shapely.errors.GEOSException):
            out.append(None)
    return out


def gpkg_geometries(gpkg: Path):
    conn = sqlite3.connect(f"file:{gpkg}?immutable=1", uri=True)
    try:
        blobs = [b for (b,) in conn.execute(f'SELECT geom FROM "{CONSTRUCTION}"')]
    finally:
        conn.close()
    out = []
    for blob in blobs:
        if blob is None:
            continue
        try:
            flags = blob[3]
            envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 7)
            geom = shapely.from_wkb(bytes(blob[8 + envelope:]))
            out.append(geom if np.isfinite(shapely.get_coordinates(geom)).all() else None)
        except (TypeError, IndexError, shapely.errors.GEOSException):
            out.append(None)
    return out


def construction_truth(kind: str, path: Path):
    """The mutant's construction records as the independent reader sees them, or None when the
    whole input is broken (nothing to compare: geocheck must then have refused it)."""
    try:
        if kind == "gpkg":
            return gpkg_geometries(path)
        if kind == "shp":
            return shapefile_records((path / f"{CONSTRUCTION}.shp").read_bytes(),
                                     (path / f"{CONSTRUCTION}.shx").read_bytes())
        with zipfile.ZipFile(path) as z:
            return shapefile_records(z.read(f"{CONSTRUCTION}.shp"), z.read(f"{CONSTRUCTION}.shx"))
    except Exception:  # noqa: BLE001 - any failure of the independent reader: input is broken
        return None


# --------------------------------------------------------------------------- the property


MUTATORS = {"gpkg": lambda rng, p: mutate_gpkg(rng, p), "shp": mutate_shapefile_folder, "zip": mutate_zip}


@pytest.mark.parametrize("kind", ["gpkg", "shp", "zip"])
def test_mutants_exit_cleanly_untouched_and_never_fail_open(kind, originals, tmp_path):
    counts = {0: 0, 1: 0, 2: 0, 3: 0}
    for seed in range(MUTANTS):
        rng = random.Random(f"{kind}-{seed}")
        folder = tmp_path / f"m{seed}"
        src = originals[kind]
        target = folder / src.name
        (shutil.copytree if src.is_dir() else lambda a, b, folder=folder: (folder.mkdir(), shutil.copy2(a, b)))(src, target)
        what = MUTATORS[kind](rng, target)
        before = folder_state(folder)
        code, out, err = run_check(target, originals["ref"])
        label = f"{kind} seed {seed} ({what})"
        assert code in counts, (label, code, out, err)
        counts[code] += 1
        assert folder_state(folder) == before, f"{label}: input changed or files written next to it"
        if code == 2:
            lines = [l for l in err.splitlines() if l.strip()]
            assert len(lines) == 1 and lines[0].startswith("geocheck: error:"), (label, err)
            assert "internal error" not in lines[0] and "Traceback" not in err, (label, lines[0])
            assert str(src.name) in lines[0] or str(folder) in lines[0], (label, lines[0])
            continue
        assert err.strip() == "", (label, err)
        if gc401(out) == "pass":
            truth = construction_truth(kind, target)
            assert truth is not None and None not in truth, f"{label}: GC401 passed on an undecodable record"
            assert not any(g.intersects(RED_BOX) and g.intersection(RED_BOX).area > 0.01 for g in truth), \
                f"{label}: GC401 passed although a construction polygon lies on the red line"
    assert counts[2] > 0, counts  # the mutations did reach the readers
