#!/usr/bin/env python3
"""Benchmark: what writing the reports costs, measured side by side in one run.

    python benches/bench_reports.py                  # 40 towns, 5 repeats
    python benches/bench_reports.py --towns 60 --repeats 7

Generates (in a temporary folder) a town with many conflicts — 24 construction parcels 100 m
apart (23 contiguity gaps), a column of them across the planned area's edge, 8 parcels on
ecological red-line squares and 8 on farmland squares, so GC302, GC311, GC401, GC402, GC411 and
GC412 all report located findings — with its red-line and farmland layers, and a round of
towns (compliant and conflicting, each shifted 10 km) for a batch. Then, each as its own
process timed from start to exit (its peak RSS from wait4):

  check json      geocheck check TOWN --reference … -f json -o report.json
  check html      geocheck check TOWN --reference … -f html -o report.html
  check docx      geocheck check TOWN --reference … -f docx -o opinion.docx   (for reference)
  batch json      run_batch(…, CheckOptions(), ReportOptions(formats=(), findings=False)), one worker
  batch default   geocheck batch ROUND -o OUT -j 1 --reference …  (report.json, report.html
                  and findings.gpkg per town: the command's default outputs)

It prints medians, peak memory and the ratios against the JSON runs, with the targets of
issue 14: HTML whole process ≤ 1.3 × JSON; batch with the default outputs ≤ 2 × JSON only.
Not part of the test-suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
X0, Y0 = 480_000.0, 3_350_000.0
SHIFT = 10_000.0  # metres between the towns of a round


def town_layers(dx: float, conflicts: bool) -> dict[str, gpd.GeoDataFrame]:
    """Planned area 3.0 × 2.0 km; construction 24 parcels 150 m square, 100 m apart (or one
    1 km² block when `conflicts` is false); core and urban design inside."""
    x, y = X0 + dx, Y0
    layers = {"规划范围": [box(x, y, x + 3000, y + 2000)]}
    if conflicts:
        # 6 × 4 parcels; the sixth column straddles the east edge (x + 3000)
        columns = [x + 100 + i * 250 for i in range(5)] + [x + 2925]
        layers["建设范围"] = [box(cx, y + 400 + j * 250, cx + 150, y + 550 + j * 250) for cx in columns for j in range(4)]
    else:
        layers["建设范围"] = [box(x + 1000, y + 500, x + 2000, y + 1500)]
    layers["核心区"] = [box(x + 1100, y + 600, x + 1600, y + 1100)]
    layers["城市设计范围"] = [box(x + 1050, y + 550, x + 1700, y + 1200)]
    return {k: gpd.GeoDataFrame({"name": [k] * len(v)}, geometry=v, crs=CRS) for k, v in layers.items()}


def references(towns: int, folder: Path) -> list[str]:
    """Red-line and farmland squares over 8 parcels each of every conflicting town."""
    red, farm = [], []
    for t in range(towns):
        if t % 2:
            continue
        x = X0 + t * SHIFT
        for k in range(8):
            i, j = divmod(k, 4)
            px, py = x + 100 + i * 250, Y0 + 400 + j * 250  # parcels of the first two columns
            red.append(box(px - 60, py - 60, px + 60, py + 60))
            px += 500
            farm.append(box(px - 60, py - 60, px + 60, py + 60))
    specs = []
    for kind, geoms, id_field in (("ecological_red_line", red, "hxbh"), ("basic_farmland", farm, "jbnttbbh")):
        path = folder / f"{kind}.gpkg"
        gpd.GeoDataFrame({id_field: [f"B-{i:04d}" for i in range(len(geoms))]}, geometry=geoms, crs=CRS).to_file(
            path, layer=kind, driver="GPKG")
        specs.append(f"{kind}={path}")
    return specs


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(seconds from start to exit, peak RSS in MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err[-500:]}")
    return seconds, usage.ru_maxrss / 1024


def measure(name: str, make_cmd, repeats: int, cwd: Path, results: dict) -> None:
    runs = [timed(make_cmd(i), cwd) for i in range(repeats)]
    results[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    print(f"  {name:<14} {results[name][0]:7.3f} s   peak {results[name][1]:6.0f} MiB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--towns", type=int, default=40, help="towns in the batch round (≥ 40 for the issue's target)")
    ap.add_argument("--repeats", type=int, default=5, help="runs of each single-town command (median)")
    args = ap.parse_args()
    geocheck = shutil.which("geocheck", path=str(Path(sys.executable).parent)) or "geocheck"
    with tempfile.TemporaryDirectory(prefix="geocheck-bench-reports-") as tmp:
        tmp = Path(tmp)
        specs = references(args.towns, tmp)
        refs = [a for s in specs for a in ("--reference", s)]
        town = tmp / "conflict_town.gpkg"
        for layer, gdf in town_layers(0.0, True).items():
            gdf.to_file(town, layer=layer, driver="GPKG")
        rnd = tmp / "round"
        rnd.mkdir()
        for t in range(args.towns):
            path = rnd / f"town_{t:03d}.gpkg"
            for layer, gdf in town_layers(t * SHIFT, t % 2 == 0).items():
                gdf.to_file(path, layer=layer, driver="GPKG")
        import geocheck as gc

        report = gc.check(town, profile="zhejiang-2015", references=specs)
        located = sum(1 for c in report.checks for f in c.features if f.geometry is not None)
        print(f"conflict town: {located} located findings in "
              f"{', '.join(sorted({c.code for c in report.checks if c.features}))}; "
              f"batch round: {args.towns} towns; one worker; {args.repeats} repeats; "
              f"{os.cpu_count()} CPUs on this machine")
        results: dict[str, tuple[float, float]] = {}
        base = [geocheck, "check", str(town), "-p", "zhejiang-2015", *refs]
        print("single town, whole process (median):")
        measure("check json", lambda i: [*base, "-f", "json", "-o", str(tmp / f"r{i}.json")], args.repeats, tmp, results)
        measure("check html", lambda i: [*base, "-f", "html", "-o", str(tmp / f"r{i}.html")], args.repeats, tmp, results)
        measure("check docx", lambda i: [*base, "-f", "docx", "-o", str(tmp / f"r{i}.docx")], args.repeats, tmp, results)
        print(f"batch of {args.towns} towns, whole process:")
        json_only = ("from geocheck.batch import discover, run_batch; "
                     "from geocheck.options import CheckOptions, ReportOptions; "
                     "from geocheck.references import parse_reference; import sys; "
                     "run_batch(discover(sys.argv[1]), sys.argv[2], CheckOptions(profile='zhejiang-2015', "
                     "references=tuple(parse_reference(s) for s in sys.argv[3:])), "
                     "ReportOptions(formats=(), findings=False), workers=1)")
        measure("batch json", lambda i: [sys.executable, "-c", json_only, str(rnd), str(tmp / f"bj{i}"), *specs],
                1, tmp, results)
        measure("batch default", lambda i: [geocheck, "batch", str(rnd), "-o", str(tmp / f"bd{i}"), "-j", "1",
                                            "-p", "zhejiang-2015", *refs], 1, tmp, results)
        html_ratio = results["check html"][0] / results["check json"][0]
        batch_ratio = results["batch default"][0] / results["batch json"][0]
        per_town = (results["batch default"][0] - results["batch json"][0]) / args.towns
        print("ratios:")
        print(f"  html / json (check, whole process)        {html_ratio:5.2f}×   target ≤ 1.3×  "
              f"{'met' if html_ratio <= 1.3 else 'NOT met'}")
        print(f"  docx / json (check, whole process)        {results['check docx'][0] / results['check json'][0]:5.2f}×")
        print(f"  default outputs / json only (batch)       {batch_ratio:5.2f}×   target ≤ 2×    "
              f"{'met' if batch_ratio <= 2 else 'NOT met'}   (+{per_town * 1000:.0f} ms per town)")
        print(f"  peak memory html / json (check)           {results['check html'][1] / results['check json'][1]:5.2f}×")


if __name__ == "__main__":
    main()
