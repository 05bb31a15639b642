"""GDAL configuration options for one read or write, in the calling thread only.

GDAL reads its configuration options (OGR_ARC_STEPSIZE, GDAL_PAM_ENABLED …) first from the
calling thread's own table, then from the process-wide one. pyogrio only offers the process-wide
one (`set_gdal_config_options`): toggled around a read, it changes the read of every other
thread too, and restoring the "old" value races with them (a Dask worker runs several checks
at once). So options go into GDAL's thread-local table for the duration of one call, through
GDAL's own C API (`CPLSetThreadLocalConfigOption`) of the GDAL build pyogrio loaded. Reads and
writes through pyogrio run in the calling thread, so they see exactly these options.
"""

from __future__ import annotations

import ctypes
from contextlib import contextmanager
from functools import cache
from typing import Iterator


@cache
def _pyogrio_gdal() -> ctypes.CDLL:
    """pyogrio's GDAL (a wheel bundles its own): symbols are looked up from pyogrio's extension
    module, whose dependencies include the libgdal it was linked against."""
    import pyogrio._ogr

    lib = ctypes.CDLL(pyogrio._ogr.__file__)
    lib.CPLSetThreadLocalConfigOption.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.CPLSetThreadLocalConfigOption.restype = None
    lib.CPLGetThreadLocalConfigOption.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.CPLGetThreadLocalConfigOption.restype = ctypes.c_char_p
    return lib


@contextmanager
def thread_config(options: dict[str, str]) -> Iterator[None]:
    """GDAL config `options` for pyogrio calls made by this thread inside the block."""
    lib = _pyogrio_gdal()
    keys = [k.encode() for k in options]
    before = [lib.CPLGetThreadLocalConfigOption(k, None) for k in keys]
    for k, v in zip(keys, options.values()):
        lib.CPLSetThreadLocalConfigOption(k, str(v).encode())
    try:
        yield
    finally:
        for k, v in zip(keys, before):
            lib.CPLSetThreadLocalConfigOption(k, v)  # None unsets: back to the process-wide value


# Nothing may be written next to an input: no .aux.xml (PAM), no .properties (gzip index), and no
# rebuilt .shx (GDAL would write a missing one in place).
NO_SIDE_FILES = {"GDAL_PAM_ENABLED": "NO", "CPL_VSIL_GZIP_WRITE_PROPERTIES": "NO", "SHAPE_RESTORE_SHX": "NO"}
