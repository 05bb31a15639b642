"""The interface every reference backend implements, and what they share.

A backend opens a source once (`open(spec)`: readable, has a CRS, geometry fits its kind) and
then answers `candidates(bounds, crs)` for any number of towns: the features near the town's
box, with that box first carried into the source's own CRS with densified edges so the
source's spatial index (GeoPackage R-tree, Shapefile .qix, PostGIS GiST) does the filtering.
Only the part of each candidate inside the box is kept and transformed, so memory follows the
size of the town, not of the province.

An opened source is shared by the threads of a batch worker (a Dask worker runs several checks
at once), so after `open` it holds only what it read then; a backend that needs a handle for a
read (a GDAL dataset, a SQLite connection) opens it for that read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
import shapely.errors
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

from ... import crs as crs_mod
from ...errors import CRSError, InputError
from ...geometry import repair
from .. import coverage
from ..spec import KINDS, ReferenceKind, ReferenceSpec

BBOX_DENSIFY_PTS = 21  # points per edge when the submission's box changes CRS
BBOX_PAD = 0.01  # the box in the source CRS is padded by 1 % of its size on every side


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
    """One opened reference layer of one kind. A backend subclasses it and implements
    `accepts(spec)` (is this source mine?), `open(spec)` and `_read(box)`; `close()` if it holds
    anything open."""

    spec: ReferenceSpec
    crs: CRS
    format: str
    layer: str | None
    feature_count: int | None = None
    # Transformers by CRS: pyproj's are safe to share between threads (≥ 3.1), and a lost race
    # to fill the cache only builds one twice.
    _to_target: dict = field(default_factory=dict, repr=False)
    extent: tuple | None = None  # in the source's CRS; all NaN for a layer without features
    id_f: str | None = None  # the attributes read as reference id, name and protection level
    name_f: str | None = None
    level_f: str | None = None

    @classmethod
    def accepts(cls, spec: ReferenceSpec) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def open(cls, spec: ReferenceSpec) -> "ReferenceSource":  # pragma: no cover - abstract
        raise NotImplementedError

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

    def _read(self, box) -> tuple[list, list, list, np.ndarray]:  # pragma: no cover - abstract
        """(ids, names, levels, shapely geometries) of the features in `box` (the source's CRS)."""
        raise NotImplementedError

    def pick_fields(self, available) -> None:
        """The id, name and level attributes: as configured, else the kind's defaults the layer has."""
        kind, spec = self.kind, self.spec
        self.id_f = pick_field(available, spec.id_field, kind.id_fields, "reference id", self.label)
        self.name_f = pick_field(available, spec.name_field, kind.name_fields, "name", self.label)
        self.level_f = pick_field(available, spec.level_field, kind.level_fields, "protection level", self.label)

    def close(self) -> None:
        pass


def _repaired(geom):
    """make_valid'ed polygons; a geometry GEOS cannot repair (degenerate rings) falls back to buffer(0)."""
    try:
        return repair(geom)[0]
    except shapely.errors.GEOSException:
        return repair(shapely.buffer(geom, 0))[0]


def pick_field(available, configured: str | None, defaults: tuple[str, ...], what: str, label: str):
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


def check_geometry_type(kind: ReferenceKind, gtype: str | None, label: str):
    gtype = (gtype or "Unknown").replace(" Z", "").replace(" M", "").replace("3D ", "")
    polygonal = ("Polygon", "MultiPolygon", "CurvePolygon", "MultiSurface")
    punctual = ("Point", "MultiPoint")
    ok = polygonal if kind.geometry == "polygon" else punctual
    if gtype in ok or gtype.upper() in ("UNKNOWN", "GEOMETRY", "GEOMETRYCOLLECTION"):
        return
    raise InputError(f"holds {gtype} geometries, but a {kind.title_en} ({kind.title_zh}) layer needs "
                     f"{'polygons' if kind.geometry == 'polygon' else 'points'}", label)


def choose_layer(kind: ReferenceKind, layers: list[tuple[str, str]], label: str) -> str:
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


def plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
