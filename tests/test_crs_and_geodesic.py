"""Target CRS choice and projected vs geodesic areas across China."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

import geocheck
from geocheck.crs import gk_cm_epsg, gk_zone, require_metric
from geocheck.errors import CRSError, GeocheckError
from towns import frame, geodesic_area, lonlat_square, write_gpkg


def projected_area(lonlat_geom, epsg: int) -> float:
    """Area of the polygon's EPSG:4490 vertices projected by pyproj to `epsg`, shapely's planar area."""
    t = Transformer.from_crs("EPSG:4490", f"EPSG:{epsg}", always_xy=True)
    return shapely.transform(lonlat_geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1]))).area

# (lon, lat, expected EPSG) — expected codes read off the EPSG registry names "CM nnE".
TOWNS = [
    (87.3, 43.8, 4538),   # Ürümqi, CM 87E
    (103.9, 30.6, 4544),  # Chengdu, nearer CM 105E than 102E
    (120.1, 30.3, 4549),  # Hangzhou, CM 120E
    (126.5, 45.7, 4551),  # Harbin, CM 126E
    (118.47, 30.0, 4548),  # 1.47° east of CM 117E: the edge of its zone
]


@pytest.mark.parametrize("lon,lat,epsg", TOWNS)
def test_zone_choice_matches_epsg_registry(lon, lat, epsg):
    assert gk_cm_epsg(lon) == epsg
    cm = int(CRS.from_epsg(epsg).name.split("CM ")[1].rstrip("E"))
    assert abs(lon - cm) <= 1.5
    assert gk_zone(lon) * 3 == cm


@pytest.mark.parametrize("lon,lat,epsg", TOWNS)
def test_projected_and_geodesic_areas_agree_with_pyproj_geod(tmp_path, lon, lat, epsg):
    # A ~3 km² lon/lat square, written in EPSG:4490 as institutes deliver red lines.
    side = 0.0175 if lat < 40 else 0.022
    town = lonlat_square(lon, lat, side)
    expected = geodesic_area(town)  # independent: pyproj.Geod on the input coordinates
    path = write_gpkg(tmp_path / "town.gpkg", {"规划范围": frame([town], "EPSG:4490")})
    report = geocheck.check(path)
    m = report.measurements
    assert report.target_crs["epsg"] == epsg
    assert m["planned_area_geodesic_m2"] == pytest.approx(expected, rel=1e-6)
    assert m["planned_area_m2"] == pytest.approx(expected, rel=0.002)


def test_zone_edge_distortion_is_visible_but_small(tmp_path):
    lon, lat = 118.47, 30.0
    town = lonlat_square(lon, lat, 0.0175)
    path = write_gpkg(tmp_path / "edge.gpkg", {"规划范围": frame([town], "EPSG:4490")})
    report = geocheck.check(path)
    assert report.target_crs["epsg"] == 4548  # CM 117E
    m = report.measurements
    assert m["planned_area_m2"] == pytest.approx(projected_area(town, 4548), rel=1e-9)
    assert m["planned_area_geodesic_m2"] == pytest.approx(geodesic_area(town), rel=1e-6)
    ratio = m["planned_area_m2"] / m["planned_area_geodesic_m2"]
    # GK scale grows away from the CM: at ~1.5° the area factor exceeds 1 measurably.
    assert 1.0002 < ratio < 1.0014


def test_crs_override_is_used(tmp_path):
    town = lonlat_square(120.1, 30.3, 0.0175)
    path = write_gpkg(tmp_path / "t.gpkg", {"规划范围": frame([town], "EPSG:4490")})
    report = geocheck.check(path, crs="EPSG:4527")  # zone 39 with prefix, CM 117E
    assert report.target_crs == {"epsg": 4527, "name": CRS.from_epsg(4527).name,
                                 "label": f"EPSG:4527 ({CRS.from_epsg(4527).name})", "chosen_by": "user"}
    # Measured in that CRS: 3.1° from its CM (117E) the GK area factor is ~0.2 % above the auto CRS (CM 120E).
    assert report.measurements["planned_area_m2"] == pytest.approx(projected_area(town, 4527), rel=1e-9)
    assert projected_area(town, 4527) / projected_area(town, 4549) > 1.001


def test_geographic_override_refused():
    with pytest.raises(GeocheckError, match="geographic"):
        require_metric(CRS.from_epsg(4490))


def test_longitude_outside_china_zones_refused():
    with pytest.raises(CRSError, match="outside"):
        gk_cm_epsg(10.0)
