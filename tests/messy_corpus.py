"""The messy-input corpus: real submissions made at test time with GDAL (pyogrio, ogr2ogr) and
raw byte edits, one case per way real data goes wrong, each with the outcome geocheck owes.

A case builds its input under a folder of its own and returns the path to check; the test
(tests/test_messy_inputs.py) hashes that whole folder before and after, so a file GDAL
rebuilt, extracted or touched would show.
"""

from __future__ import annotations

import shutil
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

import towns
from cli_tools import run
from towns import frame, rect, write_gpkg, write_shapefiles


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    exit_code: int
    fragments: tuple[str, ...]  # in the one error line (exit 2), else in the JSON report
    args: tuple[str, ...] = ()
    json_checks: dict = field(default_factory=dict)  # dotted path in the JSON report → expected value
    # Where geocheck copes (exit 0/1): measurements key → area in m² by arithmetic (rel 1e-3).
    # The standard town's unless the case changes its geometry.
    areas: dict = field(default_factory=lambda: dict(towns.AREAS))


# --- building blocks -----------------------------------------------------------------------

def layers(crs="EPSG:4549"):
    out = towns.compliant_layers()
    return {k: v.to_crs(crs) for k, v in out.items()} if crs != "EPSG:4549" else out


def shp_town(d: Path, crs="EPSG:4549", encoding="UTF-8", **edits) -> Path:
    town = layers(crs)
    town.update(edits)
    return write_shapefiles(d / "town", town, encoding=encoding)


def drop(folder: Path, *suffixes: str) -> Path:
    for s in suffixes:
        for f in folder.glob(f"*{s}"):
            f.unlink()
    return folder


def poke(path: Path, offset: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset:offset + len(data)] = data
    path.write_bytes(bytes(raw))


def cut(path: Path, keep: int | float) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep) if isinstance(keep, float) else keep])


def swap_xy(gdf):
    return gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1]))


def ogr_from_wkt(path: Path, layer: str, wkts: list[str], srs: str, nlt: str) -> Path:
    """Write geometries shapely cannot hold (curves, M) with ogr2ogr from a WKT CSV."""
    csv = path.parent / f"{layer}.csv.txt"
    csv.write_text("id,wkt\n" + "".join(f'{i},"{w}"\n' for i, w in enumerate(wkts)), encoding="utf-8")
    run(["ogr2ogr", "-f", "GPKG", path, f"CSV:{csv}", "-oo", "GEOM_POSSIBLE_NAMES=wkt", "-oo", "KEEP_GEOM_COLUMNS=NO",
         "-a_srs", srs, "-nln", layer, "-nlt", nlt, "-update"])
    csv.unlink()
    return path


def raw_wkb_layer(path: Path, layer: str, wkbs: list[bytes], srs: str | None = "EPSG:4549") -> Path:
    """Write WKB as is (unclosed rings, NaN) — pyogrio's raw writer does not validate.
    srs=None writes a layer without a CRS."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided")  # a missing CRS is the point
        pyogrio.raw.write(path, geometry=np.array(wkbs, dtype=object), field_data=[], fields=[], layer=layer,
                          driver="GPKG", geometry_type="Polygon", crs=srs, append=path.exists())
    return path


def polygon_wkb(*rings) -> bytes:
    """Little-endian WKB of a polygon with these rings, points written as given (none checked)."""
    body = struct.pack("<BII", 1, 3, len(rings))
    for ring in rings:
        body += struct.pack("<I", len(ring)) + b"".join(struct.pack("<dd", *p) for p in ring)
    return body


def gpkg_town(d: Path, name="town.gpkg", skip=(), **extra) -> Path:
    town = {k: v for k, v in layers().items() if k not in skip}
    town.update(extra)
    return write_gpkg(d / name, town)


def zip_folder(folder: Path, target: Path, prefix="") -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, prefix + f.name)
    shutil.rmtree(folder)
    return target


def X(x):
    return towns.X0 + x


def Y(y):
    return towns.Y0 + y


# --- cases: cope and say ---------------------------------------------------------------------

def gbk_shp(d, cpg=None, ldid=None):
    folder = shp_town(d, encoding="GBK")
    for f in folder.glob("*.cpg"):
        if cpg is None:
            f.unlink()
        else:
            f.write_text(cpg, encoding="ascii")
    if ldid is not None:
        for f in folder.glob("*.dbf"):
            poke(f, 29, bytes([ldid]))
    return folder


def no_prj(d, crs, **kw):
    return drop(shp_town(d, crs=crs, **kw), ".prj")


def zone_prefixed(d):
    # EPSG:4528 is CGCS2000 3° GK zone 40 (CM 120E) with the zone number in the easting.
    return no_prj(d, "EPSG:4528")


def zipped_shp(d):
    return zip_folder(shp_town(d), d / "town.zip", prefix="成果/")


def dxf_town(d, gbk: bool):
    """CAD has no CRS: the GBK drawing uses zone-prefixed GK eastings (zone 40), the other plain GK."""
    parts = []
    for name, gdf in layers("EPSG:4528" if gbk else "EPSG:4549").items():
        g = gdf[["geometry"]].copy()
        if not gbk:  # closed polylines (line strings whose ends meet) instead of hatches
            g = g.set_geometry(g.geometry.boundary)
        g["Layer"] = name
        parts.append(g)
    label = gpd.GeoDataFrame({"Layer": ["规划范围"]}, geometry=[shapely.Point(X(800), Y(900))], crs="EPSG:4549")
    road = gpd.GeoDataFrame({"Layer": ["道路"]}, geometry=[shapely.LineString([(X(0), Y(50)), (X(1700), Y(50))])],
                            crs="EPSG:4549")
    label, road = label.to_crs(parts[0].crs), road.to_crs(parts[0].crs)
    parts += [label, road]
    path = d / "town.dxf"
    pyogrio.write_dataframe(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs), path,
                            driver="DXF")
    if gbk:  # as AutoCAD on Chinese Windows saves an R2000 DXF: GBK text, code page ANSI_936
        text = path.read_bytes().decode("utf-8").replace("ANSI_1252", "ANSI_936")
        path.write_bytes(text.encode("gbk"))
    return path


def filegdb(d):
    path = d / "town.gdb"
    for name, gdf in layers().items():
        pyogrio.write_dataframe(gdf, path, layer=name, driver="OpenFileGDB")
    return path


def geojson_folder(d):
    folder = d / "town"
    folder.mkdir()
    for name, gdf in layers("EPSG:4326").items():
        pyogrio.write_dataframe(gdf, folder / f"{name}.geojson", driver="GeoJSON")
    return folder


def kml(d):
    path = d / "town.kml"
    for name, gdf in layers("EPSG:4326").items():
        pyogrio.write_dataframe(gdf, path, layer=name, driver="KML", append=path.exists())
    return path


def zm_boundary(d):
    path = gpkg_town(d, skip=("规划范围",))
    b = rect(0, 0, 1700, 1800)
    ring = ", ".join(f"{x} {y} 12.5 7" for x, y in b.exterior.coords)
    return ogr_from_wkt(path, "规划范围", [f"POLYGON ZM (({ring}))"], "EPSG:4549", "POLYGONZM")


def curved_design(d):
    path = gpkg_town(d, skip=("城市设计范围",))
    cx, cy, r = X(600), Y(600), 500
    arc = f"{cx - r} {cy}, {cx} {cy + r}, {cx + r} {cy}, {cx} {cy - r}, {cx - r} {cy}"
    return ogr_from_wkt(path, "城市设计范围", [f"CURVEPOLYGON (CIRCULARSTRING ({arc}))"], "EPSG:4549",
                        "CURVEPOLYGON")


def collection_boundary(d):
    gc = shapely.GeometryCollection([rect(0, 0, 1700, 1800), shapely.LineString([(X(0), Y(0)), (X(10), Y(10))])])
    return gpkg_town(d, 规划范围=frame([gc], "EPSG:4549"))


def bowtie_boundary(d):
    return gpkg_town(d, 规划范围=frame([towns.bowtie()], "EPSG:4549"))


def unclosed_ring_boundary(d):
    path = gpkg_town(d, skip=("规划范围",))
    ring = list(rect(0, 0, 1700, 1800).exterior.coords)[:-1]  # last point ≠ first
    return raw_wkb_layer(path, "规划范围", [polygon_wkb(ring)])


def duplicate_ring_boundary(d):
    shell = list(rect(0, 0, 1700, 1800).exterior.coords)
    path = gpkg_town(d, skip=("规划范围",))
    return raw_wkb_layer(path, "规划范围", [polygon_wkb(shell, shell), shapely.to_wkb(rect(0, 0, 1700, 1800))])


def empty_feature(d):
    construction = layers()["建设用地"]
    g = frame(list(construction.geometry) + [shapely.Polygon()], "EPSG:4549")
    return gpkg_town(d, 建设用地=g)


# --- cases: refuse ---------------------------------------------------------------------------

def ambiguous_gpkg(d):
    return gpkg_town(d, 规划范围_修改版=layers()["规划范围"])


def zero_byte(d):
    (d / "town.gpkg").write_bytes(b"")
    return d / "town.gpkg"


def text_as_gpkg(d):
    (d / "town.gpkg").write_text("规划范围 3.06 km², see attached CAD drawing\n", encoding="utf-8")
    return d / "town.gpkg"


def truncated(d, suffix, keep):
    folder = shp_town(d)
    for f in folder.glob(f"*{suffix}"):
        cut(f, keep)
    return folder


def truncated_file(d, builder, keep):
    path = builder(d)
    cut(path, keep)
    return path


def zip_slip(d):
    target = d / "a" / "b" / "town.zip"
    target.parent.mkdir(parents=True)
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("../../evil.shp", b"\0" * 200)
        z.writestr("规划范围.shp", b"\0" * 200)
    return target


def zip_bomb(d):
    path = zipped_shp(d)
    # Raise every member's uncompressed size in the central directory to 3 GiB, as a bomb declares.
    raw = bytearray(path.read_bytes())
    pos = 0
    while (pos := raw.find(b"PK\x01\x02", pos)) != -1:
        raw[pos + 24:pos + 28] = struct.pack("<I", 3 * 1024**3)
        pos += 4
    path.write_bytes(bytes(raw))
    return path


def shp_nan(d):
    folder = shp_town(d)
    shp = folder / "规划范围.shp"
    # Points of the first polygon start after the 100-byte header, 8-byte record header, 44 bytes of
    # shape type, box, part and point counts, 4 bytes per part index.
    poke(shp, 100 + 8 + 44 + 4 + 16, struct.pack("<d", float("nan")))  # second point's x
    return folder


def gpkg_inf(d):
    path = gpkg_town(d, skip=("核心区",))
    ring = [(X(300), Y(300)), (float("inf"), Y(300)), (X(900), Y(900)), (X(300), Y(300))]
    return raw_wkb_layer(path, "核心区", [polygon_wkb(ring)])


def huge_coordinates(d):
    return gpkg_town(d, 规划范围=frame([shapely.box(1e30, 1e30, 2e30, 2e30)], "EPSG:4549"))


def degrees_in_projected(d):
    return gpkg_town(d, 规划范围=frame([shapely.box(120.1, 30.1, 120.12, 30.12)], "EPSG:4549"))


def latitude_out_of_range(d):
    return gpkg_town(d, 规划范围=frame([shapely.box(120.1, 95.0, 120.12, 95.02)], "EPSG:4490"))


def swapped_gpkg(d):
    town = layers("EPSG:4490")
    return write_gpkg(d / "town.gpkg", {k: swap_xy(v) for k, v in town.items()})


def swapped_no_prj(d):
    town = {k: swap_xy(v) for k, v in layers("EPSG:4490").items()}
    return drop(write_shapefiles(d / "town", town), ".prj")


def empty_layer(d):
    return gpkg_town(d, 核心区=layers()["核心区"].iloc[0:0])


def only_empty_geometries(d):
    return gpkg_town(d, 核心区=frame([shapely.Polygon()], "EPSG:4549"))


def geojson(d):
    path = d / "规划范围.geojson"
    pyogrio.write_dataframe(layers("EPSG:4326")["规划范围"], path, driver="GeoJSON")
    return path


def gk_in_geojson(d):
    # GeoJSON is lon/lat by definition; metres written into it are a wrong file, not a CRS to guess.
    path = d / "规划范围.geojson"
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
                    '{"type":"Polygon","coordinates":[[[490000,3350000],[491700,3350000],[491700,3351800],'
                    '[490000,3350000]]]}}]}', encoding="utf-8")
    return path


CASES = [
    # cope, and say what was assumed
    Case("shp_gbk_no_cpg", gbk_shp, 0, ("GB18030", "detected from the bytes"),
         json_checks={"inputs.roles.boundary.encoding": "GB18030"}),
    Case("shp_gbk_cpg", lambda d: gbk_shp(d, cpg="GBK"), 0, ("declared by .cpg",),
         json_checks={"inputs.roles.boundary.encoding": "GBK"}),
    Case("shp_gbk_cpg_936", lambda d: gbk_shp(d, cpg="936"), 0, ("declared by .cpg",),
         json_checks={"inputs.roles.boundary.encoding": "GBK"}),
    Case("shp_gbk_cpg_says_utf8", lambda d: gbk_shp(d, cpg="UTF-8"), 0, ("says 'UTF-8' but the text does not fit",),
         json_checks={"inputs.roles.boundary.encoding": "GB18030"}),
    Case("shp_gbk_ldid_4d", lambda d: gbk_shp(d, ldid=0x4D), 0, ("language byte 0x4D",),
         json_checks={"inputs.roles.boundary.encoding": "GBK"}),
    Case("shp_gbk_ldid_ansi", lambda d: gbk_shp(d, ldid=0x57), 0, ("'ANSI'", "GB18030"),
         json_checks={"inputs.roles.boundary.encoding": "GB18030"}),
    Case("shp_encoding_option", gbk_shp, 0, ("as given by --encoding",), ("--encoding", "GBK"),
         json_checks={"inputs.roles.boundary.encoding": "GBK"}),
    Case("shp_utf8_cpg", lambda d: shp_town(d), 0, ("UTF-8", "declared by .cpg"),
         json_checks={"inputs.roles.boundary.encoding": "UTF-8"}),
    Case("no_prj_zone_prefix", zone_prefixed, 0, ("inferred EPSG:4528", "zone prefix 40"),
         json_checks={"inputs.roles.boundary.crs_assumed": True}),
    Case("no_prj_lonlat_china", lambda d: no_prj(d, "EPSG:4490"), 0, ("inferred EPSG:4490",)),
    Case("no_prj_plain_gk_assumed", lambda d: no_prj(d, "EPSG:4549"), 0, ("assumed EPSG:4549",),
         ("--assume-crs", "EPSG:4549")),
    Case("zip_in_place", zipped_shp, 0, ("成果/规划范围.shp",)),
    Case("dxf_hatches_gbk", lambda d: dxf_town(d, gbk=True), 0, ("1 points, images and other entities are not boundaries",
                                                                 "inferred EPSG:4528"),
         json_checks={"inputs.roles.boundary.layer": "规划范围", "inputs.roles.boundary.encoding": "GBK"}),
    Case("dxf_closed_polylines_utf8", lambda d: dxf_town(d, gbk=False), 0, ("UTF-8",), ("--assume-crs", "4549"),
         json_checks={"inputs.roles.construction.layer": "建设用地", "inputs.roles.construction.feature_count": 2}),
    Case("filegdb", filegdb, 0, ("town.gdb",), json_checks={
        "inputs.roles.core.layer": "核心区",
        "inputs.roles.boundary.source_crs": "EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)"}),
    Case("geojson_folder", geojson_folder, 0, ("规划范围.geojson",)),
    Case("kml_layers", kml, 0, ("EPSG:4326",), json_checks={"inputs.roles.urban_design.layer": "城市设计范围"}),
    Case("z_and_m_dropped", zm_boundary, 0, ("Z values were dropped", "M (measure) values were dropped")),
    Case("curves_linearised", curved_design, 0, ("were linearised",)),
    Case("collection_reduced", collection_boundary, 0, ("reduced to their polygons",)),
    # the bow-tie's waist leaves construction land outside it: repaired, measured, and non-compliant
    Case("bowtie_repaired", bowtie_boundary, 1, ("Self-intersection", "make_valid"),
         areas=towns.AREAS | {"planned_area_m2": 2 * 3000 * 2000 / 4}),  # make_valid keeps both triangles
    Case("unclosed_ring_repaired", unclosed_ring_boundary, 0, ("Ring not closed",)),
    Case("duplicate_ring_repaired", duplicate_ring_boundary, 0, ("Self-intersection",)),
    Case("empty_geometry_reported", empty_feature, 0, ("empty geometry",)),
    # refuse: exit 2, one line naming the file and the problem
    Case("no_prj_plain_gk", lambda d: no_prj(d, "EPSG:4549"), 2, ("规划范围.shp", "no zone number", "--assume-crs")),
    Case("swapped_axes_no_prj", swapped_no_prj, 2, ("swapped",)),
    Case("swapped_axes_declared", swapped_gpkg, 2, ("town.gpkg", "swapped")),
    Case("ambiguous_layers", ambiguous_gpkg, 2, ("several layers", "规划范围, 规划范围_修改版")),
    Case("zero_byte_gpkg", zero_byte, 2, ("town.gpkg", "zero-byte")),
    Case("text_renamed_gpkg", text_as_gpkg, 2, ("town.gpkg", "not a vector dataset")),
    Case("truncated_gpkg", lambda d: truncated_file(d, gpkg_town, 0.5), 2, ("town.gpkg", "not a vector dataset")),
    Case("truncated_shp", lambda d: truncated(d, ".shp", 0.6), 2, (".shp file is truncated",)),
    Case("truncated_shp_header", lambda d: truncated(d, "规划范围.shp", 60), 2, ("not a Shapefile part",)),
    Case("truncated_dbf", lambda d: truncated(d, "建设用地.dbf", 0.8), 2, (".dbf file is truncated",)),
    Case("truncated_geojson", lambda d: truncated_file(d, geojson, 0.5), 2,
         ("规划范围.geojson", "not a vector dataset")),
    Case("truncated_zip", lambda d: truncated_file(d, zipped_shp, 0.5), 2, ("town.zip", "zip")),
    Case("missing_shx", lambda d: drop(shp_town(d), "规划范围.shx"), 2, ("规划范围.shp", ".shx file", "missing")),
    Case("missing_dbf", lambda d: drop(shp_town(d), "核心区.dbf"), 2, ("核心区.shp", ".dbf file", "missing")),
    Case("zip_slip_entry", zip_slip, 2, ("../../evil.shp", "outside the archive")),
    Case("zip_bomb", zip_bomb, 2, ("town.zip", "zip bomb")),
    Case("nan_coordinates", shp_nan, 2, ("规划范围.shp", "NaN or infinite")),
    Case("infinite_coordinates", gpkg_inf, 2, ("town.gpkg", "NaN or infinite")),
    Case("huge_coordinates", huge_coordinates, 2, ("town.gpkg", "outside any plausible range")),
    Case("degrees_in_projected_crs", degrees_in_projected, 2, ("look like degrees",)),
    Case("latitude_out_of_range", latitude_out_of_range, 2, ("are not longitude/latitude",)),
    Case("metres_in_geojson", gk_in_geojson, 2, ("规划范围.geojson", "are not longitude/latitude")),
    Case("empty_layer", empty_layer, 2, ("town.gpkg", "核心区", "has no features")),
    Case("only_empty_geometries", only_empty_geometries, 2, ("town.gpkg", "only empty geometries")),
    Case("path_does_not_exist", lambda d: d / "nowhere.gpkg", 2, ("nowhere.gpkg", "does not exist")),
    Case("bad_encoding_option", gbk_shp, 2, ("--encoding", "not an encoding"), ("--encoding", "klingon")),
]
