"""GDAL per thread: configuration options for one read or write, and the notices it raises.

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
import threading
import warnings
from contextlib import contextmanager
from functools import cache
from typing import Callable, Iterator


@cache
def _pyogrio_gdal() -> ctypes.CDLL | None:
    """pyogrio's GDAL (a wheel bundles its own): symbols are looked up from pyogrio's extension
    module, whose dependencies include the libgdal it was linked against (dlsym searches them on
    Linux). None where they cannot be reached that way: then options are set process-wide under a
    lock (see thread_config) and layer_has_m answers False."""
    import pyogrio._ogr

    try:
        lib = ctypes.CDLL(pyogrio._ogr.__file__)
        _declare(lib)
    except (OSError, AttributeError):
        return None
    return lib


def _declare(lib: ctypes.CDLL) -> None:
    p, s = ctypes.c_void_p, ctypes.c_char_p
    for name, args, result in (
            ("CPLSetThreadLocalConfigOption", [s, s], None), ("CPLGetThreadLocalConfigOption", [s, s], s),
            ("CPLPushErrorHandler", [p], None), ("CPLPopErrorHandler", [], None),
            ("GDALOpenEx", [s, ctypes.c_uint, p, p, p], p), ("GDALClose", [p], None),
            ("GDALDatasetGetLayerByName", [p, s], p), ("OGR_L_GetGeomType", [p], ctypes.c_int),
            ("OGR_GT_HasM", [ctypes.c_int], ctypes.c_int)):
        getattr(lib, name).argtypes, getattr(lib, name).restype = args, result


_PROCESS_WIDE = threading.Lock()  # the fallback: one thread at a time changes the process-wide options


@contextmanager
def thread_config(options: dict[str, str]) -> Iterator[None]:
    """GDAL config `options` for pyogrio calls made by this thread inside the block."""
    lib = _pyogrio_gdal()
    if lib is None:
        with _process_wide(options):
            yield
        return
    keys = [k.encode() for k in options]
    before = [lib.CPLGetThreadLocalConfigOption(k, None) for k in keys]
    for k, v in zip(keys, options.values()):
        lib.CPLSetThreadLocalConfigOption(k, str(v).encode())
    try:
        yield
    finally:
        for k, v in zip(keys, before):
            lib.CPLSetThreadLocalConfigOption(k, v)  # None unsets: back to the process-wide value


@contextmanager
def _process_wide(options: dict[str, str]) -> Iterator[None]:
    """Where GDAL's C API is out of reach: the options for the whole process, one block at a
    time (a threaded worker's other reads wait; processes, the default, are unaffected)."""
    import pyogrio

    with _PROCESS_WIDE:
        before = pyogrio.get_gdal_config_option  # read each, to restore exactly
        old = {k: before(k) for k in options}
        pyogrio.set_gdal_config_options(dict(options))
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options(old)


GDAL_OF_VECTOR = 0x04  # GDALOpenEx flags: a vector dataset, read-only (0)


def layer_has_m(gdal_path: str, layer: str) -> bool:
    """Whether GDAL declares `layer` with M values, which pyogrio drops. pyogrio says so only in a
    warning, and a library in another thread that silences warnings for a moment (geopandas and
    pandas do, process-wide) would make the note come and go; this asks GDAL itself."""
    lib = _pyogrio_gdal()
    if lib is None:
        return False
    lib.CPLPushErrorHandler(ctypes.cast(lib.CPLQuietErrorHandler, ctypes.c_void_p))  # this thread's
    try:
        with thread_config(NO_SIDE_FILES):
            ds = lib.GDALOpenEx(gdal_path.encode(), GDAL_OF_VECTOR, None, None, None)
        if not ds:
            return False
        try:
            lyr = lib.GDALDatasetGetLayerByName(ds, layer.encode())
            return bool(lyr) and bool(lib.OGR_GT_HasM(lib.OGR_L_GetGeomType(lyr)))
        finally:
            lib.GDALClose(ds)
    finally:
        lib.CPLPopErrorHandler()


# Nothing may be written next to an input: no .aux.xml (PAM), no .properties (gzip index), and no
# rebuilt .shx (GDAL would write a missing one in place).
NO_SIDE_FILES = {"GDAL_PAM_ENABLED": "NO", "CPL_VSIL_GZIP_WRITE_PROPERTIES": "NO", "SHAPE_RESTORE_SHX": "NO"}


# --- GDAL's notices -----------------------------------------------------------------------------
# pyogrio hands GDAL's notices to Python as warnings, and Python's warnings (before 3.14) are
# process-wide: catch_warnings in one thread records, or ignores, every other thread's warnings
# too (under a Dask worker's threads, one town's "M values were dropped" note landed in another
# town's report). So two settings are made once, here at import, and never changed: pyogrio's
# warnings are always shown (Python's once-per-place default would hide a second town's identical
# notice), and every warning passes through `_route`, which gives it to the thread that raised it
# when that thread is collecting. `_showwarnmsg` is the one step of Python's warnings that
# catch_warnings (pytest's too) leaves in place; warnings of a thread that is not collecting go
# on to it unchanged. What this cannot prevent (before Python 3.14's context-aware warnings): a
# library in another thread that silences every warning for a moment (geopandas and pandas do)
# drops a notice raised in that moment. So a note a report must carry is asked of GDAL itself
# (layer_has_m); GDAL's free-text notices stay best-effort.
warnings.filterwarnings("always", module=r"pyogrio(\.|$)")
_thread = threading.local()
_show_as_usual = warnings._showwarnmsg  # type: ignore[attr-defined]


def _route(msg: warnings.WarningMessage) -> None:
    sink = getattr(_thread, "sink", None)
    if sink is None:
        _show_as_usual(msg)
    else:
        sink.append(msg)


warnings._showwarnmsg = _route  # type: ignore[attr-defined]


@contextmanager
def collected_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings this thread raises inside the block, in the list it yields (and nowhere else)."""
    outer = getattr(_thread, "sink", None)
    caught: list[warnings.WarningMessage] = []
    _thread.sink = caught
    try:
        yield caught
    finally:
        _thread.sink = outer


@contextmanager
def ignored_warnings(drop: Callable[[warnings.WarningMessage], bool]) -> Iterator[None]:
    """This thread's warnings inside the block that `drop` picks are dropped; the others go on, at
    the end of the block, to the thread's enclosing collection or to Python's usual handling."""
    try:
        with collected_warnings() as caught:
            yield
    finally:
        for msg in caught:  # now routed as if raised outside the block
            if not drop(msg):
                _route(msg)
