"""控规 parcels: land-use code systems, field mapping and the parcel measurement."""

from .codes import SYSTEMS, code_system, crosswalk, resolve
from .fields import PURPOSES, FieldMap, map_fields
from .measure import ParcelMeasurement, Piece, measure_parcels

__all__ = ["SYSTEMS", "PURPOSES", "FieldMap", "ParcelMeasurement", "Piece", "code_system", "crosswalk",
           "map_fields", "measure_parcels", "resolve"]
