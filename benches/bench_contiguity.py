#!/usr/bin/env python3
"""Benchmark: contiguity (GC301/GC302) of a zone drawn as many separate parts.

    python benches/bench_contiguity.py                       # 1k / 10k / 100k parts
    python benches/bench_contiguity.py --sizes 1000 10000 --baseline-max 10000

Each zone is n separate 10 × 10 m squares on a 30 m grid (20 m apart: one group at the usual
50 m tolerance, n parts at 0 m), dissolved as geocheck dissolves a role. Each run is its own
subprocess, so its peak RSS (ru_maxrss) is its own:

  geocheck   geocheck.measure.contiguity: Borůvka minimum spanning tree over an STRtree
  baseline   the dense algorithm geocheck used before, kept as the oracle of
             tests/test_input_safety_contiguity.py: every pair's distance in an n × n matrix,
             Kruskal over them (n ≤ --baseline-max: 100 000 parts would need 75 GB)

and prints time, peak RSS and the baseline / geocheck ratios side by side, plus time per
n·log2(n) to show the growth. Both must agree on parts, groups and the largest gap.
Not part of the test-suite.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
import numpy as np, shapely
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/tests"]
from geocheck.measure import contiguity  # imported by both, so both peaks include them
from test_input_safety_contiguity import all_pairs_links  # the test's oracle: geocheck's old algorithm
n, how = int(sys.argv[1]), sys.argv[2]
side = int(np.ceil(np.sqrt(n)))
x, y = np.divmod(np.arange(n), side)
geom = shapely.union_all(shapely.box(x * 30.0, y * 30.0, x * 30.0 + 10, y * 30.0 + 10))
t = time.perf_counter()
if how == "geocheck":
    c = contiguity(geom, 50.0)
    out = {"parts": c.parts, "groups": c.groups, "largest_gap_m": c.largest_gap_m}
else:
    parts = list(shapely.get_parts(geom))
    links = [d for _, _, d in all_pairs_links(parts)]
    out = {"parts": len(parts), "groups": 1 + sum(d > 50.0 for d in links), "largest_gap_m": max(links)}
out["seconds"] = time.perf_counter() - t
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(n: int, how: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(n), how, str(REPO)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--baseline-max", type=int, default=10_000,
                    help="largest n the dense baseline is run for (memory grows as n²)")
    args = ap.parse_args()
    print(f"{'parts':>8} {'geocheck s':>11} {'RSS MB':>8} {'µs/(n·log2 n)':>14} "
          f"{'baseline s':>11} {'RSS MB':>8} {'time ×':>7} {'RSS ×':>6}")
    for n in args.sizes:
        g = run(n, "geocheck")
        per = g["seconds"] / (n * math.log2(n)) * 1e6
        row = f"{n:>8} {g['seconds']:>11.2f} {g['peak_rss_mb']:>8.0f} {per:>14.2f}"
        if n <= args.baseline_max:
            b = run(n, "baseline")
            assert (b["parts"], b["groups"], b["largest_gap_m"]) == (g["parts"], g["groups"], g["largest_gap_m"]), (b, g)
            row += (f" {b['seconds']:>11.2f} {b['peak_rss_mb']:>8.0f} {b['seconds'] / g['seconds']:>7.1f}"
                    f" {b['peak_rss_mb'] / g['peak_rss_mb']:>6.1f}")
        else:
            need = n * n * 8 / 1024**3
            row += f" {'—':>11} {'—':>8}  (dense baseline would need ≥ {need:,.0f} GB for its distance matrix)"
        print(row, flush=True)


if __name__ == "__main__":
    main()
