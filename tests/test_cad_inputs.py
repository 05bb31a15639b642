"""Reading what institutes deliver beyond the town corpus: real DWG files made by other tools,
zips from Chinese Windows, header code pages that lie, .prj files that contradict the zone
prefix, survey axis order, CAD as a reference layer, the snap tolerance as a setting, and a
quiet stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import ezdxf
import numpy as np
import pytest
import shapely

import towns
from cad_corpus import (AREAS, ENCLAVE, X0, Y0, ZONE_PREFIX, Op, open_boundary, rect, ring_area, town,
                        write_dxf)
from cli_tools import GEOCHECK, assert_one_line_error, invoke
from conftest import tree_digest
from lenient_profiles import references_optional
from geocheck.inputs.linework import shapes

DWG_DATA = Path(__file__).parent / "data" / "dwg"  # GDAL's test drawings, see SOURCES.md there
LENIENT = references_optional("zhejiang-2015")  # reading is tested here, not reference layers


def check_json(path, *args):
    result = invoke("check", path, "-p", LENIENT, "-f", "json", *args)
    assert "Traceback" not in result.output
    return result


# --- real DWG files ---------------------------------------------------------------------------

# file → a fragment of its one-line outcome (none of them is a planning submission)
REAL_DWG = {
    "AC1018_signature.dwg": ("DWG cannot be read", "save it as DXF R2018"),
    "Building_A_Floor_0_Mapwize.dwg": ("no layer is recognisably", "Rooms (", "closed shapes)"),
    "attribs.dwg": ("no layer is recognisably", "Topo TN ("),
    "ellipse_r2000.dwg": ("no layer is recognisably", "0 (1 closed shape)"),
    "line_r2000.dwg": ("no layer is recognisably", "0 (0 closed shapes)"),
    "point2d_r2000.dwg": ("holds no closed polyline, hatch or line work",),
    "text_mtext_attdef_r2000.dwg": ("holds no closed polyline, hatch or line work", "3 text, 3D or other"),
    "triple_circles_r2000.dwg": ("no layer is recognisably", "(1 closed shape)"),
}


def test_every_real_dwg_is_listed():
    assert sorted(p.name for p in DWG_DATA.glob("*.dwg")) == sorted(REAL_DWG)


@pytest.mark.parametrize("name", sorted(REAL_DWG))
def test_real_dwg_ends_cleanly(name, tmp_path):
    path = tmp_path / name
    shutil.copy(DWG_DATA / name, path)
    before = tree_digest(tmp_path)
    proc = subprocess.run([*GEOCHECK, "check", str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geocheck: error:") and name in lines[0], proc.stderr
    for fragment in REAL_DWG[name]:
        assert fragment in lines[0], (fragment, lines[0])
    assert tree_digest(tmp_path) == before  # no DXF conversion or other file left next to it


def test_real_dwg_layer_as_boundary_reaches_the_crs_check(tmp_path):
    """A real floor plan's layer named as the boundary is read and measured as far as its
    coordinates allow: metres around the origin, which no Chinese CRS has."""
    result = check_json(DWG_DATA / "Building_A_Floor_0_Mapwize.dwg", "--boundary", "Rooms",
                        "--assume-crs", "EPSG:4549")
    assert_one_line_error(result, "layer 'Rooms'", "look like degrees")


@pytest.mark.parametrize("container", ["zip", "folder"])
def test_container_holding_only_a_broken_dwg_names_it(container, tmp_path):
    if container == "zip":
        path = tmp_path / "成果.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.write(DWG_DATA / "AC1018_signature.dwg", "图纸/规划范围.dwg")
    else:
        path = tmp_path / "成果"
        path.mkdir()
        shutil.copy(DWG_DATA / "AC1018_signature.dwg", path / "规划范围.dwg")
    assert_one_line_error(check_json(path), "规划范围.dwg", "DWG cannot be read", "DXF R2018")


# --- text encodings -------------------------------------------------------------------------

def test_header_1252_over_gbk_bytes_is_read_as_gbk(tmp_path):
    path = write_dxf(town(), tmp_path / "t.dxf", version="R2000", gbk=True, header_codepage="ANSI_1252",
                     offset=(X0 + ZONE_PREFIX, Y0))
    assert b"ANSI_1252" in path.read_bytes() and "规划范围线".encode("gbk") in path.read_bytes()
    report = json.loads(check_json(path).stdout)
    assert report["inputs"]["roles"]["boundary"]["encoding"] == "GBK"
    assert "says 'ANSI_1252' but the text is Chinese" in json.dumps(report, ensure_ascii=False)


def test_encoding_option_applies_to_dxf(tmp_path):
    path = write_dxf(town(), tmp_path / "t.dxf", version="R2000", gbk=True, offset=(X0 + ZONE_PREFIX, Y0))
    report = json.loads(check_json(path, "--encoding", "GB18030").stdout)
    assert report["inputs"]["roles"]["boundary"]["encoding"] == "GB18030"
    assert "as given by --encoding" in json.dumps(report, ensure_ascii=False)


def gbk_named_zip(tmp_path) -> Path:
    """Shapefiles zipped as Windows' zip on a Chinese system does: GBK names, no UTF-8 flag."""
    folder = towns.write_shapefiles(tmp_path / "town", towns.compliant_layers())
    files = sorted(folder.iterdir())
    stems = sorted({f.stem for f in files})
    placeholder = {s: f"{i:0{len(s.encode('gbk'))}d}" for i, s in enumerate(stems)}
    path = tmp_path / "town.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for f in files:
            zf.writestr(placeholder[f.stem] + f.suffix, f.read_bytes())
    data = path.read_bytes()
    for stem, ph in placeholder.items():  # the same byte length: offsets in the zip stay right
        for suffix in {f.suffix for f in files}:
            data = data.replace((ph + suffix).encode(), stem.encode("gbk") + suffix.encode())
    path.write_bytes(data)
    return path


def test_gbk_zip_member_names(tmp_path):
    path = gbk_named_zip(tmp_path)
    with zipfile.ZipFile(path) as zf:
        assert all(not i.flag_bits & 0x800 for i in zf.infolist())
        assert "╣µ╗«╖╢╬º.shp" in zf.namelist()  # what every CP437 reader shows
    report = json.loads(check_json(path).stdout)
    assert report["inputs"]["roles"]["boundary"]["file"].endswith("town.zip/规划范围.shp")
    assert report["measurements"]["planned_area_m2"] == pytest.approx(towns.AREAS["planned_area_m2"], rel=1e-9)
    assert "decoded as GB18030: '规划范围.shp'" in json.dumps(report, ensure_ascii=False)


def test_gbk_zip_names_forced_wrong_suggest_encoding(tmp_path):
    result = check_json(gbk_named_zip(tmp_path), "--encoding", "cp437")
    assert_one_line_error(result, "╣µ╗«╖╢╬º", "look garbled", "--encoding GB18030")


# --- CRS diagnosis --------------------------------------------------------------------------

def contradicting_gpkg(tmp_path, data_crs: str, prj_crs: str) -> Path:
    layers = {k: v.to_crs(data_crs).set_crs(prj_crs, allow_override=True)
              for k, v in towns.compliant_layers().items()}
    return towns.write_gpkg(tmp_path / "town.gpkg", layers)


def test_prj_contradicting_zone_prefix(tmp_path):
    path = contradicting_gpkg(tmp_path, "EPSG:4528", "EPSG:4549")
    assert_one_line_error(check_json(path), "layer '规划范围'", "EPSG:4549", "eastings carry zone prefix 40 → EPSG:4528",
                          "--assume-crs EPSG:4528")
    report = json.loads(check_json(path, "--assume-crs", "EPSG:4528").stdout)
    assert report["verdict"] == "compliant"
    assert report["measurements"]["planned_area_m2"] == pytest.approx(towns.AREAS["planned_area_m2"], rel=1e-9)
    assert "contradicts its coordinates" in json.dumps(report["notes"])


def test_prj_with_zone_prefix_over_plain_eastings(tmp_path):
    path = contradicting_gpkg(tmp_path, "EPSG:4549", "EPSG:4528")
    assert_one_line_error(check_json(path), "eastings carry no zone prefix → EPSG:4549", "--assume-crs EPSG:4549")


def test_survey_axis_order_in_cad(tmp_path):
    """X = northing, Y = easting, as a drawing made from survey coordinates has them."""
    # swapping the axes mirrors the drawing, so each bulge turns the other way
    swapped = [Op(o.kind, o.layer, ([(y + Y0, x + X0, -b) for x, y, b in o.args[0]],), o.closed) for o in town()
               if o.kind == "lwpolyline"]
    path = write_dxf(swapped, tmp_path / "t.dxf", offset=(0.0, 0.0))
    assert next(iter(ezdxf.readfile(path).modelspace())).get_points("xy")[0] == (Y0, X0)
    assert_one_line_error(check_json(path), "X holds northings and Y eastings", "survey axis order")


# --- CAD as a reference ---------------------------------------------------------------------

def reference_drawing(tmp_path) -> Path:
    """An institute's own drawing of a red line (200 × 200 m inside the construction parcels)
    and a heritage site as a POINT, in plain GK (no CRS, as every CAD file)."""
    doc = ezdxf.new("R2018")
    msp = doc.modelspace()
    for name in ("生态保护红线", "文物保护单位"):
        doc.layers.add(name)
    msp.add_lwpolyline([(X0 + 600, Y0 + 300), (X0 + 800, Y0 + 300), (X0 + 800, Y0 + 500), (X0 + 600, Y0 + 500)],
                       close=True, dxfattribs={"layer": "生态保护红线"})
    msp.add_point((X0 + 400, Y0 + 400), dxfattribs={"layer": "文物保护单位"})
    path = tmp_path / "三线.dxf"
    doc.saveas(path)
    return path


def test_cad_reference_needs_a_crs(tmp_path):
    town_path = towns.write_gpkg(tmp_path / "town.gpkg", towns.compliant_layers())
    ref = reference_drawing(tmp_path)
    result = check_json(town_path, "--reference", f"ecological_red_line={ref}:生态保护红线")
    assert_one_line_error(result, "has no coordinate reference system", "--reference-crs ecological_red_line=EPSG:")


def test_cad_reference_with_crs(tmp_path):
    town_path = towns.write_gpkg(tmp_path / "town.gpkg", towns.compliant_layers())
    ref = reference_drawing(tmp_path)
    report = json.loads(check_json(town_path, "--reference", f"ecological_red_line={ref}:生态保护红线",
                                   "--reference-crs", "ecological_red_line=EPSG:4549").stdout)
    assert report["verdict"] == "non_compliant"
    overlap = [o for o in report["measurements"]["overlaps"]
               if o["reference_kind"] == "ecological_red_line" and o["role"] == "construction"]
    assert [o["area_m2"] for o in overlap] == [pytest.approx(200 * 200)]


def test_cad_point_reference_from_config(tmp_path):
    town_path = towns.write_gpkg(tmp_path / "town.gpkg", towns.compliant_layers())
    ref = reference_drawing(tmp_path)
    config = tmp_path / "geocheck.toml"
    config.write_text(f'[references]\nheritage_points = {{ source = "{ref.name}", layer = "文物保护单位", '
                      'crs = "EPSG:4549" }\n', encoding="utf-8")
    report = json.loads(check_json(town_path, "--config", config).stdout)
    [source] = report["inputs"]["references"]
    assert (source["format"], source["feature_count"]) == ("CAD", 1)
    assert source["crs"].startswith("EPSG:4549")


# --- the snap tolerance as a setting --------------------------------------------------------

def test_snap_tolerance_from_config_and_profile(tmp_path):
    path = write_dxf(town(open_boundary(5.0)), tmp_path / "t.dxf", offset=(X0 + ZONE_PREFIX, Y0))
    config = tmp_path / "geocheck.toml"
    config.write_text("snap_tolerance_m = 6\n", encoding="utf-8")
    report = json.loads(check_json(path, "--config", config).stdout)
    assert report["measurements"]["planned_area_m2"] == pytest.approx(AREAS["planned_area_m2"], rel=1e-4)
    text = Path(LENIENT).read_text(encoding="utf-8")
    profile = tmp_path / "snap6.toml"
    profile.write_text(text.replace('name = "zhejiang-2015"', 'name = "snap6"\ncad_snap_tolerance_m = 6', 1),
                       encoding="utf-8")
    result = invoke("check", path, "-p", profile, "-f", "json")
    assert "set by the profile" in json.dumps(json.loads(result.stdout)["notes"])
    assert_one_line_error(invoke("check", path, "-p", profile, "--snap-tolerance", "1"), "gap 5 m at")


def test_missing_role_lists_unassigned_layers_with_counts(tmp_path):
    ops = [o for o in town(names={"core": "HX"}) if not (o.kind == "insert" and o.args[0] == "核心")]
    ops += [Op("lwpolyline", "图层1", (rect(300, 300, 600, 600),))]
    report = json.loads(check_json(write_dxf(ops, tmp_path / "t.dxf", offset=(X0 + ZONE_PREFIX, Y0))).stdout)
    assert report["inputs"]["roles"]["core"] is None
    notes = json.dumps(report["notes"], ensure_ascii=False)
    assert "no layer is recognisably the core area" in notes and "图层1 (1 closed shape)" in notes


# --- quiet stderr ---------------------------------------------------------------------------

def test_success_prints_nothing_on_stderr(tmp_path):
    ops = town(extra=[Op("polyface", "城市设计范围", ((500.0, 500.0), 30.0, 24.0)),
                      Op("lwpolyline", "规划范围线", (ENCLAVE,))])
    path = write_dxf(ops, tmp_path / "t.dxf", version="R2000", gbk=True, offset=(X0 + ZONE_PREFIX, Y0))
    proc = subprocess.run([*GEOCHECK, "check", str(path), "-p", LENIENT, "-f", "json"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert report["measurements"]["planned_area_m2"] == pytest.approx(AREAS["planned_area_m2"] - ring_area(ENCLAVE),
                                                                     rel=1e-4)


# --- line work, directly --------------------------------------------------------------------

def square(x, y, s):
    return np.array([(x, y), (x + s, y), (x + s, y + s), (x, y + s)], dtype=float)


def test_even_odd_island_in_a_lake():
    """Three nested rings: land, a lake in it (hole), an island in the lake (land again)."""
    out = shapes([(square(0, 0, 100), True), (square(20, 20, 60), True), (square(40, 40, 20), True)], 1.0)
    assert sum(f.area for f in out.faces) == pytest.approx(100 ** 2 - 60 ** 2 + 20 ** 2)
    assert [r.kind for r in out.repairs] == ["hole"]


def test_gap_beyond_tolerance_is_reported_where_it_is():
    out = shapes([(np.array([(0, 0), (100, 0), (100, 100), (0, 100), (0, 3)]), False)], 1.0)
    assert out.faces == [] and [(g.size, g.x, g.y) for g in out.gaps] == [(3.0, 0.0, 1.5)]


def test_polygons_from_a_grid_of_lines():
    """Parcels drawn as a grid of LINEs (湘源 exports road centre lines this way) are faces."""
    lines = [(np.array([(0, y), (200, y)], float), False) for y in (0, 100, 200)]
    lines += [(np.array([(x, 0), (x, 200)], float), False) for x in (0, 100, 200)]
    out = shapes(lines, 0.5)
    assert sorted(f.area for f in out.faces) == [100 ** 2] * 4
    assert shapely.union_all(out.faces).area == pytest.approx(200 ** 2)


def test_one_bad_entity_never_stops_the_check(tmp_path):
    """An INSERT of a block that does not exist (a broken copy-paste between drawings) is named
    in a note; the rest of the drawing is read and judged."""
    path = write_dxf(town(), tmp_path / "t.dxf", offset=(X0 + ZONE_PREFIX, Y0))
    doc = ezdxf.readfile(path)
    doc.modelspace().add_blockref("不存在的块", (X0 + ZONE_PREFIX, Y0), dxfattribs={"layer": "建设用地"})
    doc.saveas(path)
    report = json.loads(check_json(path).stdout)
    assert report["verdict"] == "compliant"
    assert report["measurements"]["construction_area_m2"] == pytest.approx(AREAS["construction_area_m2"], rel=1e-9)
    assert "1 entities could not be read and were skipped: INSERT #" in json.dumps(report["notes"], ensure_ascii=False)


def test_t_junction_drawn_short_and_overshoot():
    """The west edge stops 0.3 m short of the south edge, which runs 50 m past the corner: the
    short end is moved onto the line, the overshoot bounds nothing and is only counted."""
    pieces = [(np.array([(-50, 0), (100, 0)], float), False), (np.array([(100, 0), (100, 100)], float), False),
              (np.array([(100, 100), (0, 100)], float), False), (np.array([(0, 100), (0, 0.3)], float), False)]
    out = shapes(pieces, 1.0)
    assert [f.area for f in out.faces] == [pytest.approx(100 * 100)]
    assert [(r.kind, r.size) for r in out.repairs] == [("joined", pytest.approx(0.3))]
    assert out.gaps == [] and out.loose_ends == 1


def test_two_open_halves_report_both_gaps():
    """Halves 5 m apart at both joins: two gaps of 5 m, where they are."""
    first = np.array([(0, 0), (100, 0), (100, 95)], float)
    second = np.array([(100, 100), (0, 100), (0, 5)], float)
    out = shapes([(first, False), (second, False)], 1.0)
    assert out.faces == []
    assert sorted((g.size, g.x, g.y) for g in out.gaps) == [(5.0, 0.0, 2.5), (5.0, 100.0, 97.5)]


def test_role_layer_with_nothing_readable_is_named(tmp_path):
    """The core drawn only as an INSERT of a block lost in copy-paste: refused, naming the
    layer and the entity, not reported as a missing layer."""
    ops = [o for o in town() if not (o.kind == "insert" and o.args[0] == "核心")]
    path = write_dxf(ops, tmp_path / "t.dxf", offset=(X0 + ZONE_PREFIX, Y0))
    doc = ezdxf.readfile(path)
    doc.modelspace().add_blockref("不存在的块", (X0 + ZONE_PREFIX, Y0), dxfattribs={"layer": "核心区范围线"})
    doc.saveas(path)
    assert_one_line_error(check_json(path), "layer '核心区范围线'", "none of its entities could be read", "INSERT #")


@pytest.mark.parametrize("name", ["z_and_m_dropped", "unclosed_ring_repaired", "shp_gbk_ldid_ansi", "zip_in_place"])
def test_gdal_notices_become_notes_not_stderr(name, tmp_path):
    """GIS inputs GDAL warns about (M values, unclosed rings, DBF code pages): a process run
    prints the report and nothing on stderr."""
    from messy_corpus import CASES as MESSY
    case = next(c for c in MESSY if c.name == name)
    path = case.build(tmp_path)
    proc = subprocess.run([*GEOCHECK, "check", str(path), "-p", LENIENT, "-f", "json", *case.args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == case.exit_code == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["verdict"] == "compliant"


@pytest.mark.parametrize("name, make, fragment", [
    ("half.dwg", lambda: (DWG_DATA / "Building_A_Floor_0_Mapwize.dwg").read_bytes()[:300_000], "DWG cannot be read"),
    ("half.dxf", lambda: write_dxf(town(), Path(tempfile.mkdtemp()) / "t.dxf").read_bytes()[:5000],
     "the DXF file is truncated"),
    ("most.dxf", lambda: write_dxf(town(), Path(tempfile.mkdtemp()) / "t.dxf").read_bytes()[:-400],
     "the DXF file is truncated"),  # cut in the OBJECTS section: every entity there, still refused
    ("junk.dxf", lambda: b"garbage\nnot a dxf\n0\nEOF\n", "not a DXF drawing that can be read"),
])
def test_broken_drawings_end_in_one_line(name, make, fragment, tmp_path):
    path = tmp_path / name
    path.write_bytes(make())
    assert_one_line_error(check_json(path), name, fragment)
