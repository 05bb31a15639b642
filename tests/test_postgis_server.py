"""Tests for the real throwaway PostGIS server helper (tests/postgis_server.py).

No mocks: these start PostgreSQL 15 + PostGIS 3 and check PostGIS' answers
against numbers known independently (plain arithmetic, pyproj's geodesic
area) and a GeoPackage loaded with the real ``ogr2ogr``. They use conftest's session server
``postgis`` (a failure, never a skip, when PostgreSQL + PostGIS are missing); the last test
starts and stops one of its own.
"""

from __future__ import annotations

import socket
import subprocess

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Polygon

from postgis_server import PostgisServer, PsqlError, postgis_available, start_postgis


def test_connection_details(postgis: PostgisServer):
    assert postgis.host == "127.0.0.1"
    assert postgis.user == "geocheck" and postgis.dbname == "geocheck"
    assert postgis.dsn == f"postgresql://geocheck@127.0.0.1:{postgis.port}/geocheck"
    assert postgis.ogr_dsn == (
        f"PG:host=127.0.0.1 port={postgis.port} dbname=geocheck user=geocheck"
    )
    assert postgis.psql("SELECT current_user, current_database()") == "geocheck|geocheck"
    assert postgis.psql("SHOW listen_addresses") == "127.0.0.1"
    assert postgis.psql("SHOW fsync") == "off"


def test_postgis_version(postgis: PostgisServer):
    version = postgis.psql("SELECT postgis_version()")
    assert version.startswith("3"), version


def test_planar_area_in_cgcs2000_gauss_kruger(postgis: PostgisServer):
    # EPSG:4549 = CGCS2000 / 3-degree Gauss-Kruger CM 120E (metres).
    # A 1000 m x 2000 m rectangle has area 2,000,000 m^2 by arithmetic.
    x0, y0 = 500_000, 3_300_000
    wkt = Polygon(
        [(x0, y0), (x0 + 1000, y0), (x0 + 1000, y0 + 2000), (x0, y0 + 2000)]
    ).wkt
    area = float(postgis.psql(f"SELECT ST_Area(ST_GeomFromText('{wkt}', 4549))"))
    assert area == pytest.approx(2e6, abs=1e-6)
    # The CRS itself is known to PostGIS (needed for any reprojection).
    assert postgis.psql("SELECT count(*) FROM spatial_ref_sys WHERE srid = 4549") == "1"


def test_geodesic_area_matches_pyproj(postgis: PostgisServer):
    # An irregular ~1.5 km polygon near Hangzhou in lon/lat degrees.
    poly = Polygon(
        [
            (120.100, 30.200),
            (120.115, 30.201),
            (120.118, 30.212),
            (120.108, 30.216),
            (120.098, 30.209),
        ]
    )
    expected, _perimeter = Geod(ellps="GRS80").geometry_area_perimeter(poly)
    expected = abs(expected)  # pyproj signs the area by ring orientation
    got = float(postgis.psql(f"SELECT ST_Area('SRID=4326;{poly.wkt}'::geography)"))
    assert expected > 1e6  # sanity: the polygon is a couple of km^2
    assert got == pytest.approx(expected, rel=0.005)


def test_ogr2ogr_loads_geopackage(postgis: PostgisServer, tmp_path):
    names = ["青田镇", "龙泉镇", "松阳镇"]  # non-ASCII on purpose
    gdf = gpd.GeoDataFrame(
        {"name": names},
        geometry=[
            Polygon([(x, 3_300_000), (x + 1000, 3_300_000),
                     (x + 1000, 3_302_000), (x, 3_302_000)])
            for x in (500_000, 510_000, 520_000)
        ],
        crs="EPSG:4549",
    )
    gpkg = tmp_path / "towns.gpkg"
    gdf.to_file(gpkg, layer="town_boundary", driver="GPKG", engine="pyogrio")

    subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", postgis.ogr_dsn, str(gpkg), "town_boundary",
         "-nln", "town_boundary", "-lco", "GEOMETRY_NAME=geom"],
        env=postgis.client_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )

    assert postgis.psql("SELECT count(*) FROM town_boundary") == "3"
    assert postgis.psql("SELECT Find_SRID('public', 'town_boundary', 'geom')") == "4549"
    assert float(postgis.psql("SELECT sum(ST_Area(geom)) FROM town_boundary")) == (
        pytest.approx(6e6)
    )
    assert postgis.psql("SELECT name FROM town_boundary ORDER BY name").split("\n") == (
        sorted(names)
    )


def test_psql_error_raises(postgis: PostgisServer):
    with pytest.raises(PsqlError, match="no_such_table"):
        postgis.psql("SELECT 1; SELECT * FROM no_such_table; SELECT 2")


def test_server_is_stopped_and_removed_on_exit(tmp_path):
    if postgis_available():
        pytest.fail(postgis_available())
    with start_postgis(tmp_path) as server:
        data_dir, port = server.data_dir, server.port
        assert server.psql("SELECT 41 + 1") == "42"
        assert (data_dir / "postmaster.pid").exists()
    assert not data_dir.exists()
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", port)) != 0, "server still listening"
