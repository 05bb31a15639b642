#!/usr/bin/env python3
"""Benchmark: overlap of ~3 km² towns with a province-scale ecological red line.

    python benches/bench_reference_overlap.py            # full run (cached data after the first)
    python benches/bench_reference_overlap.py --towns 40 --naive-towns 3 --cache /tmp/geocheck-bench
    python benches/bench_reference_overlap.py --shapes real   # multipart polygons with many holes

Generates (once, cached under --cache) a synthetic province red line in EPSG:4490: 50 000
star-shaped polygons of 210 vertices each (10.5 million vertices) on a jittered grid over
118–123°E, 27–31°N, as a GeoPackage (R-tree) and a Shapefile (.qix), plus a 5 000-polygon
GeoPackage (every tenth polygon) to show memory does not follow the layer's size. With
`--shapes real` each of the 50 000 features is instead shaped like a real red-line patch: a
multipolygon of 1–3 parts, each with 3–12 holes of different sizes and vertex counts, some
holes holding an island, and some repeated vertices. And ~3 km²
towns, each a GeoPackage in its own CGCS2000 3° GK zone. Then, each approach in its own
subprocess (so its peak RSS is its own), per town:

  geocheck-gpkg / geocheck-shp  ReferenceSet opened once; per town the candidates in the
                                town's box (read through the spatial index), transform, STRtree,
                                exact intersections (ReferenceContext.overlaps), and also a full
                                geocheck.check() of the town with that reference
  naive                         read the whole layer, to_crs, geopandas.overlay (a few towns)
  postgis                       ST_Area(ST_Intersection(...)) on a GiST-indexed table loaded by
                                ogr2ogr into a throwaway server (tests/postgis_server.py)

and prints medians, ratios (naive / geocheck, geocheck / PostGIS) and peak memory. The areas
of geocheck and PostGIS are compared town by town (they must agree within 0.1 %).
Not part of the test-suite. Needs ogr2ogr and PostgreSQL 15 + PostGIS 3 (see .ci/run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
LON0, LON1, LAT0, LAT1 = 118.0, 123.0, 27.0, 31.0
NX, NY, NVERT = 250, 200, 210  # 50 000 polygons × 210 vertices
CELL = 0.02
RED_LINE_SEED, TOWN_SEED = 20240601, 7
TOWN_AREA_M2 = 3.0e6


# --------------------------------------------------------------------------- data


def is_cached(marker: Path, params: dict) -> bool:
    """Whether a generation with these parameters ran to its end (its marker is written last)."""
    try:
        return json.loads(marker.read_text(encoding="utf-8")) == params
    except (OSError, ValueError):
        return False


def mark_cached(marker: Path, params: dict) -> None:
    marker.write_text(json.dumps(params, sort_keys=True), encoding="utf-8")


def make_red_line(cache: Path, log, shapes: str = "stars") -> dict[str, Path]:
    import geopandas as gpd
    import pyogrio
    import shapely

    stem = "red_line" if shapes == "stars" else f"red_line_{shapes}"
    out = {"gpkg": cache / f"{stem}.gpkg", "shp": cache / f"{stem}.shp", "small": cache / f"{stem}_small.gpkg"}
    marker = cache / f"{stem}.generated.json"
    params = {"lon": [LON0, LON1], "lat": [LAT0, LAT1], "grid": [NX, NY], "vertices": NVERT, "cell": CELL,
              "seed": RED_LINE_SEED, "shapes": shapes, "version": 2, "files": sorted(p.name for p in out.values())}
    if is_cached(marker, params):
        return out
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    rng = np.random.default_rng(RED_LINE_SEED)
    n = NX * NY
    i, j = np.meshgrid(np.arange(NX), np.arange(NY))
    cx = LON0 + (i.ravel() + 0.5 + rng.uniform(-0.05, 0.05, n)) * CELL
    cy = LAT0 + (j.ravel() + 0.5 + rng.uniform(-0.05, 0.05, n)) * CELL
    radius = CELL * 0.42 * rng.uniform(0.45, 1.0, n)
    theta = np.linspace(0, 2 * np.pi, NVERT, endpoint=False)
    p1, p2 = rng.uniform(0, 2 * np.pi, (2, n, 1))
    wobble = (1 + 0.22 * np.sin(3 * theta + p1) + 0.1 * np.sin(7 * theta + p2)
              + 0.02 * rng.standard_normal((n, NVERT)))
    r = radius[:, None] * wobble  # star-shaped around the centre: always a simple polygon
    coords = np.empty((n, NVERT + 1, 2))
    coords[:, :NVERT, 0] = cx[:, None] + r * np.cos(theta) / np.cos(np.radians(cy))[:, None]
    coords[:, :NVERT, 1] = cy[:, None] + r * np.sin(theta)
    coords[:, NVERT] = coords[:, 0]
    polys = shapely.polygons(coords)
    del coords, r, wobble
    if shapes == "real":
        polys = real_shaped(polys, cx, cy, radius, rng)
    gdf = gpd.GeoDataFrame({"hxbh": [f"33{k:07d}" for k in range(n)],
                            "hxmc": [f"模拟生态保护红线{k}" for k in range(n)]}, geometry=polys, crs="EPSG:4490")
    cache.mkdir(parents=True, exist_ok=True)
    for p in out.values():
        for f in p.parent.glob(p.stem + ".*"):
            f.unlink()
    pyogrio.write_dataframe(gdf, out["gpkg"], layer="生态保护红线")
    pyogrio.write_dataframe(gdf, out["shp"], encoding="UTF-8", layer_options={"SPATIAL_INDEX": "YES"})
    pyogrio.write_dataframe(gdf.iloc[::10], out["small"], layer="生态保护红线")
    mark_cached(marker, params)
    verts = int(shapely.get_num_coordinates(polys).sum())
    log(f"generated {n:,} red-line polygons, {verts:,} vertices, in {time.perf_counter() - t:.0f} s "
        f"(gpkg {out['gpkg'].stat().st_size / 2**20:.0f} MiB, shp {out['shp'].stat().st_size / 2**20:.0f} MiB)")
    return out


def real_shaped(stars, cx, cy, radius, rng):
    """Each star becomes a red-line patch as real layers hold them: holes (3–12, each a ring of
    3–40 vertices, some with a repeated vertex), an island in some holes, and 1–2 extra
    satellite parts, all inside the star's cell so parts never overlap."""
    import shapely

    out = []
    for k, star in enumerate(stars):
        lat_scale = 1 / np.cos(np.radians(cy[k]))
        holes, islands = [], []
        n_holes = rng.integers(3, 13)
        phase = rng.uniform(0, 2 * np.pi)
        for h in range(n_holes):
            # 0.3–0.45 r from the centre and at most 0.07 r wide: 12 holes never touch each other
            # or the shell, so the layer is valid, as a published red line is.
            ang = 2 * np.pi * h / n_holes + phase
            d = radius[k] * rng.uniform(0.3, 0.45)
            hr = radius[k] * rng.uniform(0.02, 0.07)
            nv = int(rng.integers(3, 41))
            t = np.linspace(0, 2 * np.pi, nv, endpoint=False) + rng.uniform(0, 1)
            hx = cx[k] + (d * np.cos(ang) + hr * np.cos(t)) * lat_scale
            hy = cy[k] + d * np.sin(ang) + hr * np.sin(t)
            ring = np.column_stack([hx, hy])
            if rng.random() < 0.3:
                ring = np.insert(ring, 1, ring[1], axis=0)  # a repeated vertex, as digitising leaves
            holes.append(ring)
            if rng.random() < 0.25:
                islands.append(shapely.Polygon(np.column_stack([cx[k] + (d * np.cos(ang) + 0.4 * hr * np.cos(t)) * lat_scale,
                                                                cy[k] + d * np.sin(ang) + 0.4 * hr * np.sin(t)])))
        main = shapely.Polygon(star.exterior.coords, holes)
        parts = [main, *islands]
        for s in range(int(rng.integers(0, 3))):  # satellites in the cell's free corners
            sx = cx[k] + (0.46 * CELL if s == 0 else -0.46 * CELL) * lat_scale
            sy = cy[k] + (0.46 * CELL if s == 0 else -0.46 * CELL)
            parts.append(shapely.Point(sx, sy).buffer(CELL * 0.03, quad_segs=int(rng.integers(2, 9))))
        out.append(shapely.MultiPolygon(parts) if len(parts) > 1 else main)
    return np.array(out, dtype=object)


def make_towns(cache: Path, count: int) -> list[Path]:
    """~3 km² towns (planned area ≈ 3 km², construction ≈ 1 km²), each in its GK zone's CRS."""
    import geopandas as gpd
    import pyogrio
    import shapely
    from pyproj import Transformer

    from geocheck.crs import gk_cm_epsg

    folder = cache / f"towns_{count}"
    paths = [folder / f"town_{k:03d}.gpkg" for k in range(count)]
    marker = folder / "generated.json"
    params = {"count": count, "seed": TOWN_SEED, "lon": [LON0 + 0.2, LON1 - 0.2], "lat": [LAT0 + 0.2, LAT1 - 0.2],
              "area_m2": TOWN_AREA_M2}
    if is_cached(marker, params):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    rng = np.random.default_rng(TOWN_SEED)
    theta = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    for k, path in enumerate(paths):
        lon, lat = rng.uniform(LON0 + 0.2, LON1 - 0.2), rng.uniform(LAT0 + 0.2, LAT1 - 0.2)
        epsg = gk_cm_epsg(lon)
        x, y = Transformer.from_crs(4490, epsg, always_xy=True).transform(lon, lat)
        r = 977 * (1 + 0.12 * np.sin(3 * theta + k) + 0.05 * np.cos(5 * theta))
        planned = shapely.Polygon(np.column_stack([x + r * np.cos(theta), y + r * np.sin(theta)]))
        planned = shapely.affinity.scale(planned, *(2 * [np.sqrt(TOWN_AREA_M2 / planned.area)]))
        core = shapely.affinity.scale(planned, *(2 * [np.sqrt(1.0 / 3.0)]))
        if path.exists():
            path.unlink()
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[planned], crs=epsg), path, layer="规划范围")
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[core], crs=epsg), path, layer="建设用地")
    mark_cached(marker, params)
    return paths


# --------------------------------------------------------------------------- workers


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec (ru_maxrss would carry
    the parent's peak over, and the parent holds the generated layer)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_baseline(args) -> dict:
    import geocheck  # noqa: F401
    from geocheck.submission import open_submission

    open_submission(args.towns[0])
    return {"times": [], "areas": {}}


def worker_geocheck(args) -> dict:
    import geocheck
    from geocheck.references import ReferenceContext, ReferenceSet
    from geocheck.submission import open_submission

    times, full, areas, reads = [], [], {}, []
    with ReferenceSet.open([f"ecological_red_line={args.source}"]) as refs:
        for town in args.towns:
            sub = open_submission(town)
            t = time.perf_counter()
            ctx = ReferenceContext(refs, sub)
            ov = ctx.overlaps("ecological_red_line", "boundary")
            times.append(time.perf_counter() - t)
            reads.append(ctx.candidates("ecological_red_line")[0].read)  # already read: no second read
            areas[Path(town).stem] = {str(o.reference_id): o.area_m2 for o in ov}
            t = time.perf_counter()
            report = geocheck.check(town, profile=args.profile, references=refs)
            full.append(time.perf_counter() - t)
            assert report.check("GC402").status.value in ("pass", "warn")
    return {"times": times, "full_check_times": full, "areas": areas, "candidates_read": reads}


def worker_naive(args) -> dict:
    import geopandas as gpd

    times, areas = [], {}
    for town in args.towns:
        planned = gpd.read_file(town, layer="规划范围", engine="pyogrio")
        t = time.perf_counter()
        red = gpd.read_file(args.source, engine="pyogrio")
        red = red.to_crs(planned.crs)
        inter = gpd.overlay(planned, red, how="intersection", keep_geom_type=True)
        areas[Path(town).stem] = {str(h): float(a) for h, a in zip(inter["hxbh"], inter.area)}
        times.append(time.perf_counter() - t)
        del red, inter
    return {"times": times, "areas": areas}


def worker_postgis(args) -> dict:
    import geopandas as gpd
    import psycopg

    times, areas = [], {}
    sql = ("SELECT r.hxbh, ST_Area(ST_Intersection(ST_Transform(r.geom, %(srid)s), t.g)) "
           "FROM red_line r, (SELECT ST_GeomFromWKB(%(wkb)s, %(srid)s) AS g) t "
           "WHERE ST_Intersects(r.geom, ST_Transform(t.g, 4490))")
    with psycopg.connect(args.source, autocommit=True) as conn:
        for town in args.towns:
            planned = gpd.read_file(town, layer="规划范围", engine="pyogrio")
            params = {"wkb": planned.geometry.iloc[0].wkb, "srid": planned.crs.to_epsg()}
            t = time.perf_counter()
            rows = conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - t)
            areas[Path(town).stem] = {str(h): float(a) for h, a in rows if a > 0}
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, params))
    return {"times": times, "areas": areas, "plan": plan}


WORKERS = {"baseline": worker_baseline, "geocheck": worker_geocheck, "naive": worker_naive,
           "postgis": worker_postgis}


def run_worker(name: str, source: str, towns: list[Path], profile: Path | None = None, repo: Path = REPO) -> dict:
    """One approach in its own process; `repo` another checkout of geocheck (its code, its worker)."""
    cmd = [sys.executable, str(repo / "benches" / Path(__file__).name), "--worker", name, "--source", str(source),
           "--profile", str(profile or ""), *["--town=" + str(t) for t in towns]]
    env = dict(os.environ, PYTHONPATH=str(repo)) if repo != REPO else None
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=repo, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"worker {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def load_postgis(server, gpkg: Path, log) -> None:
    env = server.client_env()
    t = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", server.ogr_dsn, str(gpkg), "-nln", "red_line",
                    "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-gt", "65536", "-overwrite"],
                   check=True, env=env, capture_output=True)
    server.psql("ANALYZE red_line")
    log(f"loaded the red line into PostGIS (GiST index) in {time.perf_counter() - t:.0f} s")


def compare(a: dict, b: dict) -> float:
    """Largest relative difference of per-feature overlap areas (m²) between two runs."""
    worst = 0.0
    for town, feats in b.items():
        mine = a.get(town, {})
        if set(k for k, v in mine.items() if v > 1e-3) != set(k for k, v in feats.items() if v > 1e-3):
            return float("inf")
        for fid, area in feats.items():
            if area > 1e-3:
                worst = max(worst, abs(mine[fid] - area) / area)
    return worst


def compare_checkouts(other: Path, rounds: int, data: dict, towns: list[Path], profile: Path) -> None:
    """Median per-town time of geocheck's worker in this checkout and in `other`, run alternately."""
    sides = {"this checkout": REPO, str(other): other.resolve()}
    times = {(side, fmt): [] for side in sides for fmt in ("gpkg", "shp")}
    full = {key: [] for key in times}
    for k in range(rounds):
        for fmt in ("gpkg", "shp"):
            for side, repo in (list(sides.items()) if k % 2 == 0 else list(sides.items())[::-1]):
                r = run_worker("geocheck", data[fmt], towns, profile, repo)
                times[(side, fmt)].append(statistics.median(r["times"]) * 1000)
                full[(side, fmt)].append(statistics.median(r["full_check_times"]) * 1000)
    for (side, fmt), ts in times.items():
        print(f"{side:<28} {fmt:<5} per town, median of {rounds} round medians: {statistics.median(ts):6.2f} ms "
              f"(rounds: {' '.join(f'{t:.2f}' for t in ts)}); full check() "
              f"{statistics.median(full[(side, fmt)]):.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("GEOCHECK_BENCH_CACHE",
                                                                      Path(tempfile.gettempdir()) / "geocheck-bench")))
    ap.add_argument("--towns", type=int, default=40, help="towns measured with geocheck and PostGIS")
    ap.add_argument("--naive-towns", type=int, default=3, help="towns measured the naive way (slow)")
    ap.add_argument("--shapes", choices=["stars", "real"], default="stars",
                    help="star polygons, or real-shaped multipart polygons with many holes")
    ap.add_argument("--ab", type=Path, metavar="CHECKOUT",
                    help="only time geocheck's per-town step here and in another checkout (e.g. main's), "
                         "alternately, --rounds times per format: on a loaded machine a fair A/B")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--worker")
    ap.add_argument("--source")
    ap.add_argument("--profile")
    ap.add_argument("--town", action="append", dest="town_list", default=[])
    args = ap.parse_args()
    if args.towns < 1 or args.naive_towns < 1:
        ap.error("--towns and --naive-towns must be at least 1 (each approach needs a town to time)")
    if args.worker:
        args.towns = args.town_list
        result = WORKERS[args.worker](args)
        result["peak_rss_mib"] = peak_rss_mib()
        print(json.dumps(result))
        return

    start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - start:6.1f} s] {msg}", flush=True)

    sys.path.insert(0, str(REPO / "tests"))
    from postgis_server import start_postgis

    data = make_red_line(args.cache, log, args.shapes)
    towns = make_towns(args.cache, args.towns)
    profile = args.cache / "bench_profile.toml"
    profile.write_text('name = "bench"\ntitle_zh = "基准"\ntitle_en = "bench"\nsource = "bench"\n'
                       '[roles]\nboundary = "required"\nconstruction = "required"\n'
                       '[references]\necological_red_line = "required"\n'
                       '[measurement_tolerance]\narea_m2 = 1.0\nlength_m = 0.01\ncrs_distortion_pct = 0.5\n'
                       '[rules.GC401]\ntolerance_m2 = 0.01\nsource = "bench"\n'
                       '[rules.GC402]\ntolerance_m2 = 0.01\nseverity = "warning"\nsource = "bench"\n',
                       encoding="utf-8")
    log(f"{len(towns)} towns; data cached in {args.cache}")
    if args.ab:
        return compare_checkouts(args.ab, args.rounds, data, towns, profile)

    results = {"baseline": run_worker("baseline", "", towns[:1])}
    for name, key in (("geocheck-gpkg", "gpkg"), ("geocheck-shp", "shp"), ("geocheck-gpkg-5k", "small")):
        results[name] = run_worker("geocheck", data[key], towns, profile)
        log(f"{name}: done")
    with tempfile.TemporaryDirectory(prefix="geocheck-bench-pg-") as pgdir, start_postgis(Path(pgdir)) as server:
        load_postgis(server, data["gpkg"], log)
        results["postgis"] = run_worker("postgis", server.dsn, towns)
        log("postgis: done")
    results["naive"] = run_worker("naive", data["gpkg"], towns[:args.naive_towns])
    log("naive: done")

    med = {k: statistics.median(v["times"]) * 1000 for k, v in results.items() if v["times"]}
    naive_per_town = med["naive"]
    print()
    print(f"{'approach':<18} {'towns':>5} {'median ms':>10} {'naive/this':>11} {'this/PostGIS':>13} {'peak RSS MiB':>13}")
    for name in ("geocheck-gpkg", "geocheck-shp", "geocheck-gpkg-5k", "postgis", "naive"):
        r = results[name]
        print(f"{name:<18} {len(r['times']):>5} {med[name]:>10.2f} {naive_per_town / med[name]:>10.0f}× "
              f"{med[name] / med['postgis']:>12.2f}× {r['peak_rss_mib']:>13.0f}")
    print(f"{'baseline (import + open a town)':<32} peak RSS {results['baseline']['peak_rss_mib']:.0f} MiB")
    for name in ("geocheck-gpkg", "geocheck-shp"):
        r = results[name]
        print(f"{name}: full geocheck.check() per town, median {statistics.median(r['full_check_times']) * 1000:.1f} ms; "
              f"candidates read per town: median {statistics.median(r['candidates_read']):.0f}, "
              f"max {max(r['candidates_read'])} of {NX * NY:,}")
    agree_pg = compare(results["geocheck-gpkg"]["areas"], results["postgis"]["areas"])
    agree_naive = compare(results["geocheck-gpkg"]["areas"], results["naive"]["areas"])
    print(f"largest relative area difference, geocheck vs PostGIS: {agree_pg:.2e}; vs naive: {agree_naive:.2e}")
    plan = re.sub(r"'[0-9A-F]{40,}'::geometry", "<town>", results["postgis"]["plan"])
    print("PostGIS plan:", " / ".join(l.strip() for l in plan.splitlines()[:4]))
    ok50 = naive_per_town / med["geocheck-gpkg"] >= 50 and naive_per_town / med["geocheck-shp"] >= 50
    ok2 = med["geocheck-gpkg"] <= 2 * med["postgis"] and med["geocheck-shp"] <= 2 * med["postgis"]
    print(f"targets: ≥ 50× faster than naive: {'met' if ok50 else 'MISSED'}; "
          f"within 2× of PostGIS: {'met' if ok2 else 'MISSED'}; areas agree within 0.1 %: "
          f"{'yes' if max(agree_pg, agree_naive) < 1e-3 else 'NO'}")
    log("total")


if __name__ == "__main__":
    main()
