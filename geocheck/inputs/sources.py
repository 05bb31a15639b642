"""Finding and reading the layers of a submission.

A submission is a GeoPackage (or any multi-layer OGR dataset such as a .gdb folder), a folder
of vector files, a .zip of them (read in place through GDAL's /vsizip/, never extracted), or a
single vector file. Every layer becomes a LayerRef; each CAD layer of a DXF is a layer of its
own. Reading one gives a GeoDataFrame in its own CRS plus notes on what was assumed while
reading (text encoding, dropped M values, linearised curves). Nothing here writes to the input.
"""

from __future__ import annotations

import math
import sqlite3
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.errors import GEOSException

from . import cad, cad_layers, encoding
from .archive import Archive
from ..errors import InputError, first_line
from ..gdal_config import NO_SIDE_FILES, collected_warnings, ignored_warnings, layer_has_m, thread_config
# Files looked for inside a submission folder or zip; one-layer formats (named after the file)
from .formats import SINGLE_LAYER_SUFFIXES, VECTOR_SUFFIXES
from .safety import ReadonlySqlite, is_sqlite, readonly_gdal_path, stat_input
from .gpkg_table import read_plain_table
from .records import any_measured, geometry_type_names, gpkg_blobs, refuse_undecoded
from .shapefile import check_shapefile

CURVE_TYPES = ("Curve", "Circular", "Compound", "Surface")

# Curved geometries GDAL reads become chords each spanning at most ARC_STEP_DEG of arc (GDAL
# ignores OGR_ARC_MAX_GAP here, so the step angle alone bounds the error). A chord of angle δ cuts
# off r²(δ − sin δ)/2 ≈ r²δ³/12, so a full turn loses π r² · δ²/6 — a fraction 2·10⁻⁸ of its
# circle at 0.02°: 0.06 m² on a circle of 1 km radius, 1.6 m² on one of 5 km (a whole 78 km²),
# far below the 1 m² tolerance for a town of a few km² (GDAL's default 4° step loses 2 551 m² on
# a 1 km circle, 0.5° 40 m²). CAD drawings are not read by GDAL: geocheck.inputs.cad linearises
# their arcs with the chord error of rules/cad.json.
ARC_STEP_DEG = 0.02
ARC_AREA_FRACTION = math.radians(ARC_STEP_DEG) ** 2 / 6  # of the arc's full circle, per turn
ARC_LINEARISATION = {"OGR_ARC_STEPSIZE": f"{ARC_STEP_DEG:g}"}


@dataclass(frozen=True)
class LayerRef:
    """One layer of a submission: `name` is what roles are matched against."""

    name: str
    gdal_path: str  # what GDAL opens: a file, a .gdb folder, or a /vsizip/ path
    layer: str | None  # layer name inside that dataset
    file: str  # the file a reviewer would look for (shown in reports)
    encoding: encoding.Encoding | None = None  # text encoding of a Shapefile's DBF or a DXF
    cad_layer: str | None = None  # the CAD layer of a DXF/DWG drawing this ref stands for
    cad: cad_layers.CadSettings | None = None  # how that drawing's line work becomes areas
    drawing: cad_layers.ParsedDrawing | None = field(default=None, compare=False, repr=False)  # parsed once, when listed
    closed_shapes: int | None = None  # areas the CAD layer draws (shown when no role matches)
    file_note: tuple[str, str] | None = None  # (zh, en) how the file's name was decoded (zip members)
    null_records: frozenset | None = None  # a Shapefile's null-shape records: the only ones read as no geometry
    sqlite_file: str | None = None  # an SQLite dataset on disk (GeoPackage): its blobs are read with sqlite3 too


@dataclass
class LoadedLayer:
    frame: gpd.GeoDataFrame
    notes: list[dict] = field(default_factory=list)  # assumptions made while reading ({zh, en})
    read_issues: dict = field(default_factory=dict)  # fid → why a geometry had to be fixed to be read


def list_layers(path: str | os.PathLike, *, encoding_option: str | None = None,
                cad_settings: cad_layers.CadSettings | None = None) -> list[LayerRef]:
    """All spatial layers of a submission, or InputError if there are none.

    `encoding_option` (a Python codec) overrides the text encoding of Shapefiles and DXFs;
    `cad_settings` says how CAD line work becomes areas (default: rules/cad.json).
    """
    cad_settings = cad_settings or cad_layers.settings()
    p = Path(path)
    st = stat_input(p, allow_dir=True)  # a FIFO, device or socket is refused before any open
    if not os.access(p, os.R_OK | (os.X_OK if p.is_dir() else 0)):
        raise InputError("is not readable (permission denied)", p)
    if p.is_dir() and p.suffix.lower() != ".gdb":
        refs = _container_layers(_Folder(p), encoding_option, cad_settings)
        if not refs:
            raise InputError("folder holds no Shapefile, GeoPackage or other vector file", p)
        return refs
    if p.is_file() and st.st_size == 0:
        raise InputError("is an empty (zero-byte) file", p)
    if p.suffix.lower() == ".zip":
        refs = _container_layers(Archive(p, encoding_option), encoding_option, cad_settings)
        if not refs:
            raise InputError("zip archive holds no Shapefile, GeoPackage or other vector file", p)
        return refs
    if p.is_file():
        stem = p.stem.lower()
        return _container_layers(_Folder(p.parent, only=lambda n: n.lower().startswith(stem + ".")
                                         and "/" not in n, main=p.name), encoding_option, cad_settings)
    return _dataset_layers(str(p), p, single_name=False)


class _Folder:
    """Files under a folder, addressed like archive members (relative POSIX names)."""

    def __init__(self, root: Path, only=None, main: str | None = None):
        self.root = root
        self.main = main  # a single-file submission: only this member is a layer source
        try:
            files = [c for c in root.rglob("*") if c.is_file()] if only is None else \
                    [c for c in root.iterdir() if only(c.name) and c.is_file()]  # names first: no stat of every neighbour
            self.sizes = {c.relative_to(root).as_posix(): c.stat().st_size for c in files}
        except OSError as exc:
            raise InputError(f"cannot be listed ({exc.strerror or exc})", root) from None

    def read(self, name: str, limit: int = -1) -> bytes:
        with self.open(name) as fh:
            return fh.read(limit)

    def open(self, name: str):
        try:
            return open(self.root / name, "rb")
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror or exc})", self.root / name) from None

    def gdal_path(self, name: str) -> str:
        return readonly_gdal_path(self.root / name, self.shown(name))

    def shown(self, name: str) -> str:
        return str(self.root / name)

    def sqlite_file(self, name: str) -> str | None:
        return str(self.root / name) if is_sqlite(self.root / name) else None


def _container_layers(box, encoding_option: str | None, cad_settings) -> list[LayerRef]:
    refs: list[LayerRef] = []
    gdbs = sorted({"/".join(parts[:i + 1]) for parts in (PurePosixPath(n).parts for n in box.sizes)
                   for i, part in enumerate(parts[:-1]) if part.lower().endswith(".gdb")})
    for name in sorted(box.sizes):
        suffix = PurePosixPath(name).suffix.lower()
        main = box.main  # a single file given by the user is opened whatever its suffix
        if main not in (None, name) or (name != main and suffix not in VECTOR_SUFFIXES) \
                or any(name.startswith(g + "/") for g in gdbs):
            continue
        shown = box.shown(name)
        if box.sizes[name] == 0:
            raise InputError("is an empty (zero-byte) file", shown)
        if suffix == ".shp":
            dbf, layout, nulls = check_shapefile(name[:-4], box.sizes, box.open, shown)
            enc = _dbf_encoding(box, name[:-4], dbf, layout, encoding_option)
            refs.extend(replace(r, encoding=enc, null_records=nulls)
                        for r in _dataset_layers(box.gdal_path(name), shown, single_name=True))
        elif suffix in cad.CAD_SUFFIXES:
            refs.extend(_cad_layers(box, name, shown, encoding_option, cad_settings))
        else:
            if isinstance(box, Archive) and any(box.sizes.get(name + j) for j in ("-wal", "-journal")):
                # /vsizip/ is read-only: a database whose latest state is in a journal cannot be read right
                raise InputError("is zipped with its write-ahead log or rollback journal, so the file alone "
                                 "is not its latest state; checkpoint it (close it in QGIS) and zip it again",
                                 shown)
            sqlite = box.sqlite_file(name) if isinstance(box, _Folder) else None  # a zip member is GDAL's alone
            refs.extend(replace(r, sqlite_file=sqlite)
                        for r in _dataset_layers(box.gdal_path(name), shown, single_name=suffix in SINGLE_LAYER_SUFFIXES))
    noted = getattr(box, "name_note", lambda n: None)
    refs = [replace(r, file_note=noted(_member_of(box, r))) if noted(_member_of(box, r)) else r for r in refs]
    for gdb in gdbs:
        refs.extend(_dataset_layers(box.gdal_path(gdb), box.shown(gdb), single_name=False))
    return refs


def _member_of(box, ref: LayerRef) -> str:
    """The stored member name a ref's file comes from (refs show the decoded one)."""
    return next((n for n in box.sizes if box.shown(n) == ref.file), "")


def _dbf_encoding(box, stem: str, data: bytes, layout, option: str | None) -> encoding.Encoding:
    cpg_name = next((n for n in box.sizes if n.lower() == f"{stem}.cpg".lower()), None)
    cpg = box.read(cpg_name, 200).decode("latin-1") if cpg_name else None
    return encoding.choose(encoding.dbf_texts(data, layout), option=option, declared=cpg,
                           declared_by=".cpg", ldid=layout.ldid)


def _cad_layers(box, name: str, shown: str, option: str | None, settings) -> list[LayerRef]:
    data = box.read(name)
    enc = cad_layers.text_encoding(data, name, option)
    gdal_path = box.gdal_path(name)
    parsed = cad_layers.parse(gdal_path, shown, enc.codec if enc is not None else None, settings.max_sagitta_m, data)
    ref = LayerRef(PurePosixPath(name).stem, gdal_path, None, shown, enc, cad=settings, drawing=parsed)
    return [replace(ref, name=layer, cad_layer=layer, closed_shapes=n)
            for layer, n in cad_layers.offered(parsed, shown, settings)]


def _dataset_layers(gdal_path: str, shown, *, single_name: bool) -> list[LayerRef]:
    try:
        with _quiet(listing=True):
            layers = pyogrio.list_layers(gdal_path)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(f"not a vector dataset GDAL can read ({first_line(exc)})", shown) from None
    refs = []
    spatial = [(str(n), t) for n, t in layers if t is not None]  # skip attribute-only tables
    for name, _ in spatial:
        # A one-layer format is named after its file: use the stem so roles match it.
        shown_name = PurePosixPath(str(shown)).stem if single_name and len(spatial) == 1 else name
        refs.append(LayerRef(shown_name, gdal_path, name, str(shown)))
    if not refs and not single_name:
        raise InputError("contains no spatial layers", shown)
    if not refs:
        raise InputError("has no geometry column", shown)
    return refs


def read_layer(ref: LayerRef, *, bbox=None) -> gpd.GeoDataFrame:
    """Read one layer in its own CRS with its feature ids as the index."""
    return load_layer(ref, bbox=bbox).frame


def load_layer(ref: LayerRef, *, bbox=None, sqlite: ReadonlySqlite | None = None) -> LoadedLayer:
    """Read one layer, with notes on what was assumed or dropped while reading. `sqlite`: the
    submission's read-only SQLite connections, shared by its layers (else opened for this one)."""
    if sqlite is None:
        with ReadonlySqlite() as own:
            return load_layer(ref, bbox=bbox, sqlite=own)
    notes: list[dict] = []
    issues: dict = {}
    try:
        with collected_warnings() as caught:  # this thread's warnings only (a Dask worker runs several reads)
            if ref.cad_layer is not None:
                assert ref.drawing is not None  # a CAD layer's ref carries the drawing it was listed from
                frame, cad_notes, issues = cad_layers.load(ref.drawing, ref.file, ref.cad_layer,
                                                           ref.cad or cad_layers.settings())
                notes.extend(_note(ref, zh, en) for zh, en in cad_notes)
                curves, blobs = [], None
            else:
                blobs = gpkg_blobs(ref, sqlite)
                frame = _read_from_sqlite(ref, bbox, sqlite, blobs)
                frame, issues = (frame, {}) if frame is not None else _read_checked(ref, bbox)
                if bbox is None:
                    refuse_undecoded(ref, frame, blobs)
                curves = _curve_types(ref, blobs)
    except (DataSourceError, DataLayerError, OSError, ValueError, GEOSException) as exc:
        raise InputError(f"layer '{ref.name}' cannot be read ({first_line(exc)})", ref.file) from None
    # M values pyogrio drops: a GeoPackage's blobs say so (read anyway); other formats ask GDAL
    measured = any_measured(blobs) if blobs is not None else (
        ref.cad_layer is None and ref.layer is not None and layer_has_m(ref.gdal_path, str(ref.layer)))
    if measured:
        notes.append(_note(ref, "M 值（测量值）已舍弃", "M (measure) values were dropped"))
    for text in dict.fromkeys(_gdal_notice(w) for w in caught):  # GDAL's other notices, once each
        if text:
            notes.append(_note(ref, f"GDAL 读取提示：{text}", f"GDAL notice while reading: {text}"))
    geoms = frame.geometry.values
    if ref.cad_layer is None and geoms.has_z.any():  # CAD layers say so themselves
        notes.append(_note(ref, "Z 值（高程）已舍弃，按平面计算面积",
                           "Z values were dropped; areas are planimetric"))
    if curves:
        notes.append(_note(ref, f"曲线几何（{', '.join(curves)}）已线性化（折线逼近，每段圆心角不超过 {ARC_STEP_DEG:g}°，"
                                f"面积误差不超过所在整圆面积的 {ARC_AREA_FRACTION:.1e}，半径 1 千米的整圆约 "
                                f"{ARC_AREA_FRACTION * math.pi * 1e6:.2f} 平方米）",
                           f"curved geometries ({', '.join(curves)}) were linearised (chords of at most "
                           f"{ARC_STEP_DEG:g}° of arc: at most {ARC_AREA_FRACTION:.1e} of the area of the arc's full "
                           f"circle, {ARC_AREA_FRACTION * math.pi * 1e6:.2f} m² on a circle of 1 km radius)"))
    if (shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION).any():
        notes.append(_note(ref, "几何集合仅保留其中的面", "geometry collections were reduced to their polygons"))
    if ref.encoding is not None and ref.encoding.source != "ascii":
        what_zh, what_en = ("图纸文字（图层名）", "drawing text (layer names)") if ref.cad_layer else ("属性文字", "attribute text")
        notes.append(_note(ref, f"{what_zh}编码 {ref.encoding.label}：{ref.encoding.why_zh}",
                           f"{what_en} read as {ref.encoding.label}: {ref.encoding.why_en}"))
    if ref.file_note is not None:
        notes.append(_note(ref, *ref.file_note))
    return LoadedLayer(frame, notes, issues)


def _note(ref: LayerRef, zh: str, en: str) -> dict:
    return {"zh": f"图层“{ref.name}”（{ref.file}）：{zh}", "en": f"layer '{ref.name}' ({ref.file}): {en}"}


def _read_from_sqlite(ref: LayerRef, bbox, sqlite: ReadonlySqlite, blobs) -> gpd.GeoDataFrame | None:
    """A whole plain GeoPackage layer on disk, read through the submission's SQLite connection
    (its blobs already read) instead of one more GDAL open (gpkg_table); None for anything else."""
    if bbox is not None or blobs is None or ref.sqlite_file is None or ref.layer is None or ref.encoding is not None:
        return None
    try:
        conn = sqlite.connection(ref.sqlite_file)
    except sqlite3.Error:
        return None
    return read_plain_table(conn, str(ref.layer), blobs)


def _read_checked(ref: LayerRef, bbox) -> tuple[gpd.GeoDataFrame, dict]:
    """Read; rings stored unclosed (GEOS refuses them) are closed and remembered as invalid."""
    try:
        return _read(ref, bbox, "raise"), {}
    except GEOSException:
        fixed = _read(ref, bbox, "fix")
        unread = _read(ref, bbox, "ignore").geometry
        issues = {fid: "Ring not closed (closed by geocheck to read it)"
                  for fid in fixed.index if unread[fid] is None and fixed.geometry[fid] is not None}
        return fixed, issues


def _read(ref: LayerRef, bbox, on_invalid: str) -> gpd.GeoDataFrame:
    codec = ref.encoding.codec if ref.encoding is not None else None
    kwargs = dict(layer=ref.layer, fid_as_index=True, bbox=bbox, on_invalid=on_invalid)
    try:
        with thread_config(ARC_LINEARISATION), _quiet():
            return pyogrio.read_dataframe(ref.gdal_path, encoding=codec, **kwargs)
    except UnicodeDecodeError:
        # DBF field names are cut at 10 bytes, often in the middle of a Chinese character.
        # Read the raw bytes (latin-1 maps them one to one) and decode leniently.
        with thread_config(ARC_LINEARISATION), _quiet():
            gdf = pyogrio.read_dataframe(ref.gdal_path, encoding="latin1", **kwargs)
        return _redecode(gdf, codec)


def _curve_types(ref: LayerRef, blobs: dict[int, bytes] | None) -> list[str]:
    """Curve geometry types a layer holds: pyogrio linearises them and reports linear types,
    even as the layer's declared type. A GeoPackage's blobs say it (the WKB type); other
    formats are asked per feature (OGR SQL works with every driver)."""
    if blobs is not None:
        names = geometry_type_names(blobs)
    elif ref.layer is None:
        return []
    else:
        layer = str(ref.layer).replace('"', '""')
        with _quiet():
            kinds = pyogrio.read_dataframe(ref.gdal_path, sql=f'SELECT OGR_GEOMETRY FROM "{layer}"',
                                           sql_dialect="OGRSQL", read_geometry=False)
        names = {str(k) for k in kinds.iloc[:, 0].dropna().unique()} if len(kinds.columns) else set()
    return sorted(n for n in names if any(t.upper() in n for t in CURVE_TYPES))


def _redecode(gdf: gpd.GeoDataFrame, codec: str | None) -> gpd.GeoDataFrame:
    """Undo a latin-1 read with `codec`, or UTF-8 where it decodes, else GB18030."""

    def fix(text):
        if not isinstance(text, str):
            return text
        raw = text.encode("latin1", errors="replace")
        if codec:
            return encoding.decode_lenient(raw, codec)
        for enc in encoding.DETECT_ORDER:
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
        return encoding.decode_lenient(raw, "utf-8")

    geom = gdf.geometry.name
    gdf = gdf.rename(columns={c: fix(c) for c in gdf.columns if c != geom})
    for col in gdf.columns:
        if col != geom and (gdf[col].dtype == object or str(gdf[col].dtype) in ("str", "string")):
            gdf[col] = gdf[col].map(fix)
    return gdf


@contextmanager
def _quiet(listing: bool = False):
    """GDAL's notices about the input reach the user as notes or errors, not as warnings: a
    read records them (load_layer turns them into notes); a listing drops them, the read of
    the same layer reports them again. Dropped either way: undecodable message text, and GDAL
    retrying a WAL-mode GeoPackage through the read-only view with IMMUTABLE=YES
    (inputs_safety.readonly_gdal_path), which is expected and not about the data."""
    def noise(w: warnings.WarningMessage) -> bool:
        text = str(w.message)
        return listing or text.startswith("Could not decode error message") or "WAL-enabled database" in text

    with ignored_warnings(noise), thread_config(NO_SIDE_FILES):
        yield


def _gdal_notice(w: warnings.WarningMessage) -> str | None:
    """A GDAL warning worth a note: not the M-value one (noted on its own) or decoding noise."""
    text = str(w.message).strip()
    if not issubclass(w.category, RuntimeWarning) or "Measured (M)" in text or "Could not decode" in text:
        return None
    return first_line(text)

