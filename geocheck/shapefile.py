"""Shapefile sanity before GDAL sees it: sidecars present, headers agree with file sizes.

GDAL reads a truncated .shp as features with no geometry, opens a .shp without its .dbf as a
layer without attributes, and can rebuild a missing .shx *in place* (SHAPE_RESTORE_SHX). A
reviewer's tool must refuse all three instead, so the checks here run on the bytes first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

from .errors import InputError

SHP_HEADER = 100


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


def check_shapefile(stem: str, members: dict[str, int], read: Callable[[str, int], bytes],
                    shown: str) -> tuple[bytes, DbfLayout]:
    """Refuse a Shapefile whose parts are missing, empty or cut short; return its DBF.

    `members` maps each part's name (any case of .shp/.shx/.dbf) to its size; `read(name,
    limit)` returns up to `limit` bytes of a part (all with -1). The DBF's bytes and layout are
    returned so its text encoding can be judged without reading it again. Nothing is written.
    """
    parts = {}
    for ext in ("shp", "shx", "dbf"):
        name = next((m for m in members if m.lower() == f"{stem}.{ext}".lower()), None)
        if name is None:
            raise InputError(f"the .{ext} file of this Shapefile is missing (a Shapefile needs .shp, .shx "
                             f"and .dbf; geocheck does not rebuild missing parts)", shown)
        if members[name] == 0:
            raise InputError(f"the .{ext} file of this Shapefile is empty (zero bytes)", shown)
        parts[ext] = name
    _check_main_header(read(parts["shp"], SHP_HEADER), members[parts["shp"]], ".shp", shown)
    shx_size = members[parts["shx"]]
    _check_main_header(read(parts["shx"], SHP_HEADER), shx_size, ".shx", shown)
    if (shx_size - SHP_HEADER) % 8:
        raise InputError("the .shx index is truncated (its size is not a whole number of records)", shown)
    dbf = read(parts["dbf"], -1)
    layout = parse_dbf(dbf, shown)
    expected = layout.header_len + layout.records * layout.record_len
    if len(dbf) < expected:
        raise InputError(f"the .dbf file is truncated ({len(dbf)} bytes, its header promises {expected})", shown)
    shapes = (shx_size - SHP_HEADER) // 8
    if shapes != layout.records:
        raise InputError(f"the .shx index lists {shapes} shapes but the .dbf has {layout.records} records", shown)
    return dbf, layout


def _check_main_header(head: bytes, size: int, what: str, shown: str) -> None:
    if len(head) < SHP_HEADER or struct.unpack(">i", head[:4])[0] != 9994:
        raise InputError(f"the {what} file is not a Shapefile part (bad header)", shown)
    declared = struct.unpack(">i", head[24:28])[0] * 2  # length is in 16-bit words
    if size < declared:
        raise InputError(f"the {what} file is truncated ({size} bytes, its header promises {declared})", shown)
