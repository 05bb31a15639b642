#!/usr/bin/env python3
"""Benchmark: the per-town cost of `geocheck batch` (JSON report only, one process) against the floor.

    python benches/bench_batch_floor.py                     # 40 towns, 3 repeats
    python benches/bench_batch_floor.py --towns 10 --repeat 1 --keep --profile-out /tmp/batch.html

Data. The province-scale layers are cached under --cache (as benches/bench_reference_overlap.py
does, whose generator makes the red line): the real-shaped ecological red line of that bench
(50 000 multipart patches with 3–12 holes each, 22 million vertices, EPSG:4490); basic farmland
made from it, every patch moved by half a grid cell into the gaps between red-line patches
(50 000 patches); an urban development boundary of every fourth patch, enlarged 1.4× (12 500
features). In a temporary folder (kept with
--keep): N towns scattered over the province, each a GeoPackage with the four roles (规划范围
3 km², 建设用地 ≈ 1 km² in two parts 30 m apart, 核心区, 城市设计范围), stored alternately in
EPSG:4490 and in its zone-prefixed CGCS2000 3° GK CRS so every town is reprojected; and a
heritage GeoPackage (6 000 sites over the province plus one inside every other town) with a
protection-range (文物保护范围) and a construction-control (建设控制地带) layer.

What is timed, in one worker process, each repeat running both over the same towns:

  batch  geocheck.batch.run_batch (the library entry `geocheck batch` wraps: discover, then
         run_batch) with -j 1, --force, profile zhejiang-2015, the five reference layers, and
         report.json only (no HTML, no findings.gpkg; the CLI cannot leave out HTML, so it is
         driven through the library). Per town: check_job's own clock (fingerprint, check,
         report.json, outcome). Once per run and reported apart: discovery, and what run_batch
         does besides its towns (lock, reserve, the context fingerprint of the references,
         summary files); once per process: interpreter start and imports, and opening the
         reference layers.
  floor  per town, nothing but: read the four layers with pyogrio, reproject them to the GK
         zone of their centre longitude, read each reference layer's candidates in the town's
         bounding box with pyogrio (GeoPackage R-tree), reproject them, intersect them with the
         planned area and the construction zone with shapely, and take the areas.

Then one more batch run under pyinstrument shows where batch's time goes: each sample is
charged to the innermost geocheck stage on its stack (reading, normalising, measuring, rules,
reference reading and overlaps, report writing, fingerprinting …) and to the innermost geocheck
function, next to the floor's own steps. The floor's and batch's overlap areas are compared
feature by feature (they must agree), so the floor is known to do the same geometric work.
Towns that batch ends as errors are listed and left out of the comparison.

Needs pyinstrument (pip install pyinstrument) for the breakdown. Not part of the test-suite.
"""

from __future__ import annotations

import time

STARTED = time.time()  # this process's start, before its imports: the worker's start-up is measured from here

import argparse  # noqa: E402 - after STARTED on purpose
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROFILE = "zhejiang-2015"
TOWN_SEED, HERITAGE_SEED = 12, 13
HERITAGE_SITES = 6000
# The town's layers by role, named as institutes name them (geocheck finds the roles by name).
TOWN_LAYERS = {"boundary": "规划范围", "construction": "建设用地", "core": "核心区", "urban_design": "城市设计范围"}
FLOOR_ROLES = ("boundary", "construction")  # the roles batch measures every reference against


# --------------------------------------------------------------------------- data


def overlap_bench():
    sys.path.insert(0, str(HERE))
    import bench_reference_overlap

    return bench_reference_overlap


def province_layers(cache: Path, log) -> dict[str, Path]:
    """The red line of bench_reference_overlap (real shapes), and farmland and a development
    boundary derived from it; generated once, cached."""
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely
    import shapely.affinity

    ob = overlap_bench()
    red = ob.make_red_line(cache, log, "real")["gpkg"]
    out = {"red_line": red, "farmland": cache / "farmland_real.gpkg", "dev_boundary": cache / "dev_boundary_real.gpkg"}
    marker = cache / "batch_floor_layers.generated.json"
    params = {"red_line": red.name, "red_line_bytes": red.stat().st_size, "version": 2}
    if ob.is_cached(marker, params):
        return out
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    geoms = pyogrio.read_dataframe(red, columns=[]).geometry.values
    # The patches' own centres (their bounding-box centres) are what the boundary patches grow from.
    b = shapely.bounds(geoms)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    half = ob.CELL / 2

    # Farmland: every patch moved half a cell diagonally, into the gaps between red-line patches.
    pieces = shapely.transform(geoms, lambda xy: xy + half)
    farm = gpd.GeoDataFrame({"jbnttbbh": [f"JBNT{k:07d}" for k in range(len(pieces))],
                             "dlmc": ["水田"] * len(pieces)}, geometry=pieces, crs="EPSG:4490")
    out["farmland"].unlink(missing_ok=True)
    pyogrio.write_dataframe(farm, out["farmland"], layer="永久基本农田")

    # Development boundary: every second patch of every second row, enlarged 1.4× (no two touch).
    i, j = np.meshgrid(np.arange(ob.NX), np.arange(ob.NY))
    pick = ((i.ravel() % 2 == 0) & (j.ravel() % 2 == 0))
    sel, sx, sy = geoms[pick], cx[pick], cy[pick]
    grown = np.array([shapely.affinity.scale(g, 1.4, 1.4, origin=(x, y)) for g, x, y in zip(sel, sx, sy)], dtype=object)
    dev = gpd.GeoDataFrame({"bsm": [f"KFBJ{k:06d}" for k in range(len(grown))], "mc": ["城镇开发边界"] * len(grown)},
                           geometry=grown, crs="EPSG:4490")
    out["dev_boundary"].unlink(missing_ok=True)
    pyogrio.write_dataframe(dev, out["dev_boundary"], layer="城镇开发边界")
    ob.mark_cached(marker, params)
    log(f"generated farmland ({len(farm):,} patches, {out['farmland'].stat().st_size / 2**20:.0f} MiB) and a "
        f"development boundary ({len(dev):,}, {out['dev_boundary'].stat().st_size / 2**20:.0f} MiB) "
        f"in {time.perf_counter() - t:.0f} s")
    return out


def wobbly(x, y, r, n, k, wobble=0.02):
    """A closed ring of n vertices around (x, y), radius r with a gentle wobble (phase k)."""
    import numpy as np
    import shapely

    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rr = r * (1 + wobble * np.sin(3 * theta + k) + wobble / 2 * np.cos(5 * theta + k))
    return shapely.Polygon(np.column_stack([x + rr * np.cos(theta), y + rr * np.sin(theta)]))


def make_towns(folder: Path, count: int) -> list[dict]:
    """`count` towns over the province; each a GeoPackage with the four role layers."""
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely
    import shapely.affinity
    from pyproj import Transformer

    from geocheck.crs import gk_cm_epsg, gk_zone

    ob = overlap_bench()
    folder.mkdir(parents=True)
    rng = np.random.default_rng(TOWN_SEED)
    towns = []
    for k in range(count):
        lon = rng.uniform(ob.LON0 + 0.2, ob.LON1 - 0.2)
        lat = rng.uniform(ob.LAT0 + 0.2, ob.LAT1 - 0.2)
        gk = gk_cm_epsg(lon)
        x, y = Transformer.from_crs(4490, gk, always_xy=True).transform(lon, lat)
        planned = wobbly(x, y, 977.0, 600, k, wobble=0.06)
        planned = shapely.affinity.scale(planned, *(2 * [np.sqrt(3.0e6 / planned.area)]))
        layers = {
            "boundary": [planned],
            "construction": [wobbly(x - 300, y, 470.0, 300, k), wobbly(x + 510, y, 310.0, 200, k + 1)],
            "core": [wobbly(x - 300, y, 250.0, 120, k)],
            "urban_design": [wobbly(x - 300, y, 330.0, 160, k + 2)],
        }
        # Alternately lon/lat and the zone-prefixed GK CRS (EPSG:4513 is zone 25): both are reprojected.
        stored = 4490 if k % 2 == 0 else 4513 + gk_zone(lon) - 25
        path = folder / f"town_{k:03d}.gpkg"
        for role, geoms in layers.items():
            gdf = gpd.GeoDataFrame({"name": [f"{role}-{n}" for n in range(len(geoms))]}, geometry=geoms, crs=gk)
            pyogrio.write_dataframe(gdf.to_crs(stored), path, layer=TOWN_LAYERS[role])
        towns.append({"path": str(path), "lon": lon, "lat": lat, "x": x, "y": y, "gk": gk})
    return towns


def make_heritage(path: Path, towns: list[dict]) -> None:
    """Heritage sites: HERITAGE_SITES over the province plus one inside every other town; a
    protection range (the site + 30–80 m) and a construction-control zone (+ 100 m more)."""
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely
    from pyproj import Transformer

    ob = overlap_bench()
    rng = np.random.default_rng(HERITAGE_SEED)
    lon = rng.uniform(ob.LON0, ob.LON1, HERITAGE_SITES)
    lat = rng.uniform(ob.LAT0, ob.LAT1, HERITAGE_SITES)
    # ~1 m in degrees: good enough for shapes only (the towns' own sites are placed in metres)
    deg = 1 / 111_000.0
    sites = [shapely.box(a - 20 * deg, b - 15 * deg, a + 20 * deg, b + 15 * deg) for a, b in zip(lon, lat)]
    for t in towns[::2]:
        to_ll = Transformer.from_crs(t["gk"], 4490, always_xy=True)
        local = shapely.box(t["x"] - 520, t["y"] + 150, t["x"] - 470, t["y"] + 190)
        sites.append(shapely.transform(local, to_ll.transform, interleaved=False))
    sites = np.array(sites, dtype=object)
    n = len(sites)
    levels = rng.choice(["全国重点文物保护单位", "省级文物保护单位", "市县级文物保护单位"], n)
    reach = rng.uniform(30, 80, n) * deg
    attrs = {"wwbh": [f"WW{k:05d}" for k in range(n)], "wwmc": [f"模拟文物{k}" for k in range(n)], "bhjb": levels}
    ranges = shapely.buffer(sites, reach, quad_segs=8)
    zones = shapely.buffer(sites, reach + 100 * deg, quad_segs=8)
    pyogrio.write_dataframe(gpd.GeoDataFrame(attrs, geometry=ranges, crs="EPSG:4490"), path, layer="文物保护范围")
    pyogrio.write_dataframe(gpd.GeoDataFrame(attrs, geometry=zones, crs="EPSG:4490"), path, layer="建设控制地带")


def reference_layers(province: dict[str, Path], heritage: Path) -> list[dict]:
    """The five reference layers: kind, file, layer and the id attribute geocheck picks for the kind."""
    return [
        {"kind": "ecological_red_line", "path": str(province["red_line"]), "layer": "生态保护红线", "id": "hxbh"},
        {"kind": "basic_farmland", "path": str(province["farmland"]), "layer": "永久基本农田", "id": "jbnttbbh"},
        {"kind": "urban_development_boundary", "path": str(province["dev_boundary"]), "layer": "城镇开发边界", "id": "bsm"},
        {"kind": "heritage_protection_range", "path": str(heritage), "layer": "文物保护范围", "id": "wwbh"},
        {"kind": "heritage_control_zone", "path": str(heritage), "layer": "建设控制地带", "id": "wwbh"},
    ]


# --------------------------------------------------------------------------- the floor


class Floor:
    """Read, reproject, read candidates by box, reproject, intersect: nothing else."""

    def __init__(self, refs: list[dict]):
        self.refs = refs
        self.transformers: dict = {}  # one pyproj Transformer per CRS pair, as any careful script keeps

    def transformer(self, src, dst):
        from pyproj import Transformer

        key = (str(src), str(dst))
        if key not in self.transformers:
            self.transformers[key] = Transformer.from_crs(src, dst, always_xy=True)
        return self.transformers[key]

    def reproject(self, geoms, src, dst):
        import shapely

        return shapely.transform(geoms, self.transformer(src, dst).transform, interleaved=False)

    def town(self, path: str) -> tuple[dict, dict]:
        """(seconds per step, {kind|id|role: overlap area m²})."""
        import numpy as np
        import pyogrio.raw
        import shapely

        from geocheck.crs import gk_cm_epsg

        clock, steps = time.perf_counter(), {}

        def lap(step):
            nonlocal clock
            now = time.perf_counter()
            steps[step] = steps.get(step, 0.0) + now - clock
            clock = now

        read = {role: pyogrio.raw.read(path, layer=layer, columns=[]) for role, layer in TOWN_LAYERS.items()}
        lap("read town")
        layers = {role: (shapely.from_wkb(r[2]), r[0]["crs"]) for role, r in read.items()}
        boxes = np.array([self.transformer(crs, "EPSG:4490").transform_bounds(*shapely.total_bounds(g))
                          for g, crs in layers.values()])
        target = f"EPSG:{gk_cm_epsg((boxes[:, 0].min() + boxes[:, 2].max()) / 2)}"
        geoms = {role: self.reproject(g, crs, target) for role, (g, crs) in layers.items()}
        roles = {role: shapely.union_all(geoms[role]) for role in FLOOR_ROLES}
        box = shapely.total_bounds(np.concatenate(list(geoms.values())))
        lap("transform town")
        areas = {}
        for ref in self.refs:
            src_box = self.transformer(target, "EPSG:4490").transform_bounds(*box, densify_pts=21)
            meta, _, wkb, fields = pyogrio.raw.read(ref["path"], layer=ref["layer"], bbox=src_box, columns=[ref["id"]])
            lap("read candidates")
            cands = self.reproject(shapely.from_wkb(wkb), meta["crs"], target)
            lap("transform candidates")
            for role, geom in roles.items():
                found = shapely.area(shapely.intersection(cands, geom))
                for fid, area in zip(fields[0], found):
                    if area > 0:
                        areas[f"{ref['kind']}|{fid}|{role}"] = float(area)
            lap("intersect")
        return steps, areas


# --------------------------------------------------------------------------- the worker


def worker(spec: dict) -> dict:
    """Time batch and the floor over the same towns in this process; then profile one batch run."""
    imports = time.time()
    import geocheck.api  # noqa: F401 - what a batch worker imports, counted as start-up
    import pyogrio.raw  # noqa: F401
    from geocheck.batch import discover, run_batch
    from geocheck.options import CheckOptions, ReportOptions
    from geocheck.references import ReferenceSet
    from geocheck.references.spec import split_source

    startup = {"interpreter_s": STARTED - spec["spawned_at"], "imports_s": time.time() - imports}
    specs = tuple(split_source(r["kind"], r["path"], layer=r["layer"]) for r in spec["references"])
    t = time.perf_counter()
    with ReferenceSet.open(list(specs)):
        pass
    startup["open_references_s"] = time.perf_counter() - t
    options, report_options = CheckOptions(profile=PROFILE, references=specs), ReportOptions(formats=(), findings=False)
    out = Path(spec["out"])
    floor = Floor(spec["references"])

    def batch_run():
        t = time.perf_counter()
        jobs = discover(spec["towns_dir"], exclude=[out])
        discovered = time.perf_counter() - t
        seconds = {}
        summary = run_batch(jobs, out, options, report_options, workers=1, force=True,
                            on_result=lambda o, k, n: seconds.__setitem__(o.name, o.seconds))
        wall = time.perf_counter() - t
        return {"discover_s": discovered, "run_s": wall - discovered, "town_s": seconds,
                "errors": {o.name: o.error for o in summary.outcomes if o.error}}

    runs, floor_runs = [], []
    for _ in range(spec["repeat"]):
        runs.append(batch_run())
        steps, areas = {}, {}
        for town in spec["towns"]:
            name = Path(town).stem
            steps[name], areas[name] = floor.town(town)
        floor_runs.append(steps)

    batch_areas, candidates = {}, {}
    for town in spec["towns"]:
        name = Path(town).stem
        report = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
        if report.get("error"):
            continue
        batch_areas[name] = {f"{o['reference_kind']}|{o['reference_id']}|{o['role']}": o["area_m2"]
                             for o in report["measurements"]["overlaps"]
                             if o["relation"] == "overlap" and o["role"] in FLOOR_ROLES}
        candidates[name] = sum(r["candidates_read"] or 0 for r in report["inputs"]["references"])

    profile = profile_batch(batch_run, spec.get("profile_out"))
    return {"startup": startup, "runs": runs, "floor": floor_runs, "floor_areas": areas, "batch_areas": batch_areas,
            "candidates": candidates, "profile": profile}


# Stages of a batch run, by geocheck module or module:function; a sample is charged to the
# innermost frame on its stack that one of these names (first match in this list wins), except
# that everything below a per-run stage ("per run: …") stays in it (the context fingerprint
# hashes files too, the summary renders HTML).
STAGES = (
    ("batch/fingerprint.py:context_digest", "per run: context fingerprint (profile, references)"),
    ("batch/fingerprint.py", "fingerprinting (job_fingerprint)"),
    ("provenance.py", "input hashes in the report (file_digests)"),
    ("batch/context.py", "reference opening"),
    ("references/overlay.py:open", "reference opening"),
    ("references/backends/__init__.py:open_reference", "reference opening"),
    ("references/backends/:open", "reference opening"),
    ("references/backends/base.py:_repaired", "reference candidates: repair"),
    ("references/backends/base.py:coverage_problem", "reference coverage check"),
    ("references/coverage.py", "reference coverage check"),
    ("references/backends/", "reference candidates: read + transform"),
    ("references/overlay.py:context", "reference context for maps"),
    ("references/overlay.py", "reference overlaps (intersect)"),
    ("inputs/", "reading the submission"),
    ("geometry.py:area", "measuring (geodesic areas)"),
    ("submission.py:_centre_longitude", "normalising (CRS choice, reproject, repair, dissolve)"),
    ("submission.py:_prepare", "normalising (CRS choice, reproject, repair, dissolve)"),
    ("geometry.py", "normalising (CRS choice, reproject, repair, dissolve)"),
    ("submission.py", "reading the submission"),
    ("measure.py", "measuring (areas, contiguity, coverage)"),
    ("api.py:measurements", "measuring (areas, contiguity, coverage)"),
    ("checks/", "rules"),
    ("profile.py", "profile loading"),
    ("findings.py", "report writing (Report.to_dict, report.json, outcome)"),
    ("report/", "report writing (Report.to_dict, report.json, outcome)"),
    ("batch/run.py:outcome_from_report", "report writing (Report.to_dict, report.json, outcome)"),
    ("batch/run.py:_write_formats", "report writing (Report.to_dict, report.json, outcome)"),
    ("crs.py", "CRS labels and checks"),
    ("batch/summary.py", "per run: summary files"),
    ("report/batch_index.py", "per run: summary files"),
    ("report/atomic.py:remove_stale_temporaries", "per run: lock, reserve, clean-up"),
    ("batch/run.py:_reserve", "per run: lock, reserve, clean-up"),
    ("batch/run.py:output_lock", "per run: lock, reserve, clean-up"),
    ("batch/discover.py", "per run: discovery"),
    ("api.py", "check(): the rest"),
    ("batch/", "batch: the rest (check_job, run_batch)"),
)
# The floor step that does the same work as a stage (what the stage costs beyond it is extra).
FLOOR_OF = {"reading the submission": ("read town",),
            "normalising (CRS choice, reproject, repair, dissolve)": ("transform town",),
            "reference candidates: read + transform": ("read candidates", "transform candidates"),
            "reference overlaps (intersect)": ("intersect",)}


def profile_batch(batch_run, html_out: str | None) -> dict:
    """One batch run under pyinstrument: seconds by stage and by innermost geocheck function."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"error": "pyinstrument is not installed (pip install pyinstrument): no breakdown"}
    import geocheck

    root = str(Path(geocheck.__file__).parent) + os.sep
    profiler = Profiler(interval=0.0005)
    profiler.start()
    run = batch_run()
    session = profiler.stop()
    if html_out:
        Path(html_out).write_text(profiler.output_html(), encoding="utf-8")
    by_stage, by_function = defaultdict(float), defaultdict(float)

    def classify(frame):
        path = frame.file_path or ""
        if not path.startswith(root):
            return None, None
        rel = path[len(root):].replace(os.sep, "/")
        for pattern, stage in STAGES:
            module, _, function = pattern.partition(":")
            if rel.startswith(module) and (not function or frame.function == function):
                return stage, f"{rel}:{frame.function}"
        return None, f"{rel}:{frame.function}"

    stack = [(session.root_frame(), "outside geocheck", "outside geocheck")]
    while stack:
        frame, stage, function = stack.pop()
        mine, where = classify(frame)
        if not stage.startswith("per run"):
            stage = mine or stage
        function = where or function
        self_time = frame.time - sum(c.time for c in frame.children)
        by_stage[stage] += self_time
        by_function[function] += self_time
        stack.extend((c, stage, function) for c in frame.children)
    return {"towns": len(run["town_s"]), "wall_s": session.duration, "town_s": run["town_s"],
            "stages": dict(by_stage), "functions": dict(by_function)}


# --------------------------------------------------------------------------- main


def per_town_medians(runs: list[dict]) -> dict[str, float]:
    """{town: median seconds over the repeats}."""
    names = runs[0].keys()
    return {n: statistics.median(r[n] for r in runs) for n in names}


def report(result: dict, args, log) -> None:
    s = result["startup"]
    errors = {n: e for r in result["runs"] for n, e in r["errors"].items()}
    batch = per_town_medians([r["town_s"] for r in result["runs"]])
    floor_steps = result["floor"]
    floor = per_town_medians([{n: sum(st.values()) for n, st in run.items()} for run in floor_steps])
    names = sorted(n for n in batch if n not in errors)
    print()
    if errors:
        print(f"{len(errors)} of {len(batch)} towns ended as errors in batch and are left out of the comparison:")
        for n, e in sorted(errors.items()):
            print(f"  {n}: {e[-160:]}")
    if not names:
        raise SystemExit("no town was checked: nothing to compare")
    print(f"{len(names)} towns × {args.repeat} repeats, profile {PROFILE}, 5 reference layers; batch through the "
          "library entry (discover + run_batch, workers=1, force, report.json only)")
    print(f"once per process: interpreter start {s['interpreter_s']:.2f} s, imports {s['imports_s']:.2f} s, "
          f"opening the reference layers {s['open_references_s']:.2f} s")
    run_fixed = [r["run_s"] - sum(r["town_s"].values()) for r in result["runs"]]
    print(f"once per batch run: discovery {statistics.median(r['discover_s'] for r in result['runs']) * 1000:.1f} ms; "
          f"run_batch besides its towns (lock, reserve, context fingerprint of the references, summary) "
          f"{statistics.median(run_fixed):.2f} s")
    print()
    print(f"{'town':<10} {'batch ms':>9} {'floor ms':>9} {'ratio':>7} {'candidates':>10}")
    for n in names:
        print(f"{n:<10} {batch[n] * 1000:>9.1f} {floor[n] * 1000:>9.1f} {batch[n] / floor[n]:>6.2f}× "
              f"{result['candidates'][n]:>10}")
    mb, mf = statistics.median(batch[n] for n in names), statistics.median(floor[n] for n in names)
    print(f"{'median':<10} {mb * 1000:>9.1f} {mf * 1000:>9.1f} {mb / mf:>6.2f}×")
    total_b, total_f = sum(batch[n] for n in names), sum(floor[n] for n in names)
    print(f"{'sum':<10} {total_b * 1000:>9.0f} {total_f * 1000:>9.0f} {total_b / total_f:>6.2f}×")
    amortised = statistics.median(r["run_s"] + r["discover_s"] for r in result["runs"]) / len(batch)
    print(f"whole batch run per town (fixed costs shared out over all {len(batch)} towns): {amortised * 1000:.1f} ms, "
          f"{amortised / mf:.2f}× the floor's median")
    print(f"target ≤ 2× the floor (median per town): {'met' if mb <= 2 * mf else 'MISSED'} ({mb / mf:.2f}×)")

    # Agreement: within 1e-6 relative or 1e-3 m² absolute (a 20 m² sliver of a repaired, dissolved
    # zone differs from the raw one in the fourth decimal of a m²).
    diffs = []  # (relative, absolute, where) per feature-role pair
    for n in names:
        fa, ba = result["floor_areas"][n], result["batch_areas"][n]
        keys = {k for k, v in fa.items() if v > 1e-3} | {k for k, v in ba.items() if v > 1e-3}
        for k in keys:
            a, b = fa.get(k, 0.0), ba.get(k, 0.0)
            diffs.append((abs(a - b) / max(a, b), abs(a - b), f"{n} {k}: floor {a:.4f} m², batch {b:.4f} m²"))
    differ = [d for d in diffs if d[0] > 1e-6 and d[1] > 1e-3]
    worst = max(diffs, default=(0.0, 0.0, ""))
    print(f"overlap areas, batch vs floor: {len(diffs)} feature-role pairs, largest difference "
          f"{max((d[1] for d in diffs), default=0.0):.1e} m², largest relative {worst[0]:.1e} ({worst[2]}): "
          f"{f'{len(differ)} DIFFER' if differ else 'agree'} (within 1e-6 relative or 1e-3 m²)")

    step_names = ("read town", "transform town", "read candidates", "transform candidates", "intersect")
    floor_step = {st: statistics.median(statistics.median(run[n][st] for run in floor_steps) for n in names)
                  for st in step_names}
    print("floor per town (median ms): " + ", ".join(f"{st} {v * 1000:.1f}" for st, v in floor_step.items()))

    prof = result["profile"]
    if "error" in prof:
        print(prof["error"])
        return
    k = prof["towns"]
    overhead = sum(prof["town_s"][n] for n in names) / total_b
    print()
    print(f"where batch's time goes: pyinstrument over one more run of {k} towns ({prof['wall_s']:.1f} s; "
          f"its per-town total is {overhead:.2f}× the unprofiled one), each sample charged to the innermost stage")
    print(f"{'stage':<58} {'s':>6} {'ms/town':>8} {'floor ms':>9} {'beyond':>7}")
    for stage, sec in sorted(prof["stages"].items(), key=lambda kv: -kv[1]):
        if sec < 0.0005 * k:
            continue
        floor_ms = sum(floor_step[st] for st in FLOOR_OF.get(stage, ())) * 1000
        per = sec / k * 1000
        print(f"{stage:<58} {sec:>6.2f} {per:>8.1f} {floor_ms:>9.1f} {per - floor_ms:>7.1f}")
    print()
    print("innermost geocheck function (self time plus the library calls it makes), top 15:")
    for fn, sec in sorted(prof["functions"].items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {fn:<64} {sec:>6.2f} s {sec / k * 1000:>7.1f} ms/town")
    if args.profile_out:
        print(f"pyinstrument profile: {args.profile_out}")


def run_worker(spec: dict, folder: Path) -> dict:
    spec_file = folder / "worker.json"
    spec["spawned_at"] = time.time()
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.run([sys.executable, __file__, "--worker", str(spec_file)], capture_output=True, text=True,
                          cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"worker failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--towns", type=int, default=40, help="towns checked (default 40)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of batch and of the floor; per-town medians")
    ap.add_argument("--keep", action="store_true", help="keep the towns, heritage layer and reports (path printed)")
    ap.add_argument("--profile-out", type=Path, help="write pyinstrument's HTML profile of the profiled batch run here")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("GEOCHECK_BENCH_CACHE",
                                                                      Path(tempfile.gettempdir()) / "geocheck-bench")),
                    help="folder for the province-scale layers (shared with bench_reference_overlap.py)")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker.read_text(encoding="utf-8")))))
        return
    if args.towns < 1 or args.repeat < 1:
        ap.error("--towns and --repeat must be at least 1")

    start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - start:6.1f} s] {msg}", flush=True)

    args.cache.mkdir(parents=True, exist_ok=True)
    province = province_layers(args.cache, log)
    work = Path(tempfile.mkdtemp(prefix="geocheck-batch-floor-"))
    try:
        towns = make_towns(work / "towns", args.towns)
        make_heritage(work / "heritage.gpkg", towns)
        log(f"{len(towns)} towns and the heritage layer in {work}")
        spec = {"towns_dir": str(work / "towns"), "towns": [t["path"] for t in towns], "out": str(work / "out"),
                "references": reference_layers(province, work / "heritage.gpkg"), "repeat": args.repeat,
                "profile_out": str(args.profile_out) if args.profile_out else None}
        result = run_worker(spec, work)
        log("timed and profiled")
        report(result, args, log)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log("total")


if __name__ == "__main__":
    main()
