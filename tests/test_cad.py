"""CAD drawings as institutes deliver them (tests/cad_corpus.py): every case in DXF R2000 GBK
with zone-prefixed eastings, DXF R2018 UTF-8 with plain GK eastings, and as DWG where the DWG
writer draws it; each gets the right roles, areas within 0.01 % of independent arithmetic and
the right verdict, never a traceback, and leaves its folder untouched."""

from __future__ import annotations

import json

import pytest

from cad_corpus import CASES, DWG_KINDS, X0, Y0, ZONE_PREFIX, without_blocks, write_dwg, write_dxf
from cli_tools import assert_one_line_error, invoke
from conftest import tree_digest
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading CAD is tested here, not reference layers

VARIANTS = {
    # AutoCAD on Chinese Windows, R2000: GBK bytes, $DWGCODEPAGE ANSI_936, eastings with zone 40
    "r2000_gbk_zone40": dict(version="R2000", gbk=True, offset=(X0 + ZONE_PREFIX, Y0)),
    # a newer AutoCAD: UTF-8, plain Gauss–Krüger (CM 120E), so the CRS must be given
    "r2018_utf8_plain": dict(version="R2018", offset=(X0, Y0)),
    # converters that keep the template's ANSI_1252 header over GBK bytes
    "r2000_gbk_header_1252": dict(version="R2000", gbk=True, header_codepage="ANSI_1252", offset=(X0 + ZONE_PREFIX, Y0)),
    # R2000 as ezdxf and older tools write it: ANSI_1252, every Chinese character as \U+XXXX
    "r2000_unicode_escapes": dict(version="R2000", offset=(X0 + ZONE_PREFIX, Y0)),
    "binary_r2013_plain": dict(version="R2013", binary=True, offset=(X0, Y0)),
    # 湘源 and older exports: R12, POLYLINE with bulges instead of LWPOLYLINE, GBK
    "r12_gbk_zone40": dict(version="R12", gbk=True, offset=(X0 + ZONE_PREFIX, Y0)),
}
R12_KINDS = {"lwpolyline", "line", "arc", "circle", "block", "insert", "text", "polyface", "3dface"}


def _check(path, case, plain: bool):
    args = list(case.args) + (["--assume-crs", "EPSG:4549"] if plain else [])
    return invoke("check", path, "-p", LENIENT, "-f", "json", *args)


def _assert_outcome(result, case):
    assert "Traceback" not in result.output
    assert result.exit_code == case.exit_code, result.output
    if case.exit_code == 2:
        assert_one_line_error(result, *case.fragments)
        return
    report = json.loads(result.stdout)
    text = json.dumps(report, ensure_ascii=False)
    for fragment in case.fragments:
        assert fragment in text, f"{fragment!r} not in notes: {report['notes']}"
    for role, layer in case.roles.items():
        assert report["inputs"]["roles"][role]["layer"] == layer
    for key, area in case.areas.items():
        assert report["measurements"][key] == pytest.approx(area, rel=1e-4), key
    assert report["verdict"] == "compliant"
    # parcels of one block are features of their own: no spurious self-intersection (GC101)
    assert {c["code"]: c["status"] for c in report["checks"]}["GC101"] == "pass"
    assert report["inputs"]["roles"]["construction"]["feature_count"] == 2


# R12 has no HATCH, MESH or 3DSOLID: cases drawing one are not drawn as R12
DXF_RUNS = [(c, v) for c in CASES for v in VARIANTS
            if not v.startswith("r12") or {op.kind for op in c.ops()} <= R12_KINDS]


@pytest.mark.parametrize("case, variant", DXF_RUNS, ids=[f"{c.name}-{v}" for c, v in DXF_RUNS])
def test_cad_case_dxf(case, variant, tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    path = write_dxf(case.ops(), folder / "小镇规划.dxf", **VARIANTS[variant])
    before = tree_digest(folder)
    _assert_outcome(_check(path, case, plain=variant.endswith("plain")), case)
    assert tree_digest(folder) == before, "an input file was changed, created or removed"


DWG_CASES = [c for c in CASES if {op.kind for op in without_blocks(c.ops())} <= DWG_KINDS]


@pytest.mark.parametrize("zone_prefixed", [False, True], ids=["plain", "zone40"])
@pytest.mark.parametrize("case", DWG_CASES, ids=[c.name for c in DWG_CASES])
def test_cad_case_dwg(case, zone_prefixed, tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    offset = (X0 + ZONE_PREFIX, Y0) if zone_prefixed else (X0, Y0)
    path = write_dwg(without_blocks(case.ops()), folder / "小镇规划.dwg", offset=offset)
    before = tree_digest(folder)
    _assert_outcome(_check(path, case, plain=not zone_prefixed), case)
    assert tree_digest(folder) == before


def test_corpus_covers_the_dwg_writer():
    assert len(DWG_CASES) >= 8
