#!/usr/bin/env python3
"""Benchmark: reading a CAD drawing the size a 湘源/天正 export reaches.

    python benches/bench_cad_read.py                   # 30 000 road LINEs, 3 000 building outlines
    python benches/bench_cad_read.py --lines 100000 --repeat 3

Draws (with ezdxf, in a temporary folder) the standard town of tests/cad_corpus.py plus a road
layer of random LINEs and a layer of closed building outlines, then times, each in the same run:

  gdal        GDAL's DXF driver through pyogrio reading every entity (the baseline: C++, no
              AutoCAD layer rule for blocks, no arcs kept exact, no polygonising)
  geocheck    listing the drawing's CAD layers (ezdxf parse, blocks exploded, curves linearised,
              closed shapes counted) and reading the four role layers (snapping, polygonising)

and prints the medians and the ratio geocheck / gdal, plus the planned area against the
independent figure of the corpus (shoelace + circular segment).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import ezdxf  # noqa: E402
import pyogrio  # noqa: E402

from cad_corpus import AREAS, X0, Y0, ZONE_PREFIX, town, write_dxf  # noqa: E402
from geocheck.inputs.sources import list_layers, load_layer  # noqa: E402


def drawing(folder: Path, lines: int, outlines: int) -> Path:
    path = write_dxf(town(), folder / "big.dxf", offset=(X0 + ZONE_PREFIX, Y0))
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()
    rnd = random.Random(1)
    ox = X0 + ZONE_PREFIX
    for _ in range(lines):
        x, y = rnd.uniform(0, 1700), rnd.uniform(0, 1800)
        msp.add_line((ox + x, Y0 + y), (ox + x + rnd.uniform(-30, 30), Y0 + y + rnd.uniform(-30, 30)),
                     dxfattribs={"layer": "道路"})
    for _ in range(outlines):
        x, y = rnd.uniform(0, 1700), rnd.uniform(0, 1800)
        msp.add_lwpolyline([(ox + x, Y0 + y), (ox + x + 10, Y0 + y), (ox + x + 10, Y0 + y + 10), (ox + x, Y0 + y + 10)],
                           close=True, dxfattribs={"layer": "建筑"})
    doc.saveas(path)
    return path


def run_gdal(path: Path) -> int:
    return len(pyogrio.read_dataframe(path))


def run_geocheck(path: Path) -> float:
    refs = {r.name: r for r in list_layers(path)}
    planned = 0.0
    for name in ("规划范围线", "建设用地", "核心区范围线", "城市设计范围"):
        frame = load_layer(refs[name]).frame
        if name == "规划范围线":
            planned = float(frame.geometry.area.sum())
    return planned


def timed(fn, path, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(path)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=30_000)
    ap.add_argument("--outlines", type=int, default=3_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="geocheck-bench-cad-") as tmp:
        path = drawing(Path(tmp), args.lines, args.outlines)
        size = path.stat().st_size / 1e6
        gdal_s, n = timed(run_gdal, path, args.repeat)
        ours_s, planned = timed(run_geocheck, path, args.repeat)
    expected = AREAS["planned_area_m2"]
    print(f"drawing: {n} entities, {size:.1f} MB")
    print(f"gdal DXF driver (baseline)   median {gdal_s:7.2f} s")
    print(f"geocheck CAD reader          median {ours_s:7.2f} s   ratio geocheck/gdal {ours_s / gdal_s:5.1f}")
    print(f"planned area {planned:.3f} m² vs {expected:.3f} m² by arithmetic "
          f"({(planned - expected) / expected * 100:+.6f} %)")


if __name__ == "__main__":
    main()
