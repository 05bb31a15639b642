#!/usr/bin/env python3
"""Benchmark: measuring a 5 000-parcel 控规 layer, geocheck vs a plain geopandas overlay/dissolve.

    python benches/bench_parcels.py                 # 5 000 parcels, 3 repeats
    python benches/bench_parcels.py --nx 50 --ny 20 --repeats 1

Generates a planned area tiled by an nx × ny grid of irregular quadrilateral parcels (shared,
jittered vertices, so the tiling is exact), with land-use codes of the 2023 guide, declared
areas, control indicators, a few gaps (parcels shrunk) and overlaps (parcels grown), as a
GeoPackage in EPSG:4549. Then, each approach in its own subprocess (its peak RSS is its own),
the same work — parcel union, gaps inside the planned area, pairwise overlaps, area by class:

  geocheck-measure  geocheck.parcels.measure_parcels on the opened submission
                    (union once, STRtree pairs, exact intersections, groupby)
  geocheck-check    a full geocheck.check(..., profile="national-2021") of the town
  geopandas         read, dissolve(), boundary.difference(union), gpd.overlay(self, self,
                    "intersection") for overlaps, groupby for the composition

and prints medians, the ratio geopandas / geocheck and peak memory, end to end (read + measure)
and measuring only (layers already in memory). geocheck validates the parcels as a coverage
while reading them (it dissolves every role layer), so its measuring-only time does not include
that step; the end-to-end time does. The gap and overlap areas of both approaches are compared
(they must agree within 0.01 m²). Not part of the test-suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
X0, Y0, CELL = 500_000.0, 3_350_000.0, 40.0  # EPSG:4549 metres; 40 m parcels
CODES = ["070102", "070102", "0702", "0901", "0902", "100101", "1401", "1402", "1207", "0804", "0301"]
SEED = 20240601


def make_town(path: Path, nx: int, ny: int) -> dict:
    import geopandas as gpd
    import pyogrio
    import shapely

    rng = np.random.default_rng(SEED)
    xs = X0 + np.arange(nx + 1) * CELL
    ys = Y0 + np.arange(ny + 1) * CELL
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    jitter = rng.uniform(-CELL * 0.2, CELL * 0.2, size=(2, nx + 1, ny + 1))
    jitter[:, [0, -1], :] = 0.0  # the outer edge stays straight: the planned area is a rectangle
    jitter[:, :, [0, -1]] = 0.0
    gx, gy = gx + jitter[0], gy + jitter[1]
    polys, codes = [], []
    for i in range(nx):
        for j in range(ny):
            ring = [(gx[i, j], gy[i, j]), (gx[i + 1, j], gy[i + 1, j]), (gx[i + 1, j + 1], gy[i + 1, j + 1]),
                    (gx[i, j + 1], gy[i, j + 1])]
            polys.append(shapely.Polygon(ring))
            codes.append(CODES[rng.integers(len(CODES))])
    polys = np.array(polys, dtype=object)
    flawed = rng.choice(len(polys), size=max(2, len(polys) // 250), replace=False)
    half = len(flawed) // 2
    polys[flawed[:half]] = shapely.buffer(polys[flawed[:half]], -0.5, join_style="mitre")  # gaps
    polys[flawed[half:]] = shapely.buffer(polys[flawed[half:]], 0.5, join_style="mitre")  # overlaps
    boundary = shapely.box(X0, Y0, X0 + nx * CELL, Y0 + ny * CELL)
    n = len(polys)
    parcels = gpd.GeoDataFrame({
        "DKBH": [f"P{k:05d}" for k in range(n)], "YDYHFLDM": codes,
        "YDMJ": np.round(shapely.area(polys), 3), "RJL": rng.uniform(0.5, 3.0, n).round(2),
        "JZMD": rng.uniform(10, 50, n).round(1), "LDL": rng.uniform(10, 40, n).round(1),
        "JZXG": rng.uniform(12, 100, n).round(0)}, geometry=list(polys), crs="EPSG:4549")
    if path.exists():
        path.unlink()
    pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[boundary], crs="EPSG:4549"), path, layer="规划范围")
    cons = shapely.union_all(polys[[c not in ("0301",) for c in codes]])
    pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[cons], crs="EPSG:4549"), path, layer="建设用地")
    pyogrio.write_dataframe(parcels, path, layer="用地规划")
    return {"parcels": n, "flawed": int(len(flawed))}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(approach: str, gpkg: str, repeats: int) -> dict:
    times, out = [], {}  # times: read + measure; measure_times: measuring only (layers in memory)
    if approach == "geocheck-measure":
        import geocheck
        from geocheck.parcels import measure_parcels
        from geocheck.profile import load_profile
        from geocheck.submission import open_submission

        landuse = load_profile("national-2021").landuse
        for _ in range(repeats):
            t = time.perf_counter()
            sub = open_submission(gpkg)  # read, reproject, repair, dissolve: part of the work
            m = measure_parcels(sub.roles["parcels"], landuse, boundary=sub.geometry("boundary"),
                                construction_zone=sub.geometry("construction"))
            times.append(time.perf_counter() - t)
            # measuring alone: union, gaps, overlaps, composition, on the layers in memory
            t = time.perf_counter()
            m = measure_parcels(sub.roles["parcels"], landuse, boundary=sub.geometry("boundary"),
                                construction_zone=sub.geometry("construction"))
            out.setdefault("measure_times", []).append(time.perf_counter() - t)

        s = m.summary()
        out |= {"gap_m2": s["gap_area_m2"], "overlap_m2": s["overlap_area_m2"], "gaps": s["gap_count"],
               "overlaps": s["overlap_count"], "residential_pct": s["residential_share_pct"]}
        del geocheck
    elif approach == "geocheck-check":
        import geocheck

        for _ in range(repeats):
            t = time.perf_counter()
            report = geocheck.check(gpkg, profile="national-2021")
            times.append(time.perf_counter() - t)
        p = report.measurements["parcels"]
        out = {"gap_m2": p["gap_area_m2"], "overlap_m2": p["overlap_area_m2"]}
    elif approach == "geopandas":
        import geopandas as gpd

        for _ in range(repeats):
            t = time.perf_counter()
            parcels = gpd.read_file(gpkg, layer="用地规划", engine="pyogrio")
            boundary = gpd.read_file(gpkg, layer="规划范围", engine="pyogrio").geometry.iloc[0]
            t_read = time.perf_counter()
            parcels["pid"] = range(len(parcels))
            union = parcels.dissolve().geometry.iloc[0]
            gaps = boundary.difference(union)
            inter = gpd.overlay(parcels[["pid", "geometry"]], parcels[["pid", "geometry"]], how="intersection",
                                keep_geom_type=True)
            inter = inter[inter["pid_1"] < inter["pid_2"]]
            composition = parcels.assign(a=parcels.area).groupby(parcels["YDYHFLDM"].str[:2])["a"].sum()
            times.append(time.perf_counter() - t)
            out.setdefault("measure_times", []).append(time.perf_counter() - t_read)
        out |= {"gap_m2": float(gaps.area), "overlap_m2": float(inter.area.sum()), "classes": int(len(composition))}
    return {"times": times, "peak_rss_mib": peak_rss_mib(), **out}


def run_worker(approach: str, gpkg: Path, repeats: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", approach, str(gpkg), "--repeats", str(repeats)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{approach} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nx", type=int, default=100)
    ap.add_argument("--ny", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--worker", nargs=2, metavar=("APPROACH", "GPKG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.repeats)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "town.gpkg"
        info = make_town(gpkg, args.nx, args.ny)
        print(f"{info['parcels']} parcels ({info['flawed']} shrunk or grown by 0.5 m), {args.repeats} repeat(s)")
        results = {a: run_worker(a, gpkg, args.repeats) for a in ("geocheck-measure", "geocheck-check", "geopandas")}
    base = statistics.median(results["geopandas"]["times"])
    print(f"{'approach':<18} {'read+measure s':>15} {'geopandas/this':>15} {'measure only s':>15} "
          f"{'geopandas/this':>15} {'peak RSS MiB':>13}")
    base_m = statistics.median(results["geopandas"]["measure_times"])
    for name, r in results.items():
        med = statistics.median(r["times"])
        mo = statistics.median(r["measure_times"]) if "measure_times" in r else None
        mo_text = f"{mo:>15.3f} {base_m / mo:>14.1f}×" if mo else f"{'—':>15} {'':>15}"
        print(f"{name:<18} {med:>15.3f} {base / med:>14.1f}× {mo_text} {r['peak_rss_mib']:>13.0f}")
    g, p = results["geocheck-measure"], results["geopandas"]
    print(f"gaps: geocheck {g['gap_m2']:.3f} m² ({g['gaps']}), geopandas {p['gap_m2']:.3f} m²; "
          f"overlaps: geocheck {g['overlap_m2']:.3f} m² ({g['overlaps']}), geopandas {p['overlap_m2']:.3f} m²")
    agree = abs(g["gap_m2"] - p["gap_m2"]) < 0.01 and abs(g["overlap_m2"] - p["overlap_m2"]) < 0.01
    ratio = base / statistics.median(g["times"])
    ratio_m = base_m / statistics.median(g["measure_times"])
    print(f"areas agree: {'yes' if agree else 'NO'}; target ≥ 10× faster than geopandas: "
          f"end to end {'met' if ratio >= 10 else 'MISSED'} ({ratio:.1f}×), "
          f"measuring {'met' if ratio_m >= 10 else 'MISSED'} ({ratio_m:.1f}×)")


if __name__ == "__main__":
    main()
