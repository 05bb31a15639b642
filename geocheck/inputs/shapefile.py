"""Shapefile sanity before GDAL sees it: sidecars present, headers agree with file sizes.

GDAL reads a truncated .shp as features with no geometry, opens a .shp without its .dbf as a
layer without attributes, and can rebuild a missing .shx *in place* (SHAPE_RESTORE_SHX). A
reviewer's tool must refuse all three instead, so the checks here run on the bytes first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np

from ..errors import InputError

SHP_HEADER = 100
# Point, PolyLine, Polygon, MultiPoint; their Z (+10) and M (+20) forms; MultiPatch.
SHAPE_TYPES = {1, 3, 5, 8, 11, 13, 15, 18, 21, 23, 25, 28, 31}
DBF_SAMPLE_RECORDS = 5000  # records read to judge the text encoding (see encoding.dbf_texts)
# A planning layer holds parcels, not a province: beyond this, GDAL's full read would take GBs.
MAX_RECORDS = 1_000_000
MAX_DBF_BYTES = 512 * 1024**2


@dataclass(frozen=True)
class DbfLayout:
    records: int
    header_len: int
    record_len: int
    ldid: int  # language driver id (byte 29): the code page the writer declared, 0 if none
    fields: tuple[tuple[bytes, str, int, int], ...]  # (raw name, type, offset in record, width)


def parse_dbf(data: bytes, shown: str) -> DbfLayout:
    """The DBF header, or InputError when it is not one."""
    if len(data) < 33:
        raise InputError("is not a dBASE (.dbf) file: too short", shown)
    records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields = []
    offset = 1  # each record starts with a deletion flag
    pos = 32
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        desc = data[pos:pos + 32]
        name = desc[:11].split(b"\x00", 1)[0]
        width = desc[16]
        fields.append((name, chr(desc[11]), offset, width))
        offset += width
        pos += 32
    if header_len < 33 or record_len < 1 or offset != record_len:
        raise InputError("is not a valid dBASE (.dbf) file: header and field widths disagree", shown)
    return DbfLayout(records, header_len, record_len, data[29], tuple(fields))


def check_shapefile(stem: str, members: dict[str, int], open_part: Callable[[str], BinaryIO],
                    shown: str, max_records: int | None = MAX_RECORDS) -> tuple[bytes, DbfLayout, frozenset[int]]:
    """Refuse a Shapefile whose parts are missing, empty, cut short or undecodable.

    `members` maps each part's name (any case of .shp/.shx/.dbf) to its size; `open_part(name)`
    opens a part for binary reading. Returned: the DBF's header and first records (enough to
    judge its text encoding; never the whole file, which can be huge or sparse), its layout, and
    the ids of records that are null shapes (GDAL reads them as no geometry, rightly). Every
    other record must decode, see check_records. Nothing is written. A submission layer is capped
    at `max_records`; a reference layer (a province's) is not, its walk streams.
    """
    parts = {}
    for ext in ("shp", "shx", "dbf"):
        names = [m for m in members if m.lower() == f"{stem}.{ext}".lower()]
        if not names:
            raise InputError(f"the .{ext} file of this Shapefile is missing (a Shapefile needs .shp, .shx "
                             f"and .dbf; geocheck does not rebuild missing parts)", shown)
        if len(names) > 1:
            raise InputError(f"this Shapefile has several .{ext} files differing only in letter case "
                             f"({', '.join(sorted(names))}); refusing to guess which one is meant", shown)
        if members[names[0]] == 0:
            raise InputError(f"the .{ext} file of this Shapefile is empty (zero bytes)", shown)
        parts[ext] = names[0]
    with open_part(parts["shp"]) as shp, open_part(parts["shx"]) as shx, open_part(parts["dbf"]) as dbf_file:
        shp_head = shp.read(SHP_HEADER)
        shape_type = _check_main_header(shp_head, members[parts["shp"]], ".shp", shown)
        shx_size = members[parts["shx"]]
        _check_main_header(shx.read(SHP_HEADER), shx_size, ".shx", shown)
        if (shx_size - SHP_HEADER) % 8:
            raise InputError("the .shx index is truncated (its size is not a whole number of records)", shown)
        dbf = _read_dbf_head(dbf_file, shown)
        layout = parse_dbf(dbf, shown)
        dbf_size = members[parts["dbf"]]
        expected = layout.header_len + layout.records * layout.record_len
        if dbf_size < expected:
            raise InputError(f"the .dbf file is truncated ({dbf_size} bytes, its header promises {expected})", shown)
        shapes = (shx_size - SHP_HEADER) // 8
        if shapes != layout.records:
            raise InputError(f"the .shx index lists {shapes} shapes but the .dbf has {layout.records} records", shown)
        if max_records is not None and shapes > max_records:
            raise InputError(f"has {shapes:,} records, more than the {max_records:,} a planning submission "
                             "layer can plausibly hold; refusing", shown)
        if max_records is not None and expected > MAX_DBF_BYTES:  # GDAL would read every text cell
            raise InputError(f"the .dbf holds {expected:,} bytes of attributes, more than the {MAX_DBF_BYTES:,} "
                             "a planning submission layer can plausibly need; refusing", shown)
        nulls = check_records(shp, shx, shape_type, members[parts["shp"]], shapes, shown)
        dbf += dbf_file.read(min(layout.records, DBF_SAMPLE_RECORDS) * layout.record_len)
    return dbf, layout, nulls


def _read_dbf_head(fh: BinaryIO, shown: str) -> bytes:
    head = fh.read(32)
    if len(head) < 32:
        raise InputError("is not a dBASE (.dbf) file: too short", shown)
    header_len = struct.unpack("<H", head[8:10])[0]
    return head + fh.read(max(0, header_len - 32))


def check_records(shp: BinaryIO, shx: BinaryIO, shape_type: int, shp_size: int, count: int,
                  shown: str) -> frozenset[int]:
    """Walk every record the .shx indexes and refuse the first one GDAL could not decode.

    GDAL reads such a record (offset outside the file, a shape type other than the file's, a
    part or point count that does not fit the record, a NaN or infinite coordinate) as a feature
    without geometry: the polygon would vanish from the measurement, so it is an input error
    naming the record (its 0-based feature id, as GDAL numbers Shapefile features). One record
    is in memory at a time. Returns the ids of null-shape records.
    """
    nulls = []
    shx.seek(SHP_HEADER)
    for fid in range(count):
        entry = shx.read(8)
        if len(entry) < 8:
            raise InputError("the .shx index is truncated", shown)
        offset, length = (2 * v for v in struct.unpack(">ii", entry))
        where = f"record {fid} (feature id {fid})"
        if offset < SHP_HEADER or length < 4 or offset + 8 + length > shp_size:
            raise InputError(f"{where}: the .shx index points outside the .shp file (offset {offset}, "
                             f"length {length}); the file is corrupt", shown)
        shp.seek(offset)
        head = shp.read(8)
        if len(head) < 8 or 2 * struct.unpack(">i", head[4:8])[0] != length:
            raise InputError(f"{where}: the .shp record header disagrees with the .shx index; the file is "
                             "corrupt", shown)
        content = shp.read(length)
        kind = struct.unpack("<i", content[:4])[0]
        if kind == 0:
            nulls.append(fid)
            continue
        if kind != shape_type:
            raise InputError(f"{where}: shape type {kind} in a file of shape type {shape_type}; the file is "
                             "corrupt", shown)
        problem = _record_problem(kind, content)
        if problem:
            raise InputError(f"{where}: {problem}; the file is corrupt", shown)
    return frozenset(nulls)


def _record_problem(kind: int, content: bytes) -> str | None:
    """Why a non-null record's content cannot be a shape of `kind`, or None."""
    base = kind % 10
    if kind not in SHAPE_TYPES:
        return f"unknown shape type {kind}"
    if base == 1:  # point: x, y (then z, m)
        if len(content) < 20:
            return "point record too short"
        xy = np.frombuffer(content, "<f8", 2, 4)
    else:
        multi = base == 8
        head = 40 if multi else 44
        if len(content) < head:
            return "record too short for its shape type"
        if multi:
            nparts, npoints = 0, struct.unpack("<i", content[36:40])[0]
        else:
            nparts, npoints = struct.unpack("<ii", content[36:44])
        if nparts < 0 or npoints < 0 or (not multi and npoints and nparts < 1):
            return f"impossible part or point count ({nparts} parts, {npoints} points)"
        part_index = 4 * nparts * (2 if kind == 31 else 1)  # a multipatch also stores part types
        need = head + part_index + 16 * npoints
        if need > len(content):
            return (f"{nparts} parts and {npoints} points do not fit the record's {len(content)} bytes")
        if nparts:
            starts = np.frombuffer(content, "<i4", nparts, head)
            if starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] >= max(npoints, 1):
                return "part start indices are out of order or out of range"
        xy = np.frombuffer(content, "<f8", 2 * npoints, head + part_index)  # Z/M may follow: unchecked
    if not np.all(np.isfinite(xy)):
        return "a coordinate is NaN or infinite"
    return None


def _check_main_header(head: bytes, size: int, what: str, shown: str) -> int:
    """The file's shape type, once its header is a Shapefile header that fits the file."""
    if len(head) < SHP_HEADER or struct.unpack(">i", head[:4])[0] != 9994:
        raise InputError(f"the {what} file is not a Shapefile part (bad header)", shown)
    declared = struct.unpack(">i", head[24:28])[0] * 2  # length is in 16-bit words
    if size < declared:
        raise InputError(f"the {what} file is truncated ({size} bytes, its header promises {declared})", shown)
    kind = struct.unpack("<i", head[32:36])[0]
    if kind not in SHAPE_TYPES and kind != 0:
        raise InputError(f"the {what} file declares an unknown shape type {kind}", shown)
    return kind


def check_shapefile_file(shp: Path, shown: str,
                         max_records: int | None = MAX_RECORDS) -> tuple[bytes, DbfLayout, frozenset[int]]:
    """check_shapefile for a .shp on disk (its sidecars beside it)."""
    stem = shp.name[:-4]
    members = {c.name: c.stat().st_size for c in shp.parent.iterdir()
               if c.name.lower().startswith(stem.lower() + ".") and c.is_file()}
    return check_shapefile(stem, members, lambda n: open(shp.parent / n, "rb"), shown, max_records)
