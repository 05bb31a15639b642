"""No silent drops: a stored geometry GDAL could not decode is an input error, never a gap.

GDAL reads a record it cannot decode (a corrupt GeoPackage blob, a Shapefile record whose
counts or offsets are wrong) as a feature *without* geometry and only warns. Measured without
it, a construction polygon lying on a red line would simply vanish and the overlap check pass.
So every feature read without geometry must be one whose storage really holds none: a null
shape in a Shapefile (found while walking its records, see shapefile.check_records), a NULL
geometry column in a GeoPackage or other SQLite dataset (asked of SQLite itself).
"""

from __future__ import annotations

import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from .errors import InputError
from .inputs_safety import quiet_gdal

MAX_LISTED = 3


def refuse_undecoded(ref, frame) -> None:
    """InputError naming the file, layer and records stored with a geometry but read without one."""
    missing = [fid for fid, g in zip(frame.index, frame.geometry) if g is None]
    if not missing:
        return
    if ref.null_records is not None:  # a Shapefile: its null shapes were listed while walking it
        undecoded = [fid for fid in missing if int(fid) not in ref.null_records]
    else:
        stored = _stored_geometry_fids(ref)
        if stored is None:
            return
        undecoded = [fid for fid in missing if int(fid) in stored]
    if undecoded:
        listed = ", ".join(str(f) for f in undecoded[:MAX_LISTED])
        more = f" and {len(undecoded) - MAX_LISTED} more" if len(undecoded) > MAX_LISTED else ""
        raise InputError(f"layer '{ref.name}': the stored geometry of feature {listed}{more} cannot be "
                         "decoded (corrupt record); refusing to measure without it", ref.file)


def _stored_geometry_fids(ref) -> set[int] | None:
    """Feature ids whose geometry column is not NULL, for SQLite-based datasets (else None)."""
    try:
        with quiet_gdal(listing=True):
            info = pyogrio.read_info(ref.gdal_path, layer=ref.layer)
            if str(info.get("driver")) not in ("GPKG", "SQLite"):
                return None
            fid, geom = info.get("fid_column") or "rowid", info.get("geometry_name")
            if not geom:
                return None
            layer = str(ref.layer).replace('"', '""')
            rows = pyogrio.read_dataframe(
                ref.gdal_path, sql=f'SELECT "{fid}" + 0 AS n FROM "{layer}" WHERE "{geom}" IS NOT NULL',  # + 0: a column, not the FID
                read_geometry=False)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(f"layer '{ref.name}' cannot be read ({exc})", ref.file) from None
    return {int(v) for v in rows.iloc[:, 0]} if len(rows.columns) else set()
