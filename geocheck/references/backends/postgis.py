"""A PostGIS table, read with `geom && ST_MakeEnvelope(…, table SRID)` so its GiST index is used."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from ...errors import CRSError, InputError, first_line
from ...geometry import EMPTY_POLYGON
from .. import coverage
from ..spec import KINDS, ReferenceSpec
from .base import ReferenceSource, check_geometry_type, plain


class PostgisReference(ReferenceSource):
    """A PostGIS table, read with `geom && ST_MakeEnvelope(…, table SRID)` so the GiST index is used."""

    conn: Any = None  # one connection, shared by a worker's threads (psycopg serialises their queries)
    sql: object = None  # the candidate query: psycopg SQL, four %s for the envelope in the table's SRID

    @classmethod
    def accepts(cls, spec: ReferenceSpec) -> bool:
        return spec.is_postgis

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
        schema, table, column = split_table(spec.layer)
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
        check_geometry_type(kind, {"POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon", "POINT": "Point",
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
        src.pick_fields(fields)
        if src.id_f is None and len(pk) == 1:
            src.id_f = pk[0][0]
        ident = sql.Identifier
        cols = [ident(f) if f else sql.SQL("NULL") for f in (src.id_f, src.name_f, src.level_f)]
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
        return [plain(r[0]) for r in rows], [r[1] for r in rows], [r[2] for r in rows], geoms

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def split_table(text: str) -> tuple[str | None, str, str | None]:
    """'schema.table(geom)' → (schema, table, geom); schema and geom optional."""
    text = text.strip()
    column = None
    if text.endswith(")") and "(" in text:
        text, column = text[:-1].split("(", 1)
    schema, _, table = text.rpartition(".")
    return (schema or None), table.strip('"'), column
