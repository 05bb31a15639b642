"""Reference sources opened once and read many times, only where a submission is.

`open_reference(spec)` gives a VectorReference (any OGR dataset, kept open through fiona),
a PostgisReference (psycopg, one connection) or a RasterReference (rasterio). Each answers
`candidates(bounds, crs)`: the features whose bounding box meets the submission's box, with
that box first carried into the source's own CRS with densified edges so the spatial index
of the file (GeoPackage R-tree, Shapefile .qix) or table (GiST) does the filtering. Only the
part of each candidate inside the box is kept and transformed, so memory follows the size of
the town, not of the province.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
import shapely.errors
from shapely.geometry import shape
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

from .. import crs as crs_mod
from ..errors import CRSError, InputError, first_line
from ..inputs.safety import is_sqlite, quiet_gdal, readonly_gdal_path, sqlite_readonly, stat_input
from ..inputs.records import indexed_fids, undecoded, undecoded_error
from ..inputs.shapefile import check_shapefile_file
from ..geometry import EMPTY_POLYGON, repair
from . import coverage
from .spec import KINDS, ReferenceKind, ReferenceSpec

# fiona reports GDAL's messages through logging; a library leaves them unprinted (no lastResort).
logging.getLogger("fiona").addHandler(logging.NullHandler())

BBOX_DENSIFY_PTS = 21  # points per edge when the submission's box changes CRS
BBOX_PAD = 0.01  # the box in the source CRS is padded by 1 % of its size on every side
# Raster masks: cells read under one town, and regions made of them (each becomes a polygon).
MAX_RASTER_CELLS = 25_000_000
MAX_RASTER_POLYGONS = 200_000


@dataclass
class Candidates:
    """Reference features near a submission, in the submission's target CRS."""

    source: "ReferenceSource"
    ids: list
    names: list
    levels: list
    geometries: np.ndarray  # shapely geometries (repaired; polygons clipped to the box)
    read: int  # features (or raster regions) that came back from the source's index

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass
class ReferenceSource:
    """Base class: one opened reference layer of one kind."""

    spec: ReferenceSpec
    crs: CRS
    format: str
    layer: str | None
    feature_count: int | None = None
    last_read: int = 0
    _to_target: dict = field(default_factory=dict, repr=False)
    extent: tuple | None = None  # in the source's CRS; all NaN for a layer without features

    @property
    def kind(self) -> ReferenceKind:
        return KINDS[self.spec.kind]

    @property
    def label(self) -> str:
        return self.spec.display

    def describe(self) -> dict:
        return {"kind": self.spec.kind, "source": self.label, "layer": self.layer, "format": self.format,
                "crs": crs_mod.crs_label(self.crs), "feature_count": self.feature_count}

    def source_box(self, bounds, bounds_crs: CRS) -> tuple[float, float, float, float]:
        """`bounds` (in `bounds_crs`) as a box in this source's CRS, edges densified, padded."""
        try:
            key = ("to_source", bounds_crs.srs)  # srs is cheap; to_wkt() per town is not
            if key not in self._to_target:
                self._to_target[key] = Transformer.from_crs(bounds_crs, self.crs, always_xy=True)
            x0, y0, x1, y1 = self._to_target[key].transform_bounds(*bounds, densify_pts=BBOX_DENSIFY_PTS)
        except ProjError as exc:
            raise CRSError(f"cannot transform the submission's extent to {crs_mod.crs_label(self.crs)} ({exc})",
                           self.label) from None
        if not np.all(np.isfinite([x0, y0, x1, y1])):
            raise CRSError(f"the submission's extent has no place in {crs_mod.crs_label(self.crs)}", self.label)
        px, py = (x1 - x0) * BBOX_PAD + 1e-9, (y1 - y0) * BBOX_PAD + 1e-9
        return x0 - px, y0 - py, x1 + px, y1 + py

    def coverage_problem(self, bounds, target_crs: CRS) -> tuple[str, str] | None:
        """(zh, en) when this source cannot be judged for a town at `bounds` (see coverage.py)."""
        box = self.source_box(bounds, target_crs)
        return coverage.extent_problem(self, box) or self._data_problem(box)

    def _data_problem(self, box) -> tuple[str, str] | None:
        return None

    def candidates(self, bounds, target_crs: CRS) -> Candidates:
        """Features whose bbox meets `bounds` (target CRS), clipped and transformed to it."""
        box = self.source_box(bounds, target_crs)
        ids, names, levels, geoms = self._read(box)
        self.last_read = len(geoms)
        geoms = np.asarray(geoms, dtype=object)
        if len(geoms) and self.kind.geometry == "polygon":
            geoms = shapely.clip_by_rect(geoms, *box)
        geoms = self._transform(geoms, target_crs)
        fixed = np.array([_repaired(g) if self.kind.geometry == "polygon" else shapely.force_2d(g)
                          for g in geoms], dtype=object)
        keep = ~shapely.is_empty(fixed) if len(fixed) else np.zeros(0, bool)
        pick = lambda values: [v for v, k in zip(values, keep) if k]  # noqa: E731
        return Candidates(self, pick(ids), pick(names), pick(levels), fixed[keep], len(geoms))

    def _transform(self, geoms: np.ndarray, target_crs: CRS) -> np.ndarray:
        key = target_crs.srs
        if key not in self._to_target:
            same = self.crs == target_crs
            self._to_target[key] = None if same else Transformer.from_crs(self.crs, target_crs, always_xy=True)
        t = self._to_target[key]
        if not len(geoms) or t is None:
            return geoms

        def xy(coords):
            x, y = t.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        out = shapely.transform(geoms, xy)
        if not np.all(np.isfinite(shapely.bounds(out)[~shapely.is_empty(out)])):
            raise CRSError(f"reference features do not transform to {crs_mod.crs_label(target_crs)}", self.label)
        return out

    def _read(self, box):  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


def _repaired(geom):
    """make_valid'ed polygons; a geometry GEOS cannot repair (degenerate rings) falls back to buffer(0)."""
    try:
        return repair(geom)[0]
    except shapely.errors.GEOSException:
        return repair(shapely.buffer(geom, 0))[0]


def _pick_field(available, configured: str | None, defaults: tuple[str, ...], what: str, label: str):
    """The configured attribute (which must exist) or the first default the layer has."""
    by_lower = {str(f).lower(): str(f) for f in available}
    if configured:
        if configured.lower() not in by_lower:
            raise InputError(f"has no attribute '{configured}' for the {what} "
                             f"(attributes: {', '.join(map(str, available)) or 'none'})", label)
        return by_lower[configured.lower()]
    for name in defaults:
        if name.lower() in by_lower:
            return by_lower[name.lower()]
    return None



def _check_geometry_type(kind: ReferenceKind, gtype: str | None, label: str):
    gtype = (gtype or "Unknown").replace(" Z", "").replace(" M", "").replace("3D ", "")
    polygonal = ("Polygon", "MultiPolygon", "CurvePolygon", "MultiSurface")
    punctual = ("Point", "MultiPoint")
    ok = polygonal if kind.geometry == "polygon" else punctual
    if gtype in ok or gtype.upper() in ("UNKNOWN", "GEOMETRY", "GEOMETRYCOLLECTION"):
        return
    raise InputError(f"holds {gtype} geometries, but a {kind.title_en} ({kind.title_zh}) layer needs "
                     f"{'polygons' if kind.geometry == 'polygon' else 'points'}", label)


# --------------------------------------------------------------------------- OGR vector


class VectorReference(ReferenceSource):
    """Any OGR vector dataset: metadata through pyogrio, candidates through one open fiona
    collection, so each town costs one spatial-filter query and no dataset open."""

    path: str = ""
    fields: tuple = ()
    encoding: str | None = None
    null_records: frozenset | None = None  # a Shapefile's null shapes: the only records without geometry
    geometry_name: str = ""
    rtree_file: str | None = None  # a GeoPackage file whose R-tree the candidates are checked against

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "VectorReference":
        import pyogrio
        from pyogrio.errors import DataLayerError, DataSourceError

        label = spec.display
        path = readonly_gdal_path(spec.source, label)  # a GeoPackage through a read-only view
        try:
            with quiet_gdal(listing=True):
                layers = [(str(n), t) for n, t in pyogrio.list_layers(path) if t is not None]
                layer = spec.layer if spec.layer is not None else _choose_layer(KINDS[spec.kind], layers, label)
                info = pyogrio.read_info(path, layer=layer, force_total_bounds=True)
        except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
            raise InputError(f"not a vector dataset GDAL can read ({first_line(exc)})", label) from None
        if info.get("crs") is None and not spec.crs:
            raise CRSError("reference layer has no coordinate reference system (.prj missing?); give it with "
                           f"--reference-crs {spec.kind}=EPSG:XXXX or crs = in the [references] table", label)
        kind = KINDS[spec.kind]
        _check_geometry_type(kind, info.get("geometry_type"), label)
        fields = tuple(str(f) for f in info["fields"])
        given = crs_mod.parse_crs(spec.crs, what=f"the CRS of reference {spec.kind}") if spec.crs else None
        src = cls(spec, given or CRS.from_user_input(info["crs"]), str(info.get("driver", "OGR")),
                  str(layer) if layer is not None else str(info.get("layer_name")),
                  int(info["features"]) if info.get("features", -1) >= 0 else None)
        src.path = path
        src.geometry_name = str(info.get("geometry_name") or "")
        src.rtree_file = spec.source if src.format == "GPKG" and is_sqlite(spec.source) else None
        if Path(spec.source).suffix.lower() == ".shp" and Path(spec.source).is_file():
            # Records GDAL cannot decode are dropped from a spatial filter: walk them all once.
            src.null_records = check_shapefile_file(Path(spec.source), label, max_records=None)
        src.extent = (tuple(float(v) for v in info["total_bounds"]) if info.get("total_bounds") is not None
                      else (math.nan,) * 4 if info.get("features") == 0 else None)  # nan: holds nothing
        coverage.check_plausible_extent(src)
        src.id_f = _pick_field(fields, spec.id_field, kind.id_fields, "reference id", label)
        src.name_f = _pick_field(fields, spec.name_field, kind.name_fields, "name", label)
        src.level_f = _pick_field(fields, spec.level_field, kind.level_fields, "protection level", label)
        return src

    _collection = None  # a fiona Collection kept open: GDAL's per-open cost is paid once

    _sqlite = None  # a read-only sqlite3 connection to a GeoPackage's R-tree (see records.indexed_fids)

    def close(self) -> None:
        if self._collection is not None:
            self._collection.close()
            self._collection = None
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    def _open_collection(self):
        import fiona

        if self._collection is None:
            self._collection = fiona.open(self.path, layer=self.layer, encoding=self.encoding)
        return self._collection

    def _read(self, box):
        """Candidates in `box` through GDAL's spatial filter (GeoPackage R-tree, Shapefile .qix)."""
        import fiona
        import fiona.errors

        try:
            try:
                with quiet_gdal(), fiona.Env():  # GDAL's messages go to logging, not stderr
                    rows = list(self._open_collection().items(bbox=tuple(box)))
            except UnicodeDecodeError:  # a GBK/GB18030 Shapefile without a .cpg
                self.close()
                self.encoding = "gb18030"
                with quiet_gdal(), fiona.Env():
                    rows = list(self._open_collection().items(bbox=tuple(box)))
        except (fiona.errors.FionaError, OSError, ValueError) as exc:
            raise InputError(f"cannot be read ({first_line(exc)})", self.label) from None

        missing = [fid for fid, f in rows if f.geometry is None]
        bad = undecoded(missing, null_records=self.null_records, gdal_path=self.path, layer=self.layer,
                        name=self.layer, shown=self.label)
        if not bad and self.rtree_file and self.geometry_name:
            if self._sqlite is None:
                self._sqlite = sqlite_readonly(self.rtree_file)
            bad = sorted((indexed_fids(self._sqlite, self.layer, self.geometry_name, box) or set())
                         - {int(fid) for fid, _ in rows})
        if bad:
            raise undecoded_error(self.layer, bad, self.label)

        def values_of(field, fallback):
            return [_plain(f.properties[field]) if field else _plain(fallback(fid)) for fid, f in rows]

        geoms = np.array([_from_fiona(f.geometry) for _, f in rows], dtype=object)
        return (values_of(self.id_f, lambda fid: fid), values_of(self.name_f, lambda fid: None),
                values_of(self.level_f, lambda fid: None), geoms)


def _from_fiona(geom):
    """A fiona geometry as shapely, building polygon rings from numpy arrays: shapely's
    generic shape() walks coordinates in Python, which dominated the per-town time."""
    if geom is None:
        return None
    if geom.type == "Polygon":
        return _polygon(geom.coordinates)
    if geom.type == "MultiPolygon":
        return shapely.multipolygons([_polygon(p) for p in geom.coordinates])
    return shape(geom)


def _polygon(rings):
    """A polygon from any real ring list: holes of different lengths, unclosed or degenerate rings.

    A ring that cannot enclose area (fewer than three distinct positions) is dropped: it adds
    or removes no area, and make_valid repairs the rest downstream.
    """
    shell, *holes = [_ring(r) for r in rings] or [None]
    if shell is None:
        return EMPTY_POLYGON
    return shapely.Polygon(shell, [h for h in holes if h is not None])


def _ring(coords):
    try:
        xy = np.asarray(coords, dtype=float)[:, :2]
    except (ValueError, IndexError):  # mixed 2D/3D positions, or no positions at all
        xy = np.asarray([c[:2] for c in coords], dtype=float).reshape(-1, 2)
    if len(xy) and not np.array_equal(xy[0], xy[-1]):
        xy = np.vstack([xy, xy[:1]])
    return shapely.linearrings(xy) if len(xy) >= 4 else None


def _choose_layer(kind: ReferenceKind, layers: list[tuple[str, str]], label: str) -> str | None:
    if len(layers) == 1:
        return layers[0][0]
    if not layers:
        raise InputError("contains no spatial layers", label)
    for word in kind.layer_keywords:
        hits = [n for n, _ in layers if word.lower() in n.lower()]
        if len(hits) == 1:
            return hits[0]
    names = ", ".join(n for n, _ in layers)
    raise InputError(f"has several layers ({names}); name the {kind.title_en} layer as SOURCE:LAYER", label)


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------- PostGIS


class PostgisReference(ReferenceSource):
    """A PostGIS table, read with `geom && ST_MakeEnvelope(…, table SRID)` so the GiST index is used."""

    conn: object = None
    sql: object = None  # the candidate query: psycopg SQL, four %s for the envelope in the table's SRID

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "PostgisReference":
        try:
            import psycopg
            from psycopg import sql
        except ImportError:  # pragma: no cover - psycopg is a dependency
            raise InputError("PostGIS references need psycopg (pip install 'psycopg[binary]')", spec.display) from None
        label = spec.display
        dsn = spec.source[3:].strip() if spec.source[:3].upper() == "PG:" else spec.source
        try:
            conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
        except (psycopg.Error, ValueError) as exc:
            raise InputError(f"cannot connect to PostGIS ({first_line(exc)})", label) from None
        try:
            return cls._describe_table(spec, conn, sql, label)
        except psycopg.Error as exc:
            conn.close()
            raise InputError(f"cannot read the table ({first_line(exc)})", label) from None
        except InputError:
            conn.close()
            raise

    @classmethod
    def _describe_table(cls, spec, conn, sql, label):
        schema, table, column = _split_table(spec.layer)
        rows = conn.execute(
            "SELECT f_table_schema, f_geometry_column, srid, type FROM geometry_columns "
            "WHERE f_table_name = %s AND (%s::text IS NULL AND f_table_schema = ANY(current_schemas(false)) "
            "OR f_table_schema = %s) AND (%s::text IS NULL OR f_geometry_column = %s) "
            "ORDER BY array_position(current_schemas(false), f_table_schema::name)",
            (table, schema, schema, column, column)).fetchall()
        if not rows:
            raise InputError(f"no geometry table '{spec.layer}' (geometry_columns has no such table or column)", label)
        schema = rows[0][0]
        if len({r[0] for r in rows}) == 1 and len(rows) > 1:
            cols = ", ".join(r[1] for r in rows)
            raise InputError(f"table has several geometry columns ({cols}); name one as #table(column)", label)
        _, column, srid, gtype = rows[0]
        if not srid:
            raise CRSError("table's geometry column has SRID 0 (no CRS)", label)
        auth = conn.execute("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s",
                            (srid,)).fetchone()
        if auth is None:
            raise CRSError(f"SRID {srid} is not in spatial_ref_sys", label)
        crs = CRS.from_authority(auth[0], auth[1]) if auth[0] and auth[1] else CRS.from_wkt(auth[2])
        kind = KINDS[spec.kind]
        _check_geometry_type(kind, {"POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon", "POINT": "Point",
                                    "MULTIPOINT": "MultiPoint"}.get(str(gtype).upper(), "Unknown"), label)
        fields = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position", (schema, table))]
        pk = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
            (f'"{schema}"."{table}"',)).fetchall()
        count = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                             (f'"{schema}"."{table}"',)).fetchone()[0]
        src = cls(spec, crs, "PostGIS", f"{schema}.{table}({column})", int(count) if count and count > 0 else None)
        src.conn = conn
        # The layer's extent, like a file's: coverage (references/coverage.py) needs it, or an empty
        # or misplaced table would read as "no overlap". ST_Extent reads each row's stored box.
        box = conn.execute(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                   "(SELECT ST_Extent({g})::geometry AS e FROM {t}) x").format(
            g=sql.Identifier(column), t=sql.Identifier(schema, table))).fetchone()
        src.extent = tuple(float("nan") if v is None else float(v) for v in box)
        coverage.check_plausible_extent(src)
        id_f = _pick_field(fields, spec.id_field, kind.id_fields, "reference id", label) or (
            pk[0][0] if len(pk) == 1 else None)
        name_f = _pick_field(fields, spec.name_field, kind.name_fields, "name", label)
        level_f = _pick_field(fields, spec.level_field, kind.level_fields, "protection level", label)
        ident = sql.Identifier
        cols = [ident(f) if f else sql.SQL("NULL") for f in (id_f, name_f, level_f)]
        geom = ident(column)
        geom_out = (sql.SQL("ST_AsBinary(ST_ClipByBox2D({g}, e.box))").format(g=geom) if kind.geometry == "polygon"
                    else sql.SQL("ST_AsBinary({g})").format(g=geom))
        # The envelope is built in the table's own SRID, so `&&` can use the GiST index.
        src.sql = sql.SQL(
            "SELECT {id}, {name}, {level}, {geom_out} FROM {table} t, "
            "(SELECT ST_MakeEnvelope(%s, %s, %s, %s, {srid}) AS box) e WHERE t.{geom} && e.box"
        ).format(id=cols[0], name=cols[1], level=cols[2], geom_out=geom_out, table=ident(schema, table),
                 srid=sql.Literal(int(srid)), geom=geom)
        return src

    def _read(self, box):
        import psycopg

        try:
            rows = self.conn.execute(self.sql, tuple(float(v) for v in box)).fetchall()
        except psycopg.Error as exc:
            raise InputError(f"query failed ({first_line(exc)})", self.label) from None
        wkb = [bytes(r[3]) if r[3] is not None else None for r in rows]
        geoms = shapely.from_wkb(wkb) if wkb else np.empty(0, dtype=object)
        geoms = np.array([g if g is not None else EMPTY_POLYGON for g in geoms], dtype=object)
        return [_plain(r[0]) for r in rows], [r[1] for r in rows], [r[2] for r in rows], geoms

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _split_table(text: str) -> tuple[str | None, str, str | None]:
    """'schema.table(geom)' → (schema, table, geom); schema and geom optional."""
    text = text.strip()
    column = None
    if text.endswith(")") and "(" in text:
        text, column = text[:-1].split("(", 1)
    schema, _, table = text.rpartition(".")
    return (schema or None), table.strip('"'), column


# --------------------------------------------------------------------------- raster masks


class RasterReference(ReferenceSource):
    """A GeoTIFF mask: non-zero cells are protected. Only the window under the submission is read;
    its protected cells become polygons (one region per cell value, the value as reference id),
    edges densified to the cell size so each cell keeps its true area after transformation."""

    dataset: object = None
    band: int = 1

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "RasterReference":
        import rasterio
        from rasterio.errors import RasterioError

        label = spec.display
        stat_input(spec.source, label)
        try:
            with quiet_gdal(listing=True):
                ds = rasterio.open(spec.source)
        except (RasterioError, OSError) as exc:
            raise InputError(f"not a raster GDAL can read ({first_line(exc)})", label) from None
        if KINDS[spec.kind].geometry != "polygon":
            ds.close()
            raise InputError(f"a raster mask cannot hold {KINDS[spec.kind].title_en}", label)
        if ds.crs is None:
            ds.close()
            raise CRSError("raster mask has no coordinate reference system", label)
        try:
            band = int(spec.layer) if spec.layer else 1
        except ValueError:
            ds.close()
            raise InputError(f"raster band must be a number, not '{spec.layer}'", label) from None
        if not 1 <= band <= ds.count:
            ds.close()
            raise InputError(f"raster has {ds.count} band(s), not band {band}", label)
        src = cls(spec, CRS.from_user_input(ds.crs.to_wkt()), "GTiff mask", f"band {band}", None)
        src.dataset, src.band = ds, band
        src.extent = tuple(float(v) for v in ds.bounds)
        try:
            coverage.check_plausible_extent(src)
        except InputError:
            src.close()
            raise
        return src

    def _window(self, box):
        """(window, cell values, protected mask, valid mask) under `box`, or None outside the raster.

        Refused beyond MAX_RASTER_CELLS: a fine mask under a large box would take GBs."""
        from rasterio import windows

        ds = self.dataset
        inv = ~ds.transform
        corners = [inv @ (x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
        cols, rows = [c for c, _ in corners], [r for _, r in corners]
        c0, c1 = max(0, math.floor(min(cols))), min(ds.width, math.ceil(max(cols)))
        r0, r1 = max(0, math.floor(min(rows))), min(ds.height, math.ceil(max(rows)))
        if c0 >= c1 or r0 >= r1:
            return None
        if (c1 - c0) * (r1 - r0) > MAX_RASTER_CELLS:
            raise InputError(f"the mask under the town is {c1 - c0} × {r1 - r0} cells, more than the "
                             f"{MAX_RASTER_CELLS:,} geocheck reads; resample it to a coarser cell size or give "
                             "it as polygons", self.label)
        win = windows.Window(c0, r0, c1 - c0, r1 - r0)
        try:
            with quiet_gdal():
                data = ds.read(self.band, window=win)
        except Exception as exc:  # rasterio raises its own RasterioIOError for corrupt tiles
            raise InputError(f"cannot be read ({first_line(exc)})", self.label) from None
        valid = np.isfinite(data) if np.issubdtype(data.dtype, np.floating) else np.ones(data.shape, bool)
        if ds.nodata is not None and not np.isnan(ds.nodata):
            valid &= data != ds.nodata
        return win, data, valid & (data != 0), valid

    def _data_problem(self, box):
        got = self._window(box)
        if got is None or got[3].any():
            return None  # outside the raster: the extent check speaks; else some cells are data
        return (f"未执行：栅格参考 {self.label} 在本小镇范围内全部为无数据（nodata），无法判断",
                f"not run: the raster mask {self.label} is nodata everywhere under the town, so it cannot "
                "show that the town is clear of it")

    def _read(self, box):
        from affine import Affine
        from rasterio import features

        ds = self.dataset
        got = self._window(box)
        if got is None or not got[2].any():
            return [], [], [], np.empty(0, dtype=object)
        win, data, mask, _ = got
        data = data.astype("float32") if np.issubdtype(data.dtype, np.floating) else data.astype("int32")
        cell = min(abs(ds.transform.a), abs(ds.transform.e))
        ids, geoms = [], []
        shift = ds.transform @ Affine.translation(win.col_off, win.row_off)
        for geojson, value in features.shapes(data, mask=mask, connectivity=4, transform=shift):
            if len(geoms) >= MAX_RASTER_POLYGONS:  # a checkerboard makes one polygon per cell
                raise InputError(f"the mask under the town breaks into more than {MAX_RASTER_POLYGONS:,} "
                                 "separate regions; refusing (simplify or resample it)", self.label)
            ids.append(_plain(value))
            geoms.append(shapely.segmentize(shapely.geometry.shape(geojson), cell))
        return ids, [None] * len(ids), [None] * len(ids), np.array(geoms, dtype=object)

    def close(self) -> None:
        if self.dataset is not None:
            self.dataset.close()
            self.dataset = None


# --------------------------------------------------------------------------- opening


def open_reference(spec: ReferenceSpec) -> ReferenceSource:
    """Open one reference source (checked: readable, has a CRS, geometry fits its kind)."""
    if spec.is_postgis:
        return PostgisReference.open(spec)
    if not Path(spec.source).exists():
        raise InputError("reference source does not exist", spec.display)
    stat_input(spec.source, spec.display, allow_dir=True)  # no FIFO, device or socket
    if spec.is_raster:
        return RasterReference.open(spec)
    from .from_inputs import InputLayerReference, read_as_submission
    if read_as_submission(spec):  # CAD drawings, zips and folders: read as a submission is
        return InputLayerReference.open(spec)
    return VectorReference.open(spec)
