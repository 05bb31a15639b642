"""Any OGR vector dataset (GeoPackage, Shapefile, GeoJSON, .gdb folder …), read through pyogrio.

Opening reads what every town needs once: layer, CRS, fields, extent; a Shapefile's records
are walked (a spatial filter drops a record GDAL cannot decode without a word) and the text
encoding of its attributes chosen as a submission's is (GBK without a .cpg is common). Each
town then costs one read of the candidates in its box:

* a GeoPackage: its R-tree is asked through a read-only SQLite connection, and the same query
  returns the candidates' rows, whose geometry blobs are decoded here (GeoPackage text is UTF-8
  by the standard). Reading through GDAL would open the dataset again for every town, which
  costs more than the rest of the read. Every feature the R-tree lists is read: one whose
  stored geometry does not decode is an error, never a silent gap. Curved geometries (GEOS
  reads none) are read by id through pyogrio, which linearises them as submissions are.
* anything else: `pyogrio.raw.read(bbox=…)`, GDAL's spatial filter on the dataset's own index
  (a Shapefile's .qix).
"""

from __future__ import annotations

import math
import sqlite3
import threading
from pathlib import Path

import numpy as np
import shapely
import shapely.errors
from pyproj import CRS

from ... import crs as crs_mod
from ...errors import CRSError, InputError, first_line
from ...gdal_config import NO_SIDE_FILES, thread_config
from ...inputs import encoding
from ...inputs.records import geos_reads, gpkg_wkb, undecoded, undecoded_error
from ...inputs.safety import is_sqlite, quiet_gdal, readonly_gdal_path, sqlite_readonly
from ...inputs.shapefile import check_shapefile_file
from ...inputs.sources import ARC_LINEARISATION
from .. import coverage
from ..spec import KINDS, ReferenceSpec
from .base import ReferenceSource, check_geometry_type, choose_layer, plain

# GDAL options for every candidate read, in the reading thread only (see geocheck.gdal_config).
# The source's CRS is known from opening it: GDAL need not look a Shapefile's .prj up in the EPSG
# database again for every town (USE_OSR_FIND_MATCHES, ≈ 2 ms a read).
READ_OPTIONS = NO_SIDE_FILES | ARC_LINEARISATION | {"USE_OSR_FIND_MATCHES": "NO"}


class VectorReference(ReferenceSource):
    """Any OGR vector dataset: metadata through pyogrio once, candidates per town (see above)."""

    path: str = ""  # what GDAL opens (a GeoPackage through a read-only view)
    codec: str | None = None  # a Shapefile's attribute encoding (None: the driver's own, UTF-8)
    null_records: frozenset | None = None  # a Shapefile's null shapes: the only records without geometry
    gpkg_file: str | None = None  # a GeoPackage with an R-tree: candidates are read through SQLite
    gpkg_query: str = ""  # R-tree and rows in one query; four ? for the box
    _connections: "_Connections | None" = None  # per-thread SQLite connections, made at open

    @classmethod
    def accepts(cls, spec: ReferenceSpec) -> bool:
        return True  # any file or folder GDAL may read; the last backend of the list

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "VectorReference":
        import pyogrio
        from pyogrio.errors import DataLayerError, DataSourceError

        label = spec.display
        path = readonly_gdal_path(spec.source, label)  # a GeoPackage through a read-only view
        codec, nulls = None, None
        if Path(spec.source).suffix.lower() == ".shp" and Path(spec.source).is_file():
            codec, nulls = _shapefile(Path(spec.source), label)
        try:
            with quiet_gdal(listing=True), thread_config(NO_SIDE_FILES):
                layers = [(str(n), t) for n, t in pyogrio.list_layers(path) if t is not None]
                layer = spec.layer if spec.layer is not None else choose_layer(KINDS[spec.kind], layers, label)
                info = pyogrio.read_info(path, layer=layer, encoding=codec, force_total_bounds=True)
        except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
            raise InputError(f"not a vector dataset GDAL can read ({first_line(exc)})", label) from None
        if info.get("crs") is None and not spec.crs:
            raise CRSError("reference layer has no coordinate reference system (.prj missing?); give it with "
                           f"--reference-crs {spec.kind}=EPSG:XXXX or crs = in the [references] table", label)
        check_geometry_type(KINDS[spec.kind], info.get("geometry_type"), label)
        given = crs_mod.parse_crs(spec.crs, what=f"the CRS of reference {spec.kind}") if spec.crs else None
        src = cls(spec, given or CRS.from_user_input(info["crs"]), str(info.get("driver", "OGR")),
                  str(layer) if layer is not None else str(info.get("layer_name")),
                  int(info["features"]) if info.get("features", -1) >= 0 else None)
        src.path, src.codec, src.null_records = path, codec, nulls
        src.extent = (tuple(float(v) for v in info["total_bounds"]) if info.get("total_bounds") is not None
                      else (math.nan,) * 4 if info.get("features") == 0 else None)  # nan: holds nothing
        coverage.check_plausible_extent(src)
        src.pick_fields([str(f) for f in info["fields"]])
        if src.format == "GPKG" and is_sqlite(spec.source) and info.get("geometry_name"):
            src._use_rtree(spec.source, str(info.get("fid_column") or "fid"), str(info["geometry_name"]))
        return src

    def _use_rtree(self, file: str, fid: str, geometry: str) -> None:
        """Read candidates straight from the GeoPackage when it has an R-tree (else through GDAL)."""
        q = lambda name: '"' + name.replace('"', '""') + '"'  # noqa: E731
        rtree = f"rtree_{self.layer}_{geometry}"
        conn = sqlite_readonly(file)
        try:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (rtree,)).fetchone()
        except sqlite3.Error:
            found = None
        finally:
            conn.close()
        if not found:
            return  # no R-tree: GDAL reads it, scanning
        columns = ", ".join(f"t.{q(f)}" if f else "NULL" for f in (self.id_f, self.name_f, self.level_f))
        self.gpkg_file, self._connections = file, _Connections()
        self.gpkg_query = (f"SELECT t.{q(fid)}, {columns}, t.{q(geometry)} FROM {q(rtree)} r "
                           f"JOIN {q(self.layer)} t ON t.{q(fid)} = r.id "
                           "WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ? ORDER BY r.id")

    def _read(self, box):
        return self._read_gpkg(box) if self.gpkg_file else self._read_ogr(box)

    def _read_ogr(self, box, fids=None):
        """Through GDAL: the spatial filter on `box`, or the features `fids`."""
        import pyogrio.raw
        from pyogrio.errors import DataLayerError, DataSourceError

        columns = [f for f in dict.fromkeys((self.id_f, self.name_f, self.level_f)) if f]
        try:  # GDAL's notices (M values dropped …) are about the reference, not the town: not noted
            with quiet_gdal(listing=True), thread_config(READ_OPTIONS):
                _, got, wkb, values = pyogrio.raw.read(
                    self.path, layer=self.layer, encoding=self.codec, columns=columns, return_fids=True,
                    force_2d=True, **({"fids": fids} if fids is not None else {"bbox": tuple(float(v) for v in box)}))
        except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
            raise InputError(f"cannot be read ({first_line(exc)})", self.label) from None
        geoms = shapely.from_wkb(wkb, on_invalid="fix")
        missing = [int(fid) for fid, g in zip(got, geoms) if g is None]
        bad = undecoded(missing, null_records=self.null_records, gdal_path=self.path, layer=self.layer,
                        name=self.layer, shown=self.label)
        if bad:
            raise undecoded_error(self.layer, bad, self.label)
        by_name = dict(zip(columns, values))

        def values_of(field, fallback):
            return [plain(v) for v in by_name[field]] if field else list(fallback)

        fids_read = [int(f) for f in got]
        return (values_of(self.id_f, fids_read), values_of(self.name_f, [None] * len(got)),
                values_of(self.level_f, [None] * len(got)), np.asarray(geoms, dtype=object))

    def close(self) -> None:
        if self._connections is not None:
            self._connections.close()

    def _read_gpkg(self, box):
        assert self._connections is not None and self.gpkg_file is not None
        try:
            rows = self._connections.get(self.gpkg_file).execute(
                self.gpkg_query, (float(box[0]), float(box[2]), float(box[1]), float(box[3]))).fetchall()
        except sqlite3.Error as exc:
            raise InputError(f"cannot be read ({exc})", self.label) from None
        ids = [plain(r[1]) if self.id_f else int(r[0]) for r in rows]
        geoms = np.empty(len(rows), dtype=object)
        bad, curved = [], []
        for i, row in enumerate(rows):
            wkb = gpkg_wkb(row[-1])
            if wkb is None or not geos_reads(wkb):
                (bad if wkb is None else curved).append(i)
                continue
            try:
                geoms[i] = shapely.force_2d(shapely.from_wkb(wkb, on_invalid="fix"))
            except shapely.errors.GEOSException:
                bad.append(i)
        if curved:  # GDAL linearises what GEOS cannot read
            *_, linear = self._read_ogr(box, fids=[rows[i][0] for i in curved])
            geoms[curved] = linear
        bad += [i for i in range(len(rows)) if geoms[i] is None and i not in bad]
        if bad:
            raise undecoded_error(self.layer, sorted(rows[i][0] for i in bad), self.label)
        return ids, [plain(r[2]) for r in rows], [plain(r[3]) for r in rows], geoms


class _Connections:
    """One read-only SQLite connection per thread to one GeoPackage: a source is shared by a
    worker's threads, and a kept connection parses the schema once per thread, not once per town."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self, file: str) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = sqlite_readonly(file)
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            while self._all:
                self._all.pop().close()
        self._local = threading.local()


def _shapefile(shp: Path, label: str) -> tuple[str, frozenset[int]]:
    """(attribute codec, null-shape records) of a reference Shapefile, checked as a submission's is
    but with every record walked (a province's layer is not capped)."""
    dbf, layout, nulls = check_shapefile_file(shp, label, max_records=None)
    cpg = next((c for c in shp.parent.iterdir() if c.name.lower() == shp.name[:-4].lower() + ".cpg"), None)
    declared = cpg.read_bytes()[:200].decode("latin-1") if cpg is not None else None
    enc = encoding.choose(encoding.dbf_texts(dbf, layout), declared=declared, declared_by=".cpg", ldid=layout.ldid)
    return enc.codec, nulls
